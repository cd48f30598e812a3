//===- Parser.cpp - Recursive-descent parser of the model language --------===//
//
// Grammar (see LANGUAGE.md for the full description):
//
//   program    := { model | layer | train }
//   model      := 'model' IDENT '(' input {',' input} [','] ')' '{' body '}'
//   input      := IDENT ':' type
//   type       := ('f32' | 'f64' | 'i32') ['[' [dim {',' dim} [',']] ']']
//   dim        := INT | IDENT
//   body       := { stmt (NEWLINE | ';') }
//   stmt       := 'param' IDENT ':' type '=' init
//               | 'let' IDENT {',' IDENT} '=' expr
//               | 'let' IDENT {',' IDENT} '=' scan
//               | IDENT '=' expr
//               | repeat
//               | 'output' expr
//               | 'loss' expr
//   scan       := 'scan' IDENT 'in' expr 'along' INT {',' ...}
//                 'carry' '(' IDENT ':' type '=' expr {',' ...} ')'
//                 '{' { 'let' IDENT '=' expr } 'yield' expr {',' expr} '}'
//   repeat     := 'repeat' expr '{' block '}'
//               | 'for' IDENT 'in' 'range' '(' [expr ','] expr ')' '{' block '}'
//   layer      := 'layer' IDENT '(' [larg {',' larg}] ')' '{' block '}'
//   larg       := IDENT [':' ('tensor' | 'int' | 'float' | 'fn')] ['=' expr]
//   block      := { ('let' ... | IDENT '=' expr | repeat
//                   | 'param' IDENT ':' [DTYPE] '[' exprs ']' '=' init
//                   | 'return' expr) (NEWLINE | ';') }   (param, return: layers)
//   init       := IDENT ['(' [signed {',' signed}] ')']
//   train      := 'train' IDENT '{' { item } '}'
//   item       := 'optimizer' IDENT ['(' [kwnum {',' kwnum}] ')']
//               | 'param' pname '(' ... ')' | 'freeze' pname {',' pname}
//               | 'batch' INT | 'epochs' INT | 'seed' INT | ...
//   pname      := IDENT {'.' IDENT}
//   expr       := mul {('+' | '-') mul}
//   mul        := matmul {('*' | '/') matmul}
//   matmul     := unary {'@' unary}
//   unary      := '-' unary | postfix
//   postfix    := primary {'[' index {',' index} ']'}
//   index      := expr | [expr] ':' [expr] [':' [expr]]
//   primary    := NUMBER | IDENT | IDENT '(' args ')' ['as' IDENT]
//               | '(' expr ')' | '[' [expr {',' expr} [',']] ']'
//
// Every comma-separated list goes through parseDelimited (items, ',' or the
// closer, a trailing ',', the note at the opener on errors).
// Newlines inside (), [] are ignored. After the first error in a statement
// the parser skips to the end of that statement; after an error in a model
// or train header it skips to the next line starting with `model`/`train`.
//
//===----------------------------------------------------------------------===//

#include "compiler/frontend/Parser.h"

#include "compiler/frontend/Frontend.h"
#include "compiler/frontend/Lexer.h"
#include "compiler/frontend/Support.h"

#include <unordered_map>

namespace adjoint::frontend {

namespace {

using namespace adjoint::ast;

struct DepthGuard {
  int &depth;
  explicit DepthGuard(int &d) : depth(d) { ++depth; }
  ~DepthGuard() { --depth; }
};

class Parser {
public:
  Parser(std::vector<Token> toks, DiagnosticEngine &diags)
      : toks(std::move(toks)), diags(diags) {}

  void parseProgram(Program &prog);

private:
  //===--- Token access ---------------------------------------------------===//

  /// The current token. Inside (), [] newlines are insignificant and skipped.
  const Token &cur() {
    if (nest > 0)
      while (toks[pos].kind == Tok::Newline)
        ++pos;
    return toks[pos];
  }
  /// The token after the current one.
  const Token &peekNext() {
    cur();
    size_t p = pos;
    if (toks[p].kind != Tok::Eof)
      ++p;
    if (nest > 0)
      while (toks[p].kind == Tok::Newline)
        ++p;
    return toks[p];
  }
  void consume() {
    cur();
    if (toks[pos].kind != Tok::Eof)
      ++pos;
  }
  bool is(Tok k) { return cur().kind == k; }
  bool isKeyword(const char *kw) {
    return cur().kind == Tok::Ident && cur().text == kw;
  }
  std::string found() { return describeToken(cur()); }
  void skipNewlines() {
    while (is(Tok::Newline) || is(Tok::Semi))
      consume();
  }

  /// Reports `msg` at the current token; a malformed token reports the
  /// lexer's message instead.
  void errorHere(const std::string &msg) {
    const Token &t = cur();
    diags.error(t.loc, t.kind == Tok::Error ? t.error : msg);
  }

  /// Skips to the end of the current statement (newline, ';', '}' or EOF).
  void syncToStatementEnd() {
    nest = 0;
    while (!is(Tok::Newline) && !is(Tok::Semi) && !is(Tok::RBrace) &&
           !is(Tok::Eof))
      consume();
  }

  /// Skips to the next `model` or `train` at the start of a line.
  void syncToTopLevel() {
    nest = 0;
    consume();
    while (!is(Tok::Eof)) {
      if (atTopLevelKeyword() && pos > 0 &&
          (toks[pos - 1].kind == Tok::Newline ||
           toks[pos - 1].kind == Tok::Semi))
        return;
      consume();
    }
  }

  /// Parses `item {',' item} [',']` up to `closer` (its opener, at `open`,
  /// is consumed): calls `item` for each element, reports a missing ',' or
  /// closer with "expected ',' or ')' <context>, found ..." and a note at the
  /// opener, consumes the closer. Newlines inside are insignificant.
  template <typename ItemFn>
  bool parseDelimited(Tok closer, SrcLoc open, const char *context,
                      ItemFn item) {
    const char *closeText = closer == Tok::RParen ? "')'" : "']'";
    const char *openText = closer == Tok::RParen ? "'('" : "'['";
    ++nest;
    while (!is(closer)) {
      if (!item())
        return false;
      if (is(Tok::Comma)) {
        consume();
        continue;
      }
      if (!is(closer)) {
        errorHere(std::string("expected ',' or ") + closeText + " " + context +
                  ", found " + found());
        diags.note(open, std::string("to match this ") + openText);
        return false;
      }
    }
    consume(); // closer
    --nest;
    return true;
  }

