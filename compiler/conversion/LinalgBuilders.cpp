//===- LinalgBuilders.cpp - Helpers to build linalg on tensors ------------===//

#include "compiler/conversion/LinalgBuilders.h"

using namespace mlir;

AffineMap adjoint::broadcastMap(MLIRContext *ctx, unsigned rank,
                                ArrayRef<int64_t> shape,
                                ArrayRef<int64_t> resultShape) {
  SmallVector<AffineExpr> exprs;
  unsigned lead = rank - shape.size();
  for (auto [i, s] : llvm::enumerate(shape)) {
    unsigned d = lead + i;
    if (s == 1 && resultShape[d] != 1)
      exprs.push_back(getAffineConstantExpr(0, ctx));
    else
      exprs.push_back(getAffineDimExpr(d, ctx));
  }
  return AffineMap::get(rank, 0, exprs, ctx);
}

AffineMap adjoint::rowMap(MLIRContext *ctx, unsigned rank) {
  return AffineMap::get(rank, 0, {getAffineDimExpr(0, ctx)}, ctx);
}

AffineMap adjoint::scalarMap(MLIRContext *ctx, unsigned rank) {
  return AffineMap::get(rank, 0, {}, ctx);
}

Value adjoint::elementwise(OpBuilder &b, Location loc,
                           RankedTensorType resultType, ValueRange inputs,
                           ArrayRef<AffineMap> inputMaps, BodyFn body,
                           Value init) {
  unsigned rank = resultType.getRank();
  if (!init)
    init = tensor::EmptyOp::create(b, loc, resultType.getShape(),
                                   resultType.getElementType());
  SmallVector<AffineMap> maps(inputMaps);
  maps.push_back(b.getMultiDimIdentityMap(rank));
  SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, TypeRange{resultType}, inputs, ValueRange{init}, maps,
             iters,
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               Value r = body(nb, nl, args);
               linalg::YieldOp::create(nb, nl, r);
             })
      .getResult(0);
}

Value adjoint::reduction(OpBuilder &b, Location loc,
                         RankedTensorType resultType, unsigned space,
                         ArrayRef<bool> reduced, ValueRange inputs,
                         ArrayRef<AffineMap> inputMaps, double initValue,
                         BodyFn body) {
  MLIRContext *ctx = b.getContext();
  SmallVector<AffineExpr> outExprs;
  SmallVector<utils::IteratorType> iters;
  for (unsigned d = 0; d < space; ++d) {
    iters.push_back(reduced[d] ? utils::IteratorType::reduction
                               : utils::IteratorType::parallel);
    if (!reduced[d])
      outExprs.push_back(getAffineDimExpr(d, ctx));
  }
  SmallVector<AffineMap> maps(inputMaps);
  maps.push_back(AffineMap::get(space, 0, outExprs, ctx));
  Value init = filled(b, loc, resultType, initValue);
  return linalg::GenericOp::create(
             b, loc, TypeRange{resultType}, inputs, ValueRange{init}, maps,
             iters,
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               Value r = body(nb, nl, args);
               linalg::YieldOp::create(nb, nl, r);
             })
      .getResult(0);
}
