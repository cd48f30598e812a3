//===- SemaVision.h - Type rules of the convolution builtins ----*- C++ -*-===//
//
// Internal header (not part of the public frontend API): semantic analysis
// of conv2d, max_pool2d, avg_pool2d, global_avg_pool, reshape and flatten,
// called from Sema.cpp.
//
//===----------------------------------------------------------------------===//

#ifndef ADJOINT_FRONTEND_SEMAVISION_H
#define ADJOINT_FRONTEND_SEMAVISION_H

#include "compiler/frontend/Frontend.h"

#include <functional>
#include <string>
#include <vector>

namespace adjoint::frontend {

/// What the vision builtins need from the model's semantic analysis.
struct VisionContext {
  DiagnosticEngine &diags;
  /// Type-checks a tensor argument; sets its batch flags (flags[i]: dim i is
  /// the batch dimension B).
  std::function<bool(ast::Expr &, std::vector<bool> &)> check;
  ast::DType modelDType;
};

/// True for the names handled by checkVisionCall.
bool isVisionBuiltin(const std::string &name);

/// The names handled by checkVisionCall (for "did you mean" hints).
const std::vector<std::string> &visionBuiltinNames();

/// Type-checks a call of a vision builtin and canonicalizes it (see
/// LANGUAGE.md, "The AST after semantic analysis"); reports and returns
/// false on error.
bool checkVisionCall(ast::Expr &e, std::vector<bool> &flags,
                     VisionContext &ctx);

} // namespace adjoint::frontend

#endif // ADJOINT_FRONTEND_SEMAVISION_H