  //===--- Declarations ---------------------------------------------------===//

  void parseModel(Program &prog);
  void parseLayer(Program &prog);
  /// A statement of a layer body or a repeat block (inLayer: params with
  /// expression dimensions and `return` are allowed).
  bool parseBlockStmt(std::vector<Stmt> &out, bool inLayer, bool inRepeat);
  /// `{ stmt ... }` of a layer or a repeat block; the '{' is current.
  bool parseBlockBody(std::vector<Stmt> &out, bool inLayer, bool inRepeat);
  bool parseRepeat(std::vector<Stmt> &out, bool inLayer);
  bool parseRepeatBlock(std::vector<Stmt> &out, bool inLayer);
  bool parseLetNames(std::vector<std::pair<std::string, SrcLoc>> &names);
  bool parseLayerParam(ast::Param &p);
  bool parseDottedName(std::string &name, SrcLoc &loc, const std::string &msg);
  /// Names that start a statement: `let = x` is a malformed let, not an
  /// assignment.
  static bool isStatementKeyword(const std::string &kw) {
    return kw == "let" || kw == "param" || kw == "output" || kw == "loss" ||
           kw == "return" || kw == "repeat" || kw == "for";
  }
  bool atTopLevelKeyword() {
    return isKeyword("model") || isKeyword("train") || isKeyword("layer");
  }
  void parseTrain(Program &prog);
  bool parseStatement(Model &m, std::optional<SrcLoc> &outputKw,
                      std::optional<SrcLoc> &lossKw);
  bool parseParam(Model &m);
  bool parseLet(Let &let, bool inScan);
  bool parseScan(Let &let);
  /// `scan ... carry (...) {`: the sequences and carries, up to the body.
  bool parseScanHeader(Scan &scan);
  bool parseScanBody(Scan &scan);
  /// After an error inside a scan body: skips past its closing '}'.
  void syncToScanEnd();
  /// At `scan NAME in`: a scan (else `scan` is an ordinary name).
  bool atScan();
  bool parseType(TypeSpec &t, bool inLayer = false);
  bool parseSignedNumber(double &value, const std::string &what);
  bool parseTrainItem(TrainConfig &t, std::map<std::string, SrcLoc> &seen);
  bool parseIntSetting(const std::string &kw, const std::string &msg,
                       bool allowZero, int64_t &out);

  //===--- Expressions ----------------------------------------------------===//

  ExprPtr parseExpr();
  ExprPtr parseMul();
  ExprPtr parseMatmul();
  ExprPtr parseUnary();
  ExprPtr parsePrimary();
  ExprPtr parsePrimaryNoIndex();
  ExprPtr parseCall();
  ExprPtr parseList();
  /// Postfix `x[i, a:b, ::s]` after a primary.
  ExprPtr parseIndex(ExprPtr base);
  ExprPtr makeBinary(const Token &opTok, ExprPtr lhs, ExprPtr rhs);
  /// Records the height of `e` (its children are already recorded) and
  /// rejects trees that are too tall.
  bool checkHeight(const Expr &e);

