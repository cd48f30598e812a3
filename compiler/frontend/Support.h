//===- Support.h - Small helpers shared by the frontend ---------*- C++ -*-===//
//
// Internal header (not part of the public frontend API).
//
//===----------------------------------------------------------------------===//

#ifndef ADJOINT_FRONTEND_SUPPORT_H
#define ADJOINT_FRONTEND_SUPPORT_H

#include "compiler/frontend/AST.h"

#include <cstdint>
#include <string>
#include <vector>

namespace adjoint::frontend {

/// Shortest decimal text that reads back as exactly `v` ("0.1", "-3", "1e-05").
std::string formatNumber(double v);

/// "f32[128, 256]"; a scalar prints as "f32[]".
std::string formatType(ast::DType dtype, const std::vector<int64_t> &shape);

/// Levenshtein distance between two strings.
unsigned editDistance(const std::string &a, const std::string &b);

/// The candidate closest to `name` if it is close enough to be a plausible
/// typo, else "".
std::string closestMatch(const std::string &name,
                         const std::vector<std::string> &candidates);

/// "; did you mean 'x'?" or "" (uses closestMatch).
std::string didYouMean(const std::string &name,
                       const std::vector<std::string> &candidates);

/// Shortens long user text for use inside a diagnostic message.
std::string abbreviate(const std::string &text, size_t maxLen = 32);

/// Joins strings with ", ".
std::string joinNames(const std::vector<std::string> &names);

} // namespace adjoint::frontend

#endif // ADJOINT_FRONTEND_SUPPORT_H
