//===- MdlVisionToLinalg.h - Lowering of convolution and pooling -*- C++
//-*-===//

#ifndef ADJOINT_CONVERSION_MDLTOLINALG_MDLVISIONTOLINALG_H
#define ADJOINT_CONVERSION_MDLTOLINALG_MDLVISIONTOLINALG_H

#include "mlir/IR/Builders.h"

namespace adjoint {

/// Lowers a conv2d or pooling op of the mdl dialect (or one of their
/// adjoints) to linalg on tensors and returns the replacement value; null
/// for any other op.
mlir::Value lowerVisionOp(mlir::OpBuilder &b, mlir::Operation *op);

} // namespace adjoint

#endif // ADJOINT_CONVERSION_MDLTOLINALG_MDLVISIONTOLINALG_H
