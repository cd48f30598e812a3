//===- MdlNormOps.cpp - Verifiers of the normalization ops ----------------===//
//
// layer_norm, batch_norm, update_buffer, dropout, embedding and
// embedding_grad (MdlNormOps.td).
//
//===----------------------------------------------------------------------===//

#include "dialects/mdl/IR/MdlOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

using namespace mlir;
using namespace adjoint::mdl;

namespace {

RankedTensorType rtt(Value v) { return cast<RankedTensorType>(v.getType()); }

/// `gamma`/`beta` of a normalization: a scalar or exactly `shape`.
LogicalResult verifyAffine(Operation *op, StringRef what, Value v,
                           ArrayRef<int64_t> shape, Type elem) {
  RankedTensorType t = rtt(v);
  if (t.getElementType() != elem)
    return op->emitOpError(what) << " must have element type " << elem;
  if (t.getRank() != 0 && t.getShape() != shape) {
    std::string s;
    llvm::raw_string_ostream os(s);
    llvm::interleave(shape, os, "x");
    return op->emitOpError(what)
           << " must be a scalar or of shape [" << s << "], got " << t;
  }
  return success();
}

} // namespace

LogicalResult LayerNormOp::verify() {
  RankedTensorType in = rtt(getInput());
  ArrayRef<int64_t> axes = getAxes();
  if (axes.empty())
    return emitOpError("needs at least one axis");
  int64_t prev = -1;
  SmallVector<int64_t> normShape, statShape;
  for (int64_t a : axes) {
    if (a <= prev || a >= in.getRank())
      return emitOpError("axes must be sorted, unique and in [0, ")
             << in.getRank() << ")";
    prev = a;
    normShape.push_back(in.getDimSize(a));
  }
  for (int64_t i = 0; i < in.getRank(); ++i)
    if (!llvm::is_contained(axes, i))
      statShape.push_back(in.getDimSize(i));
  if (!(getEps().convertToDouble() > 0))
    return emitOpError("eps must be positive");
  Type elem = in.getElementType();
  if (failed(verifyAffine(*this, "gamma", getGamma(), normShape, elem)) ||
      failed(verifyAffine(*this, "beta", getBeta(), normShape, elem)))
    return failure();
  if (rtt(getResult()) != in)
    return emitOpError("result type must be the input type ") << in;
  auto stat = RankedTensorType::get(statShape, elem);
  if (rtt(getMean()) != stat || rtt(getRstd()) != stat)
    return emitOpError("mean and rstd must have type ") << stat;
  return success();
}

LogicalResult BatchNormOp::verify() {
  RankedTensorType in = rtt(getInput());
  if (in.getRank() < 2)
    return emitOpError("input must have rank >= 2 (rows ..., channels), got ")
           << in;
  Type elem = in.getElementType();
  int64_t c = in.getDimSize(in.getRank() - 1);
  if (!(getEps().convertToDouble() > 0))
    return emitOpError("eps must be positive");
  if (failed(verifyAffine(*this, "gamma", getGamma(), {c}, elem)) ||
      failed(verifyAffine(*this, "beta", getBeta(), {c}, elem)))
    return failure();
  if (Value m = getMask()) {
    RankedTensorType mt = rtt(m);
    if (mt.getRank() != 1 || mt.getDimSize(0) != in.getDimSize(0) ||
        mt.getElementType() != elem)
      return emitOpError("mask type ")
             << mt << " does not match the rows of " << in;
  }
  if (rtt(getResult()) != in)
    return emitOpError("result type must be the input type ") << in;
  auto stat = RankedTensorType::get({c}, elem);
  if (rtt(getMean()) != stat || rtt(getVar()) != stat)
    return emitOpError("mean and var must have type ") << stat;
  return success();
}

LogicalResult UpdateBufferOp::verify() {
  if (getBuffer().getType() != getValue().getType())
    return emitOpError("value type ")
           << getValue().getType() << " differs from the buffer type "
           << getBuffer().getType();
  auto arg = dyn_cast<BlockArgument>(getBuffer());
  auto fn = arg ? dyn_cast<func::FuncOp>(arg.getOwner()->getParentOp())
                : func::FuncOp();
  if (!fn || !fn.getArgAttr(arg.getArgNumber(), kBufferAttr))
    return emitOpError("operand 0 must be a function argument marked ")
           << kBufferAttr;
  return success();
}

LogicalResult DropoutOp::verify() {
  double p = getP().convertToDouble();
  if (!(p >= 0 && p < 1))
    return emitOpError("p must be in [0, 1), got ") << p;
  if (getSeed() < 0 || getSeed() > 0xffffffffLL)
    return emitOpError("seed must be in [0, 2^32)");
  if (getStream() < 0 || getStream() > 0xffffffffLL)
    return emitOpError("stream must be in [0, 2^32)");
  if (getResult().getType() != getInput().getType())
    return emitOpError("result type must be the input type");
  return success();
}

LogicalResult EmbeddingOp::verify() {
  RankedTensorType ids = rtt(getIds()), table = rtt(getTable()),
                   res = rtt(getResult());
  if (table.getRank() != 2)
    return emitOpError("table must have rank 2 [V, D], got ") << table;
  SmallVector<int64_t> shape(ids.getShape());
  shape.push_back(table.getDimSize(1));
  if (res.getShape() != ArrayRef<int64_t>(shape) ||
      res.getElementType() != table.getElementType())
    return emitOpError("result type ")
           << res << " must be the ids shape followed by the row size "
           << table.getDimSize(1);
  return success();
}

LogicalResult EmbeddingGradOp::verify() {
  RankedTensorType g = rtt(getGrad()), ids = rtt(getIds()),
                   res = rtt(getResult());
  if (res.getRank() != 2 || res.getElementType() != g.getElementType())
    return emitOpError("result must be a [V, D] table of the gradient's "
                       "element type, got ")
           << res;
  SmallVector<int64_t> shape(ids.getShape());
  shape.push_back(res.getDimSize(1));
  if (g.getShape() != ArrayRef<int64_t>(shape))
    return emitOpError("gradient type ")
           << g << " must be the ids shape followed by the row size "
           << res.getDimSize(1);
  return success();
}
