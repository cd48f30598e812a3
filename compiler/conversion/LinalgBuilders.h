//===- LinalgBuilders.h - Helpers to build linalg on tensors ----*- C++ -*-===//
//
// Shared by the mdl and optim conversions: elementwise and reduction
// linalg.generic ops with explicit maps, scalar constants, fills.
//
//===----------------------------------------------------------------------===//

#ifndef ADJOINT_CONVERSION_LINALGBUILDERS_H
#define ADJOINT_CONVERSION_LINALGBUILDERS_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace adjoint {

using BodyFn = llvm::function_ref<mlir::Value(mlir::OpBuilder &, mlir::Location,
                                              mlir::ValueRange)>;

/// A scalar `arith.constant` of float type `type`.
inline mlir::Value floatConst(mlir::OpBuilder &b, mlir::Location loc,
                              mlir::Type type, double v) {
  return mlir::arith::ConstantOp::create(b, loc, type, b.getFloatAttr(type, v));
}

/// A float scalar widened to f64: optimizer hyper-parameter arithmetic
/// (bias corrections, schedules) runs in f64, like torch.optim's Python
/// floats.
inline mlir::Value toF64(mlir::OpBuilder &b, mlir::Location loc,
                         mlir::Value v) {
  if (v.getType().isF64())
    return v;
  return mlir::arith::ExtFOp::create(b, loc, b.getF64Type(), v);
}

/// An f64 scalar rounded to the float type `elem`.
inline mlir::Value fromF64(mlir::OpBuilder &b, mlir::Location loc,
                           mlir::Value v, mlir::Type elem) {
  if (elem.isF64())
    return v;
  return mlir::arith::TruncFOp::create(b, loc, elem, v);
}

/// `tensor.empty` filled with `value`.
inline mlir::Value filled(mlir::OpBuilder &b, mlir::Location loc,
                          mlir::RankedTensorType type, double value) {
  mlir::Value empty = mlir::tensor::EmptyOp::create(b, loc, type.getShape(),
                                                    type.getElementType());
  mlir::Value v = floatConst(b, loc, type.getElementType(), value);
  return mlir::linalg::FillOp::create(b, loc, mlir::ValueRange{v},
                                      mlir::ValueRange{empty})
      .getResult(0);
}

/// Map from the iteration space of a rank-`rank` elementwise op to an operand
/// of shape `shape` under NumPy broadcasting (trailing alignment, size-1
/// dimensions read at index 0).
mlir::AffineMap broadcastMap(mlir::MLIRContext *ctx, unsigned rank,
                             llvm::ArrayRef<int64_t> shape,
                             llvm::ArrayRef<int64_t> resultShape);

/// Map reading a per-row operand (mask, labels, row statistics: shape [N])
/// from a rank-`rank` iteration space.
mlir::AffineMap rowMap(mlir::MLIRContext *ctx, unsigned rank);

/// Map reading a rank-0 operand.
mlir::AffineMap scalarMap(mlir::MLIRContext *ctx, unsigned rank);

/// All-parallel generic over `resultType` with `init` as destination (a new
/// empty tensor when null). `body` receives the input scalars followed by the
/// current output element and returns the new output element.
mlir::Value elementwise(mlir::OpBuilder &b, mlir::Location loc,
                        mlir::RankedTensorType resultType,
                        mlir::ValueRange inputs,
                        llvm::ArrayRef<mlir::AffineMap> inputMaps, BodyFn body,
                        mlir::Value init = nullptr);

/// Generic over an iteration space of `space` dims where `reduced` marks the
/// reduction dims; the output (initialised to `initValue`) is indexed by the
/// remaining dims. `body` receives the inputs and the accumulator.
mlir::Value reduction(mlir::OpBuilder &b, mlir::Location loc,
                      mlir::RankedTensorType resultType, unsigned space,
                      llvm::ArrayRef<bool> reduced, mlir::ValueRange inputs,
                      llvm::ArrayRef<mlir::AffineMap> inputMaps,
                      double initValue, BodyFn body);

} // namespace adjoint

#endif // ADJOINT_CONVERSION_LINALGBUILDERS_H