  std::vector<Token> toks;
  DiagnosticEngine &diags;
  size_t pos = 0;
  int nest = 0;  // depth of open (), []
  int depth = 0; // recursion depth of the expression parser
  std::unordered_map<const Expr *, int> heights;
};

void Parser::parseProgram(Program &prog) {
  while (!diags.hitErrorLimit()) {
    skipNewlines();
    if (is(Tok::Eof))
      return;
    if (isKeyword("model")) {
      parseModel(prog);
    } else if (isKeyword("train")) {
      parseTrain(prog);
    } else if (isKeyword("layer")) {
      parseLayer(prog);
    } else {
      errorHere("expected 'model', 'layer' or 'train', found " + found());
      syncToTopLevel();
    }
  }
}

void Parser::parseModel(Program &prog) {
  consume(); // 'model'
  Model m;
  if (!is(Tok::Ident)) {
    errorHere("expected model name after 'model', found " + found());
    return syncToTopLevel();
  }
  m.name = cur().text;
  m.loc = cur().loc;
  consume();
  if (!is(Tok::LParen)) {
    errorHere("expected '(' after model name, found " + found());
    return syncToTopLevel();
  }
  SrcLoc lparen = cur().loc;
  consume();
  bool inputsOk = parseDelimited(Tok::RParen, lparen, "after model input", [&] {
    if (!is(Tok::Ident)) {
      errorHere("expected input name, found " + found());
      return false;
    }
    Input in;
    in.name = cur().text;
    in.loc = cur().loc;
    consume();
    if (!is(Tok::Colon)) {
      errorHere("expected ':' after input name, found " + found());
      return false;
    }
    consume();
    if (!parseType(in.type))
      return false;
    m.inputs.push_back(std::move(in));
    return true;
  });
  if (!inputsOk)
    return syncToTopLevel();
  while (is(Tok::Newline))
    consume();
  if (!is(Tok::LBrace)) {
    errorHere("expected '{' after model inputs, found " + found());
    return syncToTopLevel();
  }
  SrcLoc lbrace = cur().loc;
  consume();

  std::optional<SrcLoc> outputKw, lossKw;
  while (!diags.hitErrorLimit()) {
    skipNewlines();
    if (is(Tok::RBrace)) {
      consume();
      break;
    }
    if (is(Tok::Eof) || atTopLevelKeyword()) {
      errorHere("expected '}' at end of model '" + m.name + "', found " +
                found());
      diags.note(lbrace, "to match this '{'");
      break;
    }
    bool ok = parseStatement(m, outputKw, lossKw);
    if (ok && !is(Tok::Newline) && !is(Tok::Semi) && !is(Tok::RBrace) &&
        !is(Tok::Eof)) {
      errorHere("expected newline or ';' after statement, found " + found());
      ok = false;
    }
    if (!ok)
      syncToStatementEnd();
  }
  prog.models.push_back(std::move(m));
}

bool Parser::parseStatement(Model &m, std::optional<SrcLoc> &outputKw,
                            std::optional<SrcLoc> &lossKw) {
  static const char *expected =
      "expected 'param', 'let', 'output', 'loss', 'repeat', 'for' or an "
      "assignment, found ";
  if (!is(Tok::Ident)) {
    errorHere(expected + found());
    return false;
  }
  const std::string kw = cur().text;
  SrcLoc kwLoc = cur().loc;
  heights.clear();
  if ((peekNext().kind == Tok::Equal && !isStatementKeyword(kw)) ||
      kw == "repeat" || kw == "for")
    return parseBlockStmt(m.blocks, /*inLayer=*/false, /*inRepeat=*/false);
  if (kw == "param")
    return parseParam(m);
  if (kw == "let") {
    consume();
    std::vector<std::pair<std::string, SrcLoc>> names;
    if (!parseLetNames(names))
      return false;
    Let let;
    let.name = names[0].first;
    let.loc = names[0].second;
    let.moreNames.assign(names.begin() + 1, names.end());
    if (atScan()) {
      if (!parseScan(let))
        return false;
      m.lets.push_back(std::move(let));
      return true;
    }
    let.value = parseExpr();
    if (!let.value)
      return false;
    m.lets.push_back(std::move(let));
    return true;
  }
  if (kw == "output" || kw == "loss") {
    std::optional<SrcLoc> &prev = kw == "output" ? outputKw : lossKw;
    if (prev) {
      diags.error(kwLoc, "duplicate '" + kw + "' statement");
      diags.note(*prev, "previous '" + kw + "' statement is here");
      return false;
    }
    consume();
    ExprPtr e = parseExpr();
    if (!e)
      return false;
    prev = kwLoc;
    if (kw == "output") {
      m.output = std::move(e);
    } else {
      m.loss = std::move(e);
      m.lossLoc = kwLoc;
    }
    return true;
  }
  errorHere(expected + found());
  return false;
}

bool Parser::parseLetNames(std::vector<std::pair<std::string, SrcLoc>> &names) {
  // NAME {',' NAME} '='   (the 'let' is consumed)
  while (true) {
    if (!is(Tok::Ident)) {
      errorHere("expected a name after 'let', found " + found());
      return false;
    }
    names.emplace_back(cur().text, cur().loc);
    consume();
    if (!is(Tok::Comma))
      break;
    consume();
  }
  if (!is(Tok::Equal)) {
    errorHere("expected '=' after 'let " + abbreviate(names.back().first) +
              "', found " + found());
    return false;
  }
  consume();
  return true;
}

bool Parser::parseBlockStmt(std::vector<Stmt> &out, bool inLayer,
                            bool inRepeat) {
  const char *expected =
      inLayer ? "expected 'param', 'let', 'return', 'repeat', 'for' or an "
                "assignment, found "
              : "expected 'let', 'repeat', 'for' or an assignment, found ";
  if (!is(Tok::Ident)) {
    errorHere(expected + found());
    return false;
  }
  const std::string kw = cur().text;
  SrcLoc kwLoc = cur().loc;
  heights.clear();
  if (peekNext().kind == Tok::Equal && !isStatementKeyword(kw)) {
    // NAME = expr: a new value of an existing let (or tensor argument).
    Stmt st;
    st.kind = Stmt::Assign;
    st.loc = kwLoc;
    st.names.emplace_back(kw, kwLoc);
    consume(); // name
    consume(); // '='
    st.value = parseExpr();
    if (!st.value)
      return false;
    out.push_back(std::move(st));
    return true;
  }
  if (kw == "repeat" || kw == "for")
    return parseRepeat(out, inLayer);
  if (kw == "let") {
    consume();
    Stmt st;
    st.kind = Stmt::Let;
    st.loc = kwLoc;
    if (!parseLetNames(st.names))
      return false;
    st.value = parseExpr();
    if (!st.value)
      return false;
    out.push_back(std::move(st));
    return true;
  }
  if (kw == "param" && inLayer) {
    if (inRepeat) {
      errorHere("'param' is not allowed inside 'repeat'; declare the "
                "parameter in a layer and call the layer in the loop");
      return false;
    }
    consume();
    Stmt st;
    st.kind = Stmt::Param;
    st.loc = kwLoc;
    if (!parseLayerParam(st.param))
      return false;
    out.push_back(std::move(st));
    return true;
  }
  if (kw == "return" && inLayer) {
    consume();
    Stmt st;
    st.kind = Stmt::Return;
    st.loc = kwLoc;
    st.value = parseExpr();
    if (!st.value)
      return false;
    out.push_back(std::move(st));
    return true;
  }
  if (!inLayer && (kw == "param" || kw == "output" || kw == "loss")) {
    errorHere("'" + kw + "' is not allowed inside 'repeat'");
    return false;
  }
  errorHere(expected + found());
  return false;
}

bool Parser::parseRepeat(std::vector<Stmt> &out, bool inLayer) {
  DepthGuard guard(depth);
  if (depth > kMaxNestingDepth) {
    errorHere("repeat blocks nested too deeply");
    return false;
  }
  // After an error in the header, the whole block is skipped.
  size_t headerLine = cur().loc.line;
  if (!parseRepeatBlock(out, inLayer)) {
    nest = 0;
    while (!is(Tok::Eof) && !is(Tok::LBrace) && !is(Tok::RBrace) &&
           cur().loc.line == headerLine)
      consume();
    if (is(Tok::LBrace)) {
      int depth = 0;
      do {
        depth += is(Tok::LBrace) ? 1 : is(Tok::RBrace) ? -1 : 0;
        consume();
      } while (depth > 0 && !is(Tok::Eof));
    }
    return false;
  }
  return true;
}

bool Parser::parseRepeatBlock(std::vector<Stmt> &out, bool inLayer) {
  Stmt st;
  st.kind = Stmt::Repeat;
  st.loc = cur().loc;
  bool isFor = cur().text == "for";
  consume(); // repeat | for
  if (isFor) {
    // for VAR in range([start,] stop)
    if (!is(Tok::Ident)) {
      errorHere("expected a loop variable after 'for', found " + found());
      return false;
    }
    st.var = cur().text;
    st.varLoc = cur().loc;
    consume();
    if (!isKeyword("in")) {
      errorHere("expected 'in' after 'for " + abbreviate(st.var) + "', found " +
                found());
      return false;
    }
    consume();
    if (!isKeyword("range") || peekNext().kind != Tok::LParen) {
      errorHere("expected 'range(' after 'in', found " + found());
      return false;
    }
    consume(); // range
    SrcLoc lparen = cur().loc;
    consume(); // (
    std::vector<ExprPtr> bounds;
    if (!parseDelimited(Tok::RParen, lparen, "in 'range'", [&] {
          ExprPtr e = parseExpr();
          if (!e)
            return false;
          bounds.push_back(std::move(e));
          return true;
        }))
      return false;
    if (bounds.empty() || bounds.size() > 2) {
      diags.error(lparen, "'range' takes one or two arguments ([start,] "
                          "stop), got " +
                              std::to_string(bounds.size()));
      return false;
    }
    if (bounds.size() == 2)
      st.start = std::move(bounds[0]);
    st.value = std::move(bounds.back());
  } else {
    // repeat N
    st.value = parseExpr();
    if (!st.value)
      return false;
  }
  while (is(Tok::Newline))
    consume();
  if (!is(Tok::LBrace)) {
    errorHere("expected '{' after the loop header, found " + found());
    return false;
  }
  if (!parseBlockBody(st.body, inLayer, /*inRepeat=*/true))
    return false;
  out.push_back(std::move(st));
  return true;
}

bool Parser::parseBlockBody(std::vector<Stmt> &out, bool inLayer,
                            bool inRepeat) {
  SrcLoc lbrace = cur().loc;
  consume(); // '{'
  while (!diags.hitErrorLimit()) {
    skipNewlines();
    if (is(Tok::RBrace)) {
      consume();
      return true;
    }
    if (is(Tok::Eof) || atTopLevelKeyword()) {
      errorHere("expected '}', found " + found());
      diags.note(lbrace, "to match this '{'");
      return false;
    }
    bool ok = parseBlockStmt(out, inLayer, inRepeat);
    if (ok && !is(Tok::Newline) && !is(Tok::Semi) && !is(Tok::RBrace) &&
        !is(Tok::Eof)) {
      errorHere("expected newline or ';' after statement, found " + found());
      ok = false;
    }
    if (!ok)
      syncToStatementEnd();
  }
  return false;
}

void Parser::parseLayer(Program &prog) {
  consume(); // 'layer'
  Layer l;
  if (!is(Tok::Ident)) {
    errorHere("expected layer name after 'layer', found " + found());
    return syncToTopLevel();
  }
  l.name = cur().text;
  l.loc = cur().loc;
  consume();
  if (!is(Tok::LParen)) {
    errorHere("expected '(' after layer name, found " + found());
    return syncToTopLevel();
  }
  SrcLoc lparen = cur().loc;
  consume();
  bool argsOk =
      parseDelimited(Tok::RParen, lparen, "after layer argument", [&] {
        if (!is(Tok::Ident)) {
          errorHere("expected argument name, found " + found());
          return false;
        }
        LayerArg a;
        a.name = cur().text;
        a.loc = cur().loc;
        consume();
        bool annotated = false;
        if (is(Tok::Colon)) {
          consume();
          static const std::pair<const char *, LayerArg::Kind> kinds[] = {
              {"tensor", LayerArg::Tensor},
              {"int", LayerArg::Int},
              {"float", LayerArg::Float},
              {"fn", LayerArg::Fn}};
          bool known = false;
          for (auto &[name, kind] : kinds)
            if (isKeyword(name)) {
              a.kind = kind;
              known = true;
            }
          if (!known) {
            errorHere("expected an argument kind (tensor, int, float or fn), "
                      "found " +
                      found());
            return false;
          }
          annotated = true;
          consume();
        }
        if (is(Tok::Equal)) {
          consume();
          a.dflt = parseExpr();
          if (!a.dflt)
            return false;
          if (!annotated) {
            // The kind of an unannotated argument follows its default.
            const Expr *d = a.dflt.get();
            while (d->kind == ExprKind::Unary && !d->args.empty() && d->args[0])
              d = d->args[0].get();
            if (d->kind == ExprKind::Ident)
              a.kind = LayerArg::Fn;
            else if (d->kind == ExprKind::Number)
              a.kind = d->isInteger ? LayerArg::Int : LayerArg::Float;
            else {
              diags.error(a.dflt->loc,
                          "cannot infer the kind of argument '" + a.name +
                              "' from its default; write 'name: int', "
                              "'name: float' or 'name: fn'");
              return false;
            }
          }
        }
        l.args.push_back(std::move(a));
        return true;
      });
  if (!argsOk)
    return syncToTopLevel();
  while (is(Tok::Newline))
    consume();
  if (!is(Tok::LBrace)) {
    errorHere("expected '{' after layer arguments, found " + found());
    return syncToTopLevel();
  }
  parseBlockBody(l.body, /*inLayer=*/true, /*inRepeat=*/false);
  prog.layers.push_back(std::move(l));
}

bool Parser::parseLayerParam(ast::Param &p) {
  // NAME ':' [DTYPE] '[' expr {',' expr} ']' '=' INIT ['(' expr {, expr} ')']
  if (!is(Tok::Ident)) {
    errorHere("expected parameter name after 'param', found " + found());
    return false;
  }
  p.name = cur().text;
  p.loc = cur().loc;
  consume();
  if (!is(Tok::Colon)) {
    errorHere("expected ':' after parameter name, found " + found());
    return false;
  }
  consume();
  if (!parseType(p.type, /*inLayer=*/true))
    return false;
  if (!is(Tok::Equal)) {
    errorHere("expected '=' and an initializer after the parameter type, "
              "found " +
              found());
    return false;
  }
  consume();
  if (!is(Tok::Ident)) {
    errorHere("expected an initializer (e.g. zeros, he_normal), found " +
              found());
    return false;
  }
  p.init.kind = cur().text;
  p.init.loc = cur().loc;
  consume();
  if (!is(Tok::LParen))
    return true;
  SrcLoc lparen = cur().loc;
  consume();
  return parseDelimited(Tok::RParen, lparen, "in initializer arguments", [&] {
    ExprPtr e = parseExpr();
    if (!e)
      return false;
    p.init.argExprs.push_back(std::shared_ptr<const Expr>(std::move(e)));
    return true;
  });
}

bool Parser::parseDottedName(std::string &name, SrcLoc &loc,
                             const std::string &msg) {
  if (!is(Tok::Ident)) {
    errorHere(msg + found());
    return false;
  }
  name = cur().text;
  loc = cur().loc;
  consume();
  while (is(Tok::Dot)) {
    consume();
    if (!is(Tok::Ident)) {
      errorHere("expected a name after '.', found " + found());
      return false;
    }
    name += "." + cur().text;
    consume();
  }
  return true;
}

bool Parser::atScan() {
  // `scan NAME in ...` starts a scan; `scan` alone is an ordinary name.
  return isKeyword("scan") && peekNext().kind == Tok::Ident &&
         pos + 2 < toks.size() && toks[pos + 2].kind == Tok::Ident &&
         toks[pos + 2].text == "in";
}

bool Parser::parseLet(Let &let, bool inScan) {
  consume(); // 'let'
  if (!is(Tok::Ident)) {
    errorHere("expected a name after 'let', found " + found());
    return false;
  }
  let.name = cur().text;
  let.loc = cur().loc;
  consume();
  while (is(Tok::Comma)) {
    consume();
    if (!is(Tok::Ident)) {
      errorHere("expected a name after ',' in 'let', found " + found());
      return false;
    }
    let.moreNames.emplace_back(cur().text, cur().loc);
    consume();
  }
  if (!is(Tok::Equal)) {
    errorHere("expected '=' after 'let " + abbreviate(let.name) +
              (let.moreNames.empty() ? "" : ", ...") + "', found " + found());
    return false;
  }
  consume();
  if (atScan()) {
    if (inScan) {
      errorHere("a scan cannot be nested in a scan body");
      return false;
    }
    return parseScan(let);
  }
  if (!let.moreNames.empty()) {
    errorHere("only a scan can bind several names, found " + found());
    return false;
  }
  let.value = parseExpr();
  return bool(let.value);
}

void Parser::syncToScanEnd() {
  nest = 0;
  int depth = 1;
  while (!is(Tok::Eof)) {
    if (is(Tok::LBrace)) {
      ++depth;
    } else if (is(Tok::RBrace) && --depth == 0) {
      consume();
      return;
    }
    if ((isKeyword("model") || isKeyword("train")) && pos > 0 &&
        toks[pos - 1].kind == Tok::Newline)
      return;
    consume();
  }
}

bool Parser::parseScan(Let &let) {
  auto scan = std::make_shared<Scan>();
  if (parseScanHeader(*scan)) {
    if (!parseScanBody(*scan)) {
      syncToScanEnd();
      return false;
    }
    let.scan = std::move(scan);
    return true;
  }
  // Skip the rest of the header and the body.
  nest = 0;
  while (!is(Tok::Eof) && !is(Tok::LBrace) && !is(Tok::RBrace))
    consume();
  if (is(Tok::LBrace)) {
    consume();
    syncToScanEnd();
  }
  return false;
}

bool Parser::parseScanHeader(Scan &sc) {
  Scan *scan = &sc;
  scan->loc = cur().loc;
  consume(); // 'scan'
  // Sequences: NAME 'in' expr 'along' INT {',' ...}.
  while (true) {
    ScanSeq seq;
    if (!is(Tok::Ident)) {
      errorHere("expected a step name after 'scan', found " + found());
      return false;
    }
    seq.name = cur().text;
    seq.loc = cur().loc;
    consume();
    if (!isKeyword("in")) {
      errorHere("expected 'in' after the step name '" + abbreviate(seq.name) +
                "', found " + found());
      return false;
    }
    consume();
    seq.source = parseExpr();
    if (!seq.source)
      return false;
    if (!isKeyword("along")) {
      errorHere("expected 'along' and an axis after the scanned sequence, "
                "found " +
                found());
      return false;
    }
    consume();
    if (!is(Tok::Int)) {
      errorHere("expected an axis (a non-negative integer) after 'along', "
                "found " +
                found());
      return false;
    }
    seq.axis = cur().intValue;
    seq.axisLoc = cur().loc;
    consume();
    scan->seqs.push_back(std::move(seq));
    if (!is(Tok::Comma))
      break;
    consume();
  }
  // Carries: 'carry' '(' NAME ':' type '=' expr {',' ...} [','] ')'.
  if (!isKeyword("carry")) {
    errorHere("expected 'carry' after the scanned sequences, found " + found());
    return false;
  }
  consume();
  if (!is(Tok::LParen)) {
    errorHere("expected '(' after 'carry', found " + found());
    return false;
  }
  SrcLoc lparen = cur().loc;
  consume();
  ++nest;
  while (!is(Tok::RParen)) {
    ScanCarry c;
    if (!is(Tok::Ident)) {
      errorHere("expected a carry name, found " + found());
      return false;
    }
    c.name = cur().text;
    c.loc = cur().loc;
    consume();
    if (!is(Tok::Colon)) {
      errorHere("expected ':' and a type after the carry name '" +
                abbreviate(c.name) + "', found " + found());
      return false;
    }
    consume();
    if (!parseType(c.type))
      return false;
    if (!is(Tok::Equal)) {
      errorHere("expected '=' and an initial value after the carry type, "
                "found " +
                found());
      return false;
    }
    consume();
    c.init = parseExpr();
    if (!c.init)
      return false;
    scan->carries.push_back(std::move(c));
    if (is(Tok::Comma)) {
      consume();
      continue;
    }
    if (!is(Tok::RParen)) {
      errorHere("expected ',' or ')' after a carry, found " + found());
      diags.note(lparen, "to match this '('");
      return false;
    }
  }
  if (scan->carries.empty()) {
    errorHere("a scan needs at least one carry");
    return false;
  }
  consume(); // ')'
  --nest;
  while (is(Tok::Newline))
    consume();
  if (!is(Tok::LBrace)) {
    errorHere("expected '{' to open the scan body, found " + found());
    return false;
  }
  consume();
  return true;
}

bool Parser::parseScanBody(Scan &scan) {
  bool ok = true;
  while (!diags.hitErrorLimit()) {
    skipNewlines();
    if (is(Tok::RBrace)) {
      if (scan.yields.empty()) {
        errorHere("a scan body must end with 'yield'");
        return false;
      }
      consume();
      return ok;
    }
    if (!scan.yields.empty()) {
      errorHere("expected '}' after 'yield' (it ends the scan body), found " +
                found());
      return false;
    }
    if (is(Tok::Eof) || isKeyword("model") || isKeyword("train")) {
      errorHere("expected '}' at end of the scan body, found " + found());
      return false;
    }
    heights.clear();
    if (isKeyword("let")) {
      Let let;
      if (!parseLet(let, /*inScan=*/true))
        return false;
      scan.body.push_back(std::move(let));
    } else if (isKeyword("yield")) {
      scan.yieldLoc = cur().loc;
      consume();
      while (true) {
        ExprPtr e = parseExpr();
        if (!e)
          return false;
        scan.yields.push_back(std::move(e));
        if (!is(Tok::Comma))
          break;
        consume();
      }
    } else {
      errorHere("expected 'let' or 'yield' in a scan body, found " + found());
      return false;
    }
    if (!is(Tok::Newline) && !is(Tok::Semi) && !is(Tok::RBrace)) {
      errorHere("expected newline or ';' after statement, found " + found());
      return false;
    }
  }
  return false;
}

bool Parser::parseParam(Model &m) {
  consume(); // 'param'
  Param p;
  if (!is(Tok::Ident)) {
    errorHere("expected parameter name after 'param', found " + found());
    return false;
  }
  p.name = cur().text;
  p.loc = cur().loc;
  consume();
  if (!is(Tok::Colon)) {
    errorHere("expected ':' after parameter name, found " + found());
    return false;
  }
  consume();
  if (!parseType(p.type))
    return false;
  if (!is(Tok::Equal)) {
    errorHere("expected '=' and an initializer after the parameter type, "
              "found " +
              found());
    return false;
  }
  consume();
  if (!is(Tok::Ident)) {
    errorHere("expected an initializer (e.g. zeros, he_normal), found " +
              found());
    return false;
  }
  p.init.kind = cur().text;
  p.init.loc = cur().loc;
  consume();
  if (is(Tok::LParen)) {
    SrcLoc lparen = cur().loc;
    consume();
    if (!parseDelimited(Tok::RParen, lparen, "in initializer arguments", [&] {
          double v;
          if (!parseSignedNumber(v, "initializer arguments must be number "
                                    "literals, found "))
            return false;
          p.init.args.push_back(v);
          return true;
        }))
      return false;
  }
  m.params.push_back(std::move(p));
  return true;
}

bool Parser::parseType(TypeSpec &t, bool inLayer) {
  if (inLayer && is(Tok::LBracket)) {
    t.dtypeOmitted = true;
    t.loc = cur().loc;
  } else {
    if (!is(Tok::Ident)) {
      errorHere("expected a type (f32, f64 or i32), found " + found());
      return false;
    }
    const std::string &name = cur().text;
    if (name == "f32") {
      t.dtype = DType::F32;
    } else if (name == "f64") {
      t.dtype = DType::F64;
    } else if (name == "i32") {
      t.dtype = DType::I32;
    } else {
      errorHere("unknown element type '" + abbreviate(name) +
                "'; expected f32, f64 or i32");
      return false;
    }
    t.loc = cur().loc;
    consume();
  }
  if (!is(Tok::LBracket))
    return true;
  SrcLoc lbracket = cur().loc;
  consume();
  return parseDelimited(Tok::RBracket, lbracket, "in type", [&] {
    Dim d;
    d.loc = cur().loc;
    if (inLayer) {
      // An integer expression of the layer's arguments: 784, n, dim(x, -1).
      ExprPtr e = parseExpr();
      if (!e)
        return false;
      d.expr = std::shared_ptr<const Expr>(std::move(e));
    } else if (is(Tok::Int)) {
      d.size = cur().intValue;
      consume();
    } else if (is(Tok::Ident)) {
      d.symbol = cur().text;
      consume();
    } else {
      errorHere("expected a dimension (a positive integer or 'B'), found " +
                found());
      return false;
    }
    t.dims.push_back(std::move(d));
    return true;
  });
}

bool Parser::parseSignedNumber(double &value, const std::string &what) {
  bool negative = false;
  if (is(Tok::Minus)) {
    negative = true;
    consume();
  }
  if (!is(Tok::Int) && !is(Tok::Float)) {
    errorHere(what + found());
    return false;
  }
  value = negative ? -cur().number : cur().number;
  consume();
  return true;
}

void Parser::parseTrain(Program &prog) {
  TrainConfig t;
  t.loc = cur().loc;
  consume(); // 'train'
  if (!is(Tok::Ident)) {
    errorHere("expected model name after 'train', found " + found());
    return syncToTopLevel();
  }
  t.model = cur().text;
  t.modelLoc = cur().loc;
  consume();
  while (is(Tok::Newline))
    consume();
  if (!is(Tok::LBrace)) {
    errorHere("expected '{' after 'train " + abbreviate(t.model) + "', found " +
              found());
    return syncToTopLevel();
  }
  SrcLoc lbrace = cur().loc;
  consume();
  std::map<std::string, SrcLoc> seen;
  while (!diags.hitErrorLimit()) {
    skipNewlines();
    if (is(Tok::RBrace)) {
      consume();
      break;
    }
    if (is(Tok::Eof) || atTopLevelKeyword()) {
      errorHere("expected '}' at end of train section, found " + found());
      diags.note(lbrace, "to match this '{'");
      break;
    }
    if (!parseTrainItem(t, seen))
      syncToStatementEnd();
  }
  prog.trains.push_back(std::move(t));
}

bool Parser::parseTrainItem(TrainConfig &t,
                            std::map<std::string, SrcLoc> &seen) {
  static const char *known =
      "'optimizer', 'schedule', 'warmup', 'clip', 'param', 'freeze', "
      "'batch', 'accumulate', 'epochs' or 'seed'";
  if (!is(Tok::Ident)) {
    errorHere(std::string("expected ") + known + ", found " + found());
    return false;
  }
  const std::string kw = cur().text;
  SrcLoc kwLoc = cur().loc;
  if (kw != "optimizer" && kw != "schedule" && kw != "warmup" && kw != "clip" &&
      kw != "param" && kw != "freeze" && kw != "batch" && kw != "epochs" &&
      kw != "accumulate" && kw != "seed") {
    errorHere("unknown train setting '" + abbreviate(kw) + "'; expected " +
              known);
    return false;
  }
  if (kw == "freeze") {
    // freeze NAME {',' NAME}
    consume();
    do {
      std::string name;
      SrcLoc loc;
      if (!parseDottedName(name, loc,
                           "expected a parameter name after 'freeze', found "))
        return false;
      t.frozen.push_back({name, loc});
    } while (is(Tok::Comma) && (consume(), true));
    return true;
  }
  auto it = kw == "param" ? seen.end() : seen.find(kw);
  if (it != seen.end()) {
    diags.error(kwLoc, "duplicate '" + kw + "' setting");
    diags.note(it->second, "previous '" + kw + "' setting is here");
    return false;
  }
  seen[kw] = kwLoc;
  consume();

  if (kw == "batch") {
    t.hasBatch = true;
    return parseIntSetting(kw, "batch size must be a positive integer", false,
                           t.batch);
  }
  if (kw == "accumulate")
    return parseIntSetting(
        kw,
        "the number of accumulated micro-batches must be a positive "
        "integer",
        false, t.accumulate);
  if (kw == "epochs") {
    t.hasEpochs = true;
    return parseIntSetting(kw, "number of epochs must be a positive integer",
                           false, t.epochs);
  }
  if (kw == "seed") {
    int64_t seed = 0;
    if (!parseIntSetting(kw, "seed must be a non-negative integer", true, seed))
      return false;
    t.hasSeed = true;
    t.seed = static_cast<uint64_t>(seed);
    return true;
  }

  // optimizer|schedule|warmup NAME [ '(' name '=' value, ... ')' ] where a
  // value is a number or (schedules only) a list of numbers.
  if (kw == "param")
    t.paramOptions.emplace_back();
  OptimizerSpec &opt = kw == "optimizer"  ? t.optimizer
                       : kw == "schedule" ? t.schedule
                       : kw == "clip"     ? t.clip
                       : kw == "param"    ? t.paramOptions.back()
                                          : t.warmup;
  if (kw == "param") {
    if (!parseDottedName(opt.name, opt.loc,
                         "expected param name after 'param', found "))
      return false;
  } else {
    if (!is(Tok::Ident)) {
      errorHere("expected " +
                std::string(kw == "optimizer" ? "optimizer" : kw) +
                " name after '" + kw + "', found " + found());
      return false;
    }
    opt.name = cur().text;
    opt.loc = cur().loc;
    consume();
  }
  bool ignored = false;
  (kw == "optimizer"  ? t.hasOptimizer
   : kw == "schedule" ? t.hasSchedule
   : kw == "clip"     ? t.hasClip
   : kw == "param"    ? ignored
                      : t.hasWarmup) = true;
  if (!is(Tok::LParen))
    return true;
  SrcLoc lparen = cur().loc;
  consume();
  return parseDelimited(Tok::RParen, lparen, "in optimizer arguments", [&] {
    if (!is(Tok::Ident) || peekNext().kind != Tok::Equal) {
      errorHere("expected optimizer argument of the form 'name = value', "
                "found " +
                found());
      return false;
    }
    std::string name = cur().text;
    SrcLoc argLoc = cur().loc;
    consume(); // name
    consume(); // '='
    double v = 0;
    bool isList = false;
    std::vector<double> list;
    if (is(Tok::LBracket) && kw != "optimizer") {
      isList = true;
      SrcLoc lbracket = cur().loc;
      consume();
      if (!parseDelimited(Tok::RBracket, lbracket, "in a list", [&] {
            double e;
            if (!parseSignedNumber(e, "expected a number in the list of '" +
                                          abbreviate(name) + "', found "))
              return false;
            list.push_back(e);
            return true;
          }))
        return false;
    } else if (!parseSignedNumber(v, "expected a number for " + kw +
                                         " argument '" + abbreviate(name) +
                                         "', found ")) {
      return false;
    }
    auto prev = opt.argLocs.find(name);
    if (prev != opt.argLocs.end()) {
      diags.error(argLoc, "duplicate optimizer argument '" + name + "'");
      diags.note(prev->second, "previous value of '" + name + "' is here");
      return false;
    }
    if (isList)
      opt.listArgs[name] = list;
    else
      opt.args[name] = v;
    opt.argLocs[name] = argLoc;
    return true;
  });
}

bool Parser::parseIntSetting(const std::string &kw, const std::string &msg,
                             bool allowZero, int64_t &out) {
  SrcLoc loc = cur().loc;
  bool negative = false;
  if (is(Tok::Minus)) {
    negative = true;
    consume();
  }
  if (is(Tok::Int) || is(Tok::Float)) {
    if (negative || is(Tok::Float) || (!allowZero && cur().intValue == 0)) {
      diags.error(loc, msg);
      return false;
    }
    out = cur().intValue;
    consume();
    return true;
  }
  errorHere("expected an integer after '" + kw + "', found " + found());
  return false;
}

//===--- Expressions ------------------------------------------------------===//

bool Parser::checkHeight(const Expr &e) {
  int h = 0;
  for (const ExprPtr &a : e.args)
    if (a) {
      auto it = heights.find(a.get());
      h = std::max(h, it == heights.end() ? 1 : it->second);
    }
  for (const KwArg &k : e.kwargs)
    if (k.value) {
      auto it = heights.find(k.value.get());
      h = std::max(h, it == heights.end() ? 1 : it->second);
    }
  heights[&e] = h + 1;
  if (h + 1 > kMaxExprHeight) {
    diags.error(e.loc, "expression nested too deeply");
    return false;
  }
  return true;
}

ExprPtr Parser::makeBinary(const Token &opTok, ExprPtr lhs, ExprPtr rhs) {
  auto e = std::make_unique<Expr>(ExprKind::Binary, opTok.loc);
  e->op = opTok.text;
  e->args.push_back(std::move(lhs));
  e->args.push_back(std::move(rhs));
  if (!checkHeight(*e))
    return nullptr;
  return e;
}

ExprPtr Parser::parseExpr() {
  ExprPtr lhs = parseMul();
  while (lhs && (is(Tok::Plus) || is(Tok::Minus))) {
    Token op = cur();
    consume();
    ExprPtr rhs = parseMul();
    if (!rhs)
      return nullptr;
    lhs = makeBinary(op, std::move(lhs), std::move(rhs));
  }
  return lhs;
}

ExprPtr Parser::parseMul() {
  ExprPtr lhs = parseMatmul();
  while (lhs && (is(Tok::Star) || is(Tok::Slash))) {
    Token op = cur();
    consume();
    ExprPtr rhs = parseMatmul();
    if (!rhs)
      return nullptr;
    lhs = makeBinary(op, std::move(lhs), std::move(rhs));
  }
  return lhs;
}

ExprPtr Parser::parseMatmul() {
  ExprPtr lhs = parseUnary();
  while (lhs && is(Tok::At)) {
    Token op = cur();
    consume();
    ExprPtr rhs = parseUnary();
    if (!rhs)
      return nullptr;
    lhs = makeBinary(op, std::move(lhs), std::move(rhs));
  }
  return lhs;
}

ExprPtr Parser::parseUnary() {
  DepthGuard guard(depth);
  if (depth > kMaxNestingDepth) {
    errorHere("expression nested too deeply");
    return nullptr;
  }
  if (!is(Tok::Minus))
    return parsePrimary();
  auto e = std::make_unique<Expr>(ExprKind::Unary, cur().loc);
  e->op = "-";
  consume();
  ExprPtr operand = parseUnary();
  if (!operand)
    return nullptr;
  e->args.push_back(std::move(operand));
  if (!checkHeight(*e))
    return nullptr;
  return e;
}

ExprPtr Parser::parsePrimary() {
  bool indexable = is(Tok::Ident) || is(Tok::LParen);
  ExprPtr e = parsePrimaryNoIndex();
  while (e && indexable && is(Tok::LBracket))
    e = parseIndex(std::move(e));
  return e;
}

ExprPtr Parser::parsePrimaryNoIndex() {
  const Token &t = cur();
  switch (t.kind) {
  case Tok::Int:
  case Tok::Float: {
    auto e = std::make_unique<Expr>(ExprKind::Number, t.loc);
    e->number = t.number;
    e->isInteger = t.kind == Tok::Int;
    consume();
    heights[e.get()] = 1;
    return e;
  }
  case Tok::Ident: {
    if (peekNext().kind == Tok::LParen)
      return parseCall();
    auto e = std::make_unique<Expr>(ExprKind::Ident, t.loc);
    e->name = t.text;
    consume();
    heights[e.get()] = 1;
    return e;
  }
  case Tok::LParen: {
    SrcLoc lparen = t.loc;
    consume();
    ++nest;
    ExprPtr e = parseExpr();
    if (!e)
      return nullptr;
    if (!is(Tok::RParen)) {
      errorHere("expected ')', found " + found());
      diags.note(lparen, "to match this '('");
      return nullptr;
    }
    consume();
    --nest;
    return e;
  }
  case Tok::LBracket:
    return parseList();
  default:
    errorHere("expected an expression, found " + found());
    return nullptr;
  }
}

ExprPtr Parser::parseCall() {
  auto call = std::make_unique<Expr>(ExprKind::Call, cur().loc);
  call->name = cur().text;
  consume(); // name
  SrcLoc lparen = cur().loc;
  consume(); // '('
  if (!parseDelimited(Tok::RParen, lparen, "in argument list", [&] {
        if (is(Tok::Ident) && peekNext().kind == Tok::Equal) {
          KwArg kw;
          kw.name = cur().text;
          kw.loc = cur().loc;
          consume(); // name
          consume(); // '='
          kw.value = parseExpr();
          if (!kw.value)
            return false;
          call->kwargs.push_back(std::move(kw));
          return true;
        }
        if (!call->kwargs.empty()) {
          errorHere("positional argument cannot follow keyword arguments");
          return false;
        }
        ExprPtr arg = parseExpr();
        if (!arg)
          return false;
        call->args.push_back(std::move(arg));
        return true;
      }))
    return nullptr;
  // `layer(...) as NAME` names the layer instance.
  if (isKeyword("as") && peekNext().kind == Tok::Ident) {
    consume();
    call->instance = cur().text;
    call->instanceLoc = cur().loc;
    consume();
  }
  if (!checkHeight(*call))
    return nullptr;
  return call;
}

ExprPtr Parser::parseList() {
  auto list = std::make_unique<Expr>(ExprKind::List, cur().loc);
  SrcLoc lbracket = cur().loc;
  consume(); // '['
  if (!parseDelimited(Tok::RBracket, lbracket, "in list", [&] {
        ExprPtr e = parseExpr();
        if (!e)
          return false;
        list->args.push_back(std::move(e));
        return true;
      }))
    return nullptr;
  if (!checkHeight(*list))
    return nullptr;
  return list;
}

ExprPtr Parser::parseIndex(ExprPtr base) {
  // base '[' item {',' item} ']' with item := expr | [expr] ':' [expr]
  // [':' [expr]]. A slice item is a List with op ":" and three (nullable)
  // elements: start, stop, step.
  auto e = std::make_unique<Expr>(ExprKind::Call, cur().loc);
  e->name = "[]";
  e->args.push_back(std::move(base));
  SrcLoc lbracket = cur().loc;
  consume(); // '['
  auto optExpr = [&](ExprPtr &out) {
    if (is(Tok::Colon) || is(Tok::Comma) || is(Tok::RBracket))
      return true;
    out = parseExpr();
    return out != nullptr;
  };
  if (!parseDelimited(Tok::RBracket, lbracket, "in index", [&] {
        SrcLoc itemLoc = cur().loc;
        ExprPtr start;
        if (!optExpr(start))
          return false;
        if (!is(Tok::Colon)) {
          if (!start) {
            errorHere("expected an index or a slice, found " + found());
            return false;
          }
          e->args.push_back(std::move(start));
          return true;
        }
        consume(); // ':'
        auto slice = std::make_unique<Expr>(ExprKind::List, itemLoc);
        slice->op = ":";
        ExprPtr stop, step;
        if (!optExpr(stop))
          return false;
        if (is(Tok::Colon)) {
          consume();
          if (!optExpr(step))
            return false;
        }
        slice->args.push_back(std::move(start));
        slice->args.push_back(std::move(stop));
        slice->args.push_back(std::move(step));
        if (!checkHeight(*slice))
          return false;
        e->args.push_back(std::move(slice));
        return true;
      }))
    return nullptr;
  if (e->args.size() == 1) {
    diags.error(lbracket, "an index needs at least one item");
    return nullptr;
  }
  if (!checkHeight(*e))
    return nullptr;
  return e;
}

} // namespace

bool parseLibrary(const SourceFile &lib, DiagnosticEngine &diags,
                  ast::Program &prog) {
  unsigned errorsBefore = diags.numErrors();
  unsigned file = diags.addFile(lib);
  prog.files.resize(std::max<size_t>(prog.files.size(), file));
  prog.files[file - 1] = lib.name;
  Parser parser(lex(lib, file), diags);
  ast::Program libProg;
  libProg.filename = lib.name;
  parser.parseProgram(libProg);
  if (!libProg.models.empty() || !libProg.trains.empty()) {
    diags.error(!libProg.models.empty() ? libProg.models[0].loc
                                        : libProg.trains[0].loc,
                "a library may only define layers");
  }
  for (Layer &l : libProg.layers) {
    l.library = true;
    prog.layers.push_back(std::move(l));
  }
  return diags.numErrors() == errorsBefore;
}

std::optional<ast::Program> parse(const SourceFile &src,
                                  DiagnosticEngine &diags) {
  unsigned errorsBefore = diags.numErrors();
  Parser parser(lex(src), diags);
  ast::Program prog;
  prog.filename = src.name;
  parser.parseProgram(prog);
  if (diags.numErrors() != errorsBefore)
    return std::nullopt;
  return prog;
}

} // namespace adjoint::frontend
