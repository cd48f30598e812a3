//===- MdlVisionAdjoints.cpp - Vector-Jacobian products of conv/pool ------===//
//
// conv2d: the input adjoint is the transposed convolution of the result
// adjoint (built only when the input is active: never for the first layer,
// whose input is data), the filter adjoint the correlation of the input with
// the result adjoint. Pooling routes the adjoint back through the windows.
//
//===----------------------------------------------------------------------===//

#include "dialects/mdl/IR/MdlVision.h"

#include "mlir/IR/Builders.h"

using namespace mlir;
using namespace adjoint::mdl;

LogicalResult Conv2dOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> res,
                                     ArrayRef<bool> needed,
                                     SmallVectorImpl<Value> &out) {
  Location loc = getLoc();
  out.push_back(needed[0] ? Conv2dGradInputOp::create(
                                b, loc, getInput().getType(), res[0],
                                getFilter(), getStrideAttr(), getPaddingAttr(),
                                getDilationAttr(), getGroupsAttr())
                                .getResult()
                          : Value());
  out.push_back(needed[1] ? Conv2dGradFilterOp::create(
                                b, loc, getFilter().getType(), getInput(),
                                res[0], getStrideAttr(), getPaddingAttr(),
                                getDilationAttr(), getGroupsAttr())
                                .getResult()
                          : Value());
  return success();
}

LogicalResult MaxPool2dOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> res,
                                        ArrayRef<bool> needed,
                                        SmallVectorImpl<Value> &out) {
  out.push_back(needed[0]
                    ? MaxPool2dGradOp::create(b, getLoc(), getInput().getType(),
                                              getInput(), res[0], getSizeAttr(),
                                              getStrideAttr(), getPaddingAttr())
                          .getResult()
                    : Value());
  return success();
}

LogicalResult AvgPool2dOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> res,
                                        ArrayRef<bool> needed,
                                        SmallVectorImpl<Value> &out) {
  out.push_back(needed[0]
                    ? AvgPool2dGradOp::create(b, getLoc(), getInput().getType(),
                                              res[0], getSizeAttr(),
                                              getStrideAttr(), getPaddingAttr())
                          .getResult()
                    : Value());
  return success();
}
