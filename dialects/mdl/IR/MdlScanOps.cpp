//===- MdlScanOps.cpp - Verifier of mdl.scan ------------------------------===//

#include "dialects/mdl/IR/MdlOps.h"

using namespace mlir;
using namespace adjoint::mdl;

namespace {

/// `type` without dimension `axis` (a step slice).
RankedTensorType dropAxis(RankedTensorType type, int64_t axis) {
  SmallVector<int64_t> shape(type.getShape());
  shape.erase(shape.begin() + axis);
  return RankedTensorType::get(shape, type.getElementType());
}

} // namespace

LogicalResult ScanOp::verify() {
  int64_t axis = getAxis(), length = getLength();
  if (axis < 0)
    return emitOpError("axis must be non-negative, got ") << axis;
  if (length < 1)
    return emitOpError("length must be positive, got ") << length;
  Block &body = getBodyBlock();
  unsigned numXs = getXs().size(), numCarries = getNumCarries();
  if (body.getNumArguments() != numXs + numCarries)
    return emitOpError("body must have ")
           << numXs + numCarries << " arguments (one per sequence operand and "
           << "per carry), got " << body.getNumArguments();
  for (auto [i, x] : llvm::enumerate(getXs())) {
    auto type = cast<RankedTensorType>(x.getType());
    if (type.getRank() <= axis)
      return emitOpError("sequence operand #")
             << i << " of rank " << type.getRank() << " has no axis " << axis;
    if (type.getDimSize(axis) != length)
      return emitOpError("sequence operand #")
             << i << " has " << type.getDimSize(axis) << " steps along axis "
             << axis << ", expected " << length;
    if (body.getArgument(i).getType() != dropAxis(type, axis))
      return emitOpError("body argument #")
             << i << " must be the step slice " << dropAxis(type, axis)
             << ", got " << body.getArgument(i).getType();
  }
  for (auto [i, init] : llvm::enumerate(getInits()))
    if (body.getArgument(numXs + i).getType() != init.getType())
      return emitOpError("body argument #")
             << numXs + i << " must have the type of carry #" << i << " "
             << init.getType() << ", got "
             << body.getArgument(numXs + i).getType();
  auto yield = dyn_cast<YieldOp>(body.getTerminator());
  if (!yield)
    return emitOpError("body must end with mdl.yield");
  if (yield.getValues().size() < numCarries)
    return emitOpError("yield must return the ")
           << numCarries << " carries first, got " << yield.getValues().size()
           << " values";
  if (getNumResults() != yield.getValues().size())
    return emitOpError("has ")
           << getNumResults() << " results but the body yields "
           << yield.getValues().size() << " values";
  for (auto [i, v] : llvm::enumerate(yield.getValues())) {
    Type expected = v.getType();
    if (i < numCarries) {
      if (v.getType() != getInits()[i].getType())
        return emitOpError("yielded carry #")
               << i << " has type " << v.getType() << ", expected "
               << getInits()[i].getType();
    } else {
      auto type = cast<RankedTensorType>(v.getType());
      if (type.getRank() < axis)
        return emitOpError("per-step output #")
               << i - numCarries << " of rank " << type.getRank()
               << " cannot be stacked along axis " << axis;
      SmallVector<int64_t> shape(type.getShape());
      shape.insert(shape.begin() + axis, length);
      expected = RankedTensorType::get(shape, type.getElementType());
    }
    if (getResult(i).getType() != expected)
      return emitOpError("result #") << i << " must have type " << expected
                                     << ", got " << getResult(i).getType();
  }
  return success();
}
