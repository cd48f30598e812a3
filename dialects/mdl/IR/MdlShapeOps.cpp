//===- MdlShapeOps.cpp - Verifiers of the tensor manipulation ops ---------===//

#include "dialects/mdl/IR/MdlOps.h"

using namespace mlir;
using namespace adjoint::mdl;

namespace {

/// Checks `start`/`step` of a slice of `full` into `part` (the result of
/// mdl.slice, the operand of mdl.unslice).
LogicalResult verifySlice(Operation *op, RankedTensorType full,
                          RankedTensorType part, ArrayRef<int64_t> start,
                          ArrayRef<int64_t> step) {
  if (full.getElementType() != part.getElementType())
    return op->emitOpError("element types differ");
  if (full.getRank() != part.getRank())
    return op->emitOpError("the slice must have the rank of the full tensor (")
           << full.getRank() << "), got " << part.getRank();
  if (static_cast<int64_t>(start.size()) != full.getRank() ||
      static_cast<int64_t>(step.size()) != full.getRank())
    return op->emitOpError("needs one start and one step per dimension");
  for (int64_t i = 0; i < full.getRank(); ++i) {
    int64_t n = part.getDimSize(i);
    if (start[i] < 0 || step[i] < 1)
      return op->emitOpError("dimension ")
             << i << ": start must be >= 0 and step >= 1";
    if (start[i] + (n - 1) * step[i] >= full.getDimSize(i))
      return op->emitOpError("dimension ")
             << i << ": the slice of " << n << " elements from " << start[i]
             << " by " << step[i] << " exceeds the size " << full.getDimSize(i);
  }
  return success();
}

} // namespace

LogicalResult TransposeOp::verify() {
  auto in = cast<RankedTensorType>(getInput().getType());
  auto res = cast<RankedTensorType>(getResult().getType());
  ArrayRef<int64_t> perm = getPerm();
  if (static_cast<int64_t>(perm.size()) != in.getRank())
    return emitOpError("perm must have one entry per dimension (")
           << in.getRank() << "), got " << perm.size();
  SmallVector<bool> seen(in.getRank(), false);
  for (int64_t p : perm) {
    if (p < 0 || p >= in.getRank() || seen[p])
      return emitOpError("perm must be a permutation of [0, ")
             << in.getRank() << ")";
    seen[p] = true;
  }
  if (res.getRank() != in.getRank())
    return emitOpError("result rank differs from the operand rank");
  for (int64_t i = 0; i < in.getRank(); ++i)
    if (res.getDimSize(i) != in.getDimSize(perm[i]))
      return emitOpError("result dimension ")
             << i << " must be operand dimension " << perm[i] << " ("
             << in.getDimSize(perm[i]) << "), got " << res.getDimSize(i);
  if (in.getElementType() != res.getElementType())
    return emitOpError("element types differ");
  return success();
}

LogicalResult SliceOp::verify() {
  return verifySlice(*this, cast<RankedTensorType>(getInput().getType()),
                     cast<RankedTensorType>(getResult().getType()), getStart(),
                     getStep());
}

LogicalResult UnsliceOp::verify() {
  return verifySlice(*this, cast<RankedTensorType>(getResult().getType()),
                     cast<RankedTensorType>(getInput().getType()), getStart(),
                     getStep());
}

LogicalResult ConcatOp::verify() {
  if (getInputs().empty())
    return emitOpError("needs at least one operand");
  auto res = cast<RankedTensorType>(getResult().getType());
  int64_t axis = getAxis();
  if (axis < 0 || axis >= res.getRank())
    return emitOpError("axis ")
           << axis << " is out of range for rank " << res.getRank();
  int64_t total = 0;
  for (Value v : getInputs()) {
    auto t = cast<RankedTensorType>(v.getType());
    if (t.getRank() != res.getRank() ||
        t.getElementType() != res.getElementType())
      return emitOpError("operands must have the rank and element type of the "
                         "result");
    for (int64_t d = 0; d < res.getRank(); ++d)
      if (d != axis && t.getDimSize(d) != res.getDimSize(d))
        return emitOpError("operand dimension ")
               << d << " (" << t.getDimSize(d)
               << ") differs from the result's (" << res.getDimSize(d) << ")";
    total += t.getDimSize(axis);
  }
  if (total != res.getDimSize(axis))
    return emitOpError("the operands add up to ")
           << total << " along axis " << axis << ", the result has "
           << res.getDimSize(axis);
  return success();
}
