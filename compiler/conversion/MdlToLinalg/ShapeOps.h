//===- ShapeOps.h - Lowering of the mdl tensor manipulation ops -*- C++ -*-===//

#ifndef ADJOINT_CONVERSION_MDLTOLINALG_SHAPEOPS_H
#define ADJOINT_CONVERSION_MDLTOLINALG_SHAPEOPS_H

#include "mlir/IR/Builders.h"

namespace adjoint {

/// Lowers mdl.transpose, mdl.slice, mdl.unslice and mdl.concat to
/// linalg.generic on tensors; a null value for any other op.
mlir::Value lowerShapeOp(mlir::OpBuilder &b, mlir::Operation *op);

} // namespace adjoint

#endif // ADJOINT_CONVERSION_MDLTOLINALG_SHAPEOPS_H
