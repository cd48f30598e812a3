//===- Lexer.h - Tokenizer of the Adjoint model language --------*- C++ -*-===//
//
// Internal header (not part of the public frontend API).
//
//===----------------------------------------------------------------------===//

#ifndef ADJOINT_FRONTEND_LEXER_H
#define ADJOINT_FRONTEND_LEXER_H

#include "compiler/frontend/AST.h"

#include <cstdint>
#include <string>
#include <vector>

namespace adjoint::frontend {

struct SourceFile;

enum class Tok {
  Ident,   // [A-Za-z_][A-Za-z0-9_]*  (keywords are contextual identifiers)
  Int,     // 123
  Float,   // 1.5  1e-3  .5  2.
  LParen,  // (
  RParen,  // )
  LBracket, // [
  RBracket, // ]
  LBrace,  // {
  RBrace,  // }
  Comma,   // ,
  Colon,   // :
  Semi,    // ;
  Equal,   // =
  At,      // @
  Plus,    // +
  Minus,   // -
  Star,    // *
  Slash,   // /
  Dot,     // .  (dotted parameter names: fc1.w)
  Newline, // end of a line
  Eof,     // end of input
  Error,   // malformed input; `error` holds the message
};

struct Token {
  Tok kind = Tok::Eof;
  std::string text; // spelling (empty for Newline/Eof)
  ast::SrcLoc loc;
  double number = 0;    // value of Int/Float tokens
  int64_t intValue = 0; // value of Int tokens
  std::string error;    // message of Error tokens
};

/// Splits the whole file into tokens. Comments (`#` or `//` to the end of the
/// line) and blank space are dropped; every line end becomes a Newline token.
/// The result always ends with an Eof token. Never fails: malformed input
/// produces Error tokens.
/// `file` is stamped into every token location (SrcLoc::file).
std::vector<Token> lex(const SourceFile &src, unsigned file = 0);

/// "'foo'", "newline", "end of file" — for "found ..." in messages.
std::string describeToken(const Token &t);

} // namespace adjoint::frontend

#endif // ADJOINT_FRONTEND_LEXER_H
