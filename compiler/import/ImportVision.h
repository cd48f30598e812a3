//===- ImportVision.h - Import of the convolution builtins ------*- C++ -*-===//

#ifndef ADJOINT_IMPORT_IMPORTVISION_H
#define ADJOINT_IMPORT_IMPORTVISION_H

#include "compiler/frontend/AST.h"

#include "mlir/IR/Builders.h"

namespace adjoint {

/// Builds the mdl op of a canonical vision call (conv2d, max_pool2d,
/// avg_pool2d, global_avg_pool, reshape, flatten; see SemaVision.cpp) of
/// result type `type` on the lowered tensor arguments `args`.
mlir::Value importVisionCall(mlir::OpBuilder &b, mlir::Location loc,
                             const ast::Expr &e, mlir::RankedTensorType type,
                             llvm::ArrayRef<mlir::Value> args);

} // namespace adjoint

#endif // ADJOINT_IMPORT_IMPORTVISION_H
