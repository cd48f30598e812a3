//===- Parser.cpp - Recursive-descent parser of the model language --------===//
//
// Grammar (see LANGUAGE.md for the full description):
//
//   program    := { model | train }
//   model      := 'model' IDENT '(' input {',' input} [','] ')' '{' body '}'
//   input      := IDENT ':' type
//   type       := ('f32' | 'f64' | 'i32') ['[' [dim {',' dim} [',']] ']']
//   dim        := INT | IDENT
//   body       := { stmt (NEWLINE | ';') }
//   stmt       := 'param' IDENT ':' type '=' init
//               | 'let' IDENT '=' expr
//               | 'let' IDENT {',' IDENT} '=' scan
//   scan       := 'scan' IDENT 'in' expr 'along' INT {',' ...}
//                 'carry' '(' IDENT ':' type '=' expr {',' ...} ')'
//                 '{' { 'let' IDENT '=' expr } 'yield' expr {',' expr} '}'
//               | 'output' expr
//               | 'loss' expr
//   init       := IDENT ['(' [signed {',' signed}] ')']
//   train      := 'train' IDENT '{' { item } '}'
//   item       := 'optimizer' IDENT ['(' [kwnum {',' kwnum}] ')']
//               | 'batch' INT | 'epochs' INT | 'seed' INT
//   expr       := mul {('+' | '-') mul}
//   mul        := matmul {('*' | '/') matmul}
//   matmul     := unary {'@' unary}
//   unary      := '-' unary | primary
//   primary    := NUMBER | IDENT | IDENT '(' args ')' | '(' expr ')'
//               | '[' [expr {',' expr} [',']] ']'
//
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
      if ((isKeyword("model") || isKeyword("train")) && pos > 0 &&
          (toks[pos - 1].kind == Tok::Newline ||
           toks[pos - 1].kind == Tok::Semi))
        return;
      consume();
    }
  }

  //===--- Declarations ---------------------------------------------------===//

  void parseModel(Program &prog);
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
  bool parseType(TypeSpec &t);
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
  ExprPtr parseCall();
  ExprPtr parseList();
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
    } else {
      errorHere("expected 'model' or 'train', found " + found());
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
  ++nest;
  while (!is(Tok::RParen)) {
    if (!is(Tok::Ident)) {
      errorHere("expected input name, found " + found());
      return syncToTopLevel();
    }
    Input in;
    in.name = cur().text;
    in.loc = cur().loc;
    consume();
    if (!is(Tok::Colon)) {
      errorHere("expected ':' after input name, found " + found());
      return syncToTopLevel();
    }
    consume();
    if (!parseType(in.type))
      return syncToTopLevel();
    m.inputs.push_back(std::move(in));
    if (is(Tok::Comma)) {
      consume();
      continue;
    }
    if (!is(Tok::RParen)) {
      errorHere("expected ',' or ')' after model input, found " + found());
      diags.note(lparen, "to match this '('");
      return syncToTopLevel();
    }
  }
  consume(); // ')'
  --nest;
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
    if (is(Tok::Eof) || isKeyword("model") || isKeyword("train")) {
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
      "expected 'param', 'let', 'output' or 'loss', found ";
  if (!is(Tok::Ident)) {
    errorHere(expected + found());
    return false;
  }
  const std::string kw = cur().text;
  SrcLoc kwLoc = cur().loc;
  heights.clear();
  if (kw == "param")
    return parseParam(m);
  if (kw == "let") {
    Let let;
    if (!parseLet(let, /*inScan=*/false))
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
  // `scan NAME in ...` starts a scan; `scan` alone is an ordinary name.
  if (isKeyword("scan") && peekNext().kind == Tok::Ident &&
      pos + 2 < toks.size() && toks[pos + 2].kind == Tok::Ident &&
      toks[pos + 2].text == "in") {
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
    ++nest;
    while (!is(Tok::RParen)) {
      double v;
      if (!parseSignedNumber(v, "initializer arguments must be number "
                                "literals, found "))
        return false;
      p.init.args.push_back(v);
      if (is(Tok::Comma)) {
        consume();
        continue;
      }
      if (!is(Tok::RParen)) {
        errorHere("expected ',' or ')' in initializer arguments, found " +
                  found());
        diags.note(lparen, "to match this '('");
        return false;
      }
    }
    consume();
    --nest;
  }
  m.params.push_back(std::move(p));
  return true;
}

bool Parser::parseType(TypeSpec &t) {
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
  if (!is(Tok::LBracket))
    return true;
  SrcLoc lbracket = cur().loc;
  consume();
  ++nest;
  while (!is(Tok::RBracket)) {
    Dim d;
    d.loc = cur().loc;
    if (is(Tok::Int)) {
      d.size = cur().intValue;
    } else if (is(Tok::Ident)) {
      d.symbol = cur().text;
    } else {
      errorHere("expected a dimension (a positive integer or 'B'), found " +
                found());
      return false;
    }
    consume();
    t.dims.push_back(std::move(d));
    if (is(Tok::Comma)) {
      consume();
      continue;
    }
    if (!is(Tok::RBracket)) {
      errorHere("expected ',' or ']' in type, found " + found());
      diags.note(lbracket, "to match this '['");
      return false;
    }
  }
  consume();
  --nest;
  return true;
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
    if (is(Tok::Eof) || isKeyword("model") || isKeyword("train")) {
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
      if (!is(Tok::Ident)) {
        errorHere("expected a parameter name after 'freeze', found " + found());
        return false;
      }
      t.frozen.push_back({cur().text, cur().loc});
      consume();
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
  if (!is(Tok::Ident)) {
    errorHere("expected " + std::string(kw == "optimizer" ? "optimizer" : kw) +
              " name after '" + kw + "', found " + found());
    return false;
  }
  opt.name = cur().text;
  opt.loc = cur().loc;
  consume();
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
  ++nest;
  while (!is(Tok::RParen)) {
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
      consume();
      while (!is(Tok::RBracket)) {
        double e;
        if (!parseSignedNumber(e, "expected a number in the list of '" +
                                      abbreviate(name) + "', found "))
          return false;
        list.push_back(e);
        if (is(Tok::Comma))
          consume();
        else if (!is(Tok::RBracket)) {
          errorHere("expected ',' or ']' in a list, found " + found());
          return false;
        }
      }
      consume();
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
    if (is(Tok::Comma)) {
      consume();
      continue;
    }
    if (!is(Tok::RParen)) {
      errorHere("expected ',' or ')' in optimizer arguments, found " + found());
      diags.note(lparen, "to match this '('");
      return false;
    }
  }
  consume();
  --nest;
  return true;
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
  ++nest;
  while (!is(Tok::RParen)) {
    if (is(Tok::Ident) && peekNext().kind == Tok::Equal) {
      KwArg kw;
      kw.name = cur().text;
      kw.loc = cur().loc;
      consume(); // name
      consume(); // '='
      kw.value = parseExpr();
      if (!kw.value)
        return nullptr;
      call->kwargs.push_back(std::move(kw));
    } else {
      if (!call->kwargs.empty()) {
        errorHere("positional argument cannot follow keyword arguments");
        return nullptr;
      }
      ExprPtr arg = parseExpr();
      if (!arg)
        return nullptr;
      call->args.push_back(std::move(arg));
    }
    if (is(Tok::Comma)) {
      consume();
      continue;
    }
    if (!is(Tok::RParen)) {
      errorHere("expected ',' or ')' in argument list, found " + found());
      diags.note(lparen, "to match this '('");
      return nullptr;
    }
  }
  consume(); // ')'
  --nest;
  if (!checkHeight(*call))
    return nullptr;
  return call;
}

ExprPtr Parser::parseList() {
  auto list = std::make_unique<Expr>(ExprKind::List, cur().loc);
  SrcLoc lbracket = cur().loc;
  consume(); // '['
  ++nest;
  while (!is(Tok::RBracket)) {
    ExprPtr e = parseExpr();
    if (!e)
      return nullptr;
    list->args.push_back(std::move(e));
    if (is(Tok::Comma)) {
      consume();
      continue;
    }
    if (!is(Tok::RBracket)) {
      errorHere("expected ',' or ']' in list, found " + found());
      diags.note(lbracket, "to match this '['");
      return nullptr;
    }
  }
  consume(); // ']'
  --nest;
  if (!checkHeight(*list))
    return nullptr;
  return list;
}

} // namespace

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
