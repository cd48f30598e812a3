//===- Parser.h - Parser of the Adjoint model language ----------*- C++ -*-===//
//
// Internal header. The public entry point is adjoint::frontend::parse in
// Frontend.h.
//
//===----------------------------------------------------------------------===//

#ifndef ADJOINT_FRONTEND_PARSER_H
#define ADJOINT_FRONTEND_PARSER_H

namespace adjoint::frontend {

/// Maximum nesting of parentheses / unary operators / calls / lists, and the
/// maximum height of an expression tree. Deeper input is rejected with
/// "expression nested too deeply" (this bounds every recursion in the
/// frontend and in its users).
constexpr int kMaxNestingDepth = 256;
constexpr int kMaxExprHeight = 1024;

} // namespace adjoint::frontend

#endif // ADJOINT_FRONTEND_PARSER_H
