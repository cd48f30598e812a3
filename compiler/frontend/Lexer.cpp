//===- Lexer.cpp - Tokenizer of the Adjoint model language ----------------===//

#include "compiler/frontend/Lexer.h"

#include "compiler/frontend/Frontend.h"
#include "compiler/frontend/Support.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace adjoint::frontend {

namespace {

bool isIdentStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isIdentChar(char c) { return isIdentStart(c) || isDigit(c); }

class Lexer {
public:
  Lexer(const std::string &text, unsigned file) : text(text), file(file) {}

  std::vector<Token> run() {
    std::vector<Token> toks;
    while (true) {
      skipBlanksAndComments();
      if (pos >= text.size())
        break;
      toks.push_back(next());
    }
    Token eof;
    eof.kind = Tok::Eof;
    eof.loc = eofLoc();
    toks.push_back(eof);
    if (file != 0)
      for (Token &t : toks)
        t.loc.file = file;
    return toks;
  }

private:
  char peek(size_t ahead = 0) const {
    return pos + ahead < text.size() ? text[pos + ahead] : '\0';
  }
  bool atEnd(size_t ahead = 0) const { return pos + ahead >= text.size(); }

  void advance() {
    if (text[pos] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
    ++pos;
  }

  ast::SrcLoc here() const { return {line, col}; }

  /// Just past the last character, but never on the (nonexistent) line after
  /// a trailing newline, so that diagnostics at EOF can show a source line.
  ast::SrcLoc eofLoc() const {
    if (text.empty())
      return {1, 1};
    if (text.back() != '\n')
      return {line, col};
    // Column just past the end of the last line.
    size_t end = text.size() - 1;
    size_t start = text.rfind('\n', end == 0 ? std::string::npos : end - 1);
    start = start == std::string::npos ? 0 : start + 1;
    size_t len = end - start;
    if (len > 0 && text[end - 1] == '\r')
      --len;
    return {line - 1, static_cast<unsigned>(len + 1)};
  }

  void skipBlanksAndComments() {
    while (!atEnd()) {
      char c = peek();
      if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
        advance();
      } else if (c == '#' || (c == '/' && peek(1) == '/')) {
        while (!atEnd() && peek() != '\n')
          advance();
      } else {
        return;
      }
    }
  }

  Token make(Tok kind, ast::SrcLoc loc, size_t start) {
    Token t;
    t.kind = kind;
    t.loc = loc;
    t.text = text.substr(start, pos - start);
    return t;
  }

  Token next() {
    ast::SrcLoc loc = here();
    size_t start = pos;
    char c = peek();
    if (c == '\n') {
      advance();
      Token t;
      t.kind = Tok::Newline;
      t.loc = loc;
      return t;
    }
    if (isIdentStart(c)) {
      while (!atEnd() && isIdentChar(peek()))
        advance();
      return make(Tok::Ident, loc, start);
    }
    if (isDigit(c) || (c == '.' && isDigit(peek(1))))
      return number(loc);
    Tok kind;
    switch (c) {
    case '(':
      kind = Tok::LParen;
      break;
    case ')':
      kind = Tok::RParen;
      break;
    case '[':
      kind = Tok::LBracket;
      break;
    case ']':
      kind = Tok::RBracket;
      break;
    case '{':
      kind = Tok::LBrace;
      break;
    case '}':
      kind = Tok::RBrace;
      break;
    case ',':
      kind = Tok::Comma;
      break;
    case ':':
      kind = Tok::Colon;
      break;
    case ';':
      kind = Tok::Semi;
      break;
    case '=':
      kind = Tok::Equal;
      break;
    case '@':
      kind = Tok::At;
      break;
    case '+':
      kind = Tok::Plus;
      break;
    case '-':
      kind = Tok::Minus;
      break;
    case '*':
      kind = Tok::Star;
      break;
    case '/':
      kind = Tok::Slash;
      break;
    case '.':
      kind = Tok::Dot;
      break;
    default: {
      advance();
      Token t = make(Tok::Error, loc, start);
      unsigned char uc = static_cast<unsigned char>(c);
      if (uc >= 0x21 && uc < 0x7f) {
        t.error = std::string("invalid character '") + c + "'";
      } else {
        char buf[32];
        std::snprintf(buf, sizeof(buf), "invalid byte 0x%02x", uc);
        t.error = buf;
      }
      return t;
    }
    }
    advance();
    return make(kind, loc, start);
  }

  Token number(ast::SrcLoc loc) {
    size_t start = pos;
    bool isFloat = false;
    while (isDigit(peek()))
      advance();
    if (peek() == '.') {
      isFloat = true;
      advance();
      while (isDigit(peek()))
        advance();
    }
    if (peek() == 'e' || peek() == 'E') {
      size_t k = 1;
      if (peek(k) == '+' || peek(k) == '-')
        ++k;
      if (isDigit(peek(k))) {
        isFloat = true;
        for (size_t i = 0; i < k; ++i)
          advance();
        while (isDigit(peek()))
          advance();
      }
    }
    if (isIdentChar(peek()) || peek() == '.') {
      while (isIdentChar(peek()) || peek() == '.')
        advance();
      Token t = make(Tok::Error, loc, start);
      t.error = "invalid number literal '" + abbreviate(t.text) + "'";
      return t;
    }
    Token t = make(isFloat ? Tok::Float : Tok::Int, loc, start);
    if (!isFloat) {
      uint64_t v = 0;
      for (char d : t.text) {
        uint64_t digit = static_cast<uint64_t>(d - '0');
        if (v > (static_cast<uint64_t>(INT64_MAX) - digit) / 10) {
          t.kind = Tok::Error;
          t.error = "integer literal is too large";
          return t;
        }
        v = v * 10 + digit;
      }
      t.intValue = static_cast<int64_t>(v);
      t.number = static_cast<double>(v);
      return t;
    }
    errno = 0;
    double v = std::strtod(t.text.c_str(), nullptr);
    if (std::isinf(v) || (errno == ERANGE && std::fabs(v) > 1.0)) {
      t.kind = Tok::Error;
      t.error = "floating-point literal is too large";
      return t;
    }
    t.number = v;
    return t;
  }

  const std::string &text;
  unsigned file = 0;
  size_t pos = 0;
  unsigned line = 1, col = 1;
};

} // namespace

std::vector<Token> lex(const SourceFile &src, unsigned file) {
  return Lexer(src.text, file).run();
}

std::string describeToken(const Token &t) {
  switch (t.kind) {
  case Tok::Newline:
    return "newline";
  case Tok::Eof:
    return "end of file";
  default:
    return "'" + abbreviate(t.text) + "'";
  }
}

} // namespace adjoint::frontend
