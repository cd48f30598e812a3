//===- NormToLinalg.h - Lowering of the normalization ops -------*- C++ -*-===//
//
// Used by convert-mdl-to-linalg (MdlToLinalg.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef ADJOINT_CONVERSION_MDLTOLINALG_NORMTOLINALG_H
#define ADJOINT_CONVERSION_MDLTOLINALG_NORMTOLINALG_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/Operation.h"

namespace adjoint {

/// Rewrites, before the op-by-op lowering: layer_norm and batch_norm into
/// primitive mdl ops (reductions and broadcasting elementwise ops, which
/// the lowering and the tiling fuse like any others); drops
/// update_buffer (it only means something in a train step, where
/// adjoint-fuse-optimizer has consumed it); rng_step becomes the constant 0.
void expandNormOps(mlir::Operation *root);

/// The linalg lowering of dropout, embedding and embedding_grad; null for
/// other ops.
mlir::Value lowerNormOp(mlir::OpBuilder &b, mlir::Operation *op);

} // namespace adjoint

#endif // ADJOINT_CONVERSION_MDLTOLINALG_NORMTOLINALG_H
