//===- MdlShapeAdjoints.cpp - Adjoints of the tensor manipulation ops -----===//
//
// Transpose, slice, unslice and concat are linear: each adjoint is the
// transposed map (inverse permutation; slice <-> unslice; slices of the
// gradient of a concatenation).
//
//===----------------------------------------------------------------------===//

#include "dialects/mdl/IR/MdlOps.h"

#include "mlir/IR/Builders.h"

using namespace mlir;
using namespace adjoint::mdl;

LogicalResult TransposeOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> res,
                                        ArrayRef<bool> needed,
                                        SmallVectorImpl<Value> &out) {
  if (!needed[0]) {
    out.push_back(Value());
    return success();
  }
  ArrayRef<int64_t> perm = getPerm();
  SmallVector<int64_t> inverse(perm.size());
  for (auto [i, p] : llvm::enumerate(perm))
    inverse[p] = static_cast<int64_t>(i);
  out.push_back(TransposeOp::create(b, getLoc(), getInput().getType(), res[0],
                                    b.getDenseI64ArrayAttr(inverse)));
  return success();
}

LogicalResult SliceOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> res,
                                    ArrayRef<bool> needed,
                                    SmallVectorImpl<Value> &out) {
  out.push_back(needed[0]
                    ? UnsliceOp::create(b, getLoc(), getInput().getType(),
                                        res[0], getStartAttr(), getStepAttr())
                          .getResult()
                    : Value());
  return success();
}

LogicalResult UnsliceOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> res,
                                      ArrayRef<bool> needed,
                                      SmallVectorImpl<Value> &out) {
  out.push_back(needed[0]
                    ? SliceOp::create(b, getLoc(), getInput().getType(), res[0],
                                      getStartAttr(), getStepAttr())
                          .getResult()
                    : Value());
  return success();
}

LogicalResult ConcatOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> res,
                                     ArrayRef<bool> needed,
                                     SmallVectorImpl<Value> &out) {
  auto rt = cast<RankedTensorType>(getResult().getType());
  int64_t axis = getAxis();
  int64_t offset = 0;
  for (auto [i, v] : llvm::enumerate(getInputs())) {
    auto t = cast<RankedTensorType>(v.getType());
    if (needed[i]) {
      SmallVector<int64_t> start(rt.getRank(), 0), step(rt.getRank(), 1);
      start[axis] = offset;
      out.push_back(SliceOp::create(b, getLoc(), t, res[0],
                                    b.getDenseI64ArrayAttr(start),
                                    b.getDenseI64ArrayAttr(step)));
    } else {
      out.push_back(Value());
    }
    offset += t.getDimSize(axis);
  }
  return success();
}
