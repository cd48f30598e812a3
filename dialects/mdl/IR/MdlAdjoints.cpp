//===- MdlAdjoints.cpp - Vector-Jacobian products of mdl ops --------------===//
//
// The reverse-mode rule of every differentiable mdl op, built from mdl ops.
// `needed` tells which operand adjoints the caller uses; the others are not
// built (for example dX = dY·Wᵀ of the first layer, whose input is data).
//
//===----------------------------------------------------------------------===//

#include "dialects/mdl/IR/MdlOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"

using namespace mlir;
using namespace adjoint::mdl;

namespace {

RankedTensorType tensorType(Value v) {
  return cast<RankedTensorType>(v.getType());
}

/// A rank-0 constant of the element type of `like`.
Value scalarConstant(OpBuilder &b, Location loc, Value like, double value) {
  Type elem = tensorType(like).getElementType();
  auto type = RankedTensorType::get({}, elem);
  auto attr = DenseElementsAttr::get(type, b.getFloatAttr(elem, value));
  return arith::ConstantOp::create(b, loc, type, attr);
}

/// Sums `grad` down to `target`'s shape: the inverse of NumPy broadcasting.
Value unbroadcast(OpBuilder &b, Location loc, Value grad,
                  RankedTensorType target) {
  RankedTensorType gt = tensorType(grad);
  if (gt == target)
    return grad;
  int64_t lead = gt.getRank() - target.getRank();
  SmallVector<int64_t> axes, kept;
  for (int64_t i = 0; i < gt.getRank(); ++i) {
    if (i < lead || target.getDimSize(i - lead) != gt.getDimSize(i))
      axes.push_back(i);
    else
      kept.push_back(gt.getDimSize(i));
  }
  Value summed = grad;
  if (!axes.empty()) {
    auto type = RankedTensorType::get(kept, gt.getElementType());
    summed = SumOp::create(b, loc, type, grad, b.getDenseI64ArrayAttr(axes));
  }
  if (tensorType(summed) != target)
    summed = ReshapeOp::create(b, loc, target, summed);
  return summed;
}

/// Broadcasting binary op whose result type is the broadcast of its operands.
template <typename OpTy>
Value binary(OpBuilder &b, Location loc, Value lhs, Value rhs) {
  auto shape =
      broadcastShapes(tensorType(lhs).getShape(), tensorType(rhs).getShape());
  assert(shape && "operands of an adjoint rule must broadcast");
  auto type = RankedTensorType::get(*shape, tensorType(lhs).getElementType());
  return OpTy::create(b, loc, type, lhs, rhs);
}

Value matmul(OpBuilder &b, Location loc, Value lhs, Value rhs, bool tl,
             bool tr) {
  RankedTensorType a = tensorType(lhs), c = tensorType(rhs);
  int64_t m = tl ? a.getDimSize(1) : a.getDimSize(0);
  int64_t n = tr ? c.getDimSize(0) : c.getDimSize(1);
  auto type = RankedTensorType::get({m, n}, a.getElementType());
  auto op = MatmulOp::create(b, loc, type, lhs, rhs);
  if (tl)
    op.setTransposeLhs(true);
  if (tr)
    op.setTransposeRhs(true);
  return op;
}

void pushNeeded(SmallVectorImpl<Value> &out, ArrayRef<bool> needed,
                unsigned idx, llvm::function_ref<Value()> build) {
  out.push_back(needed[idx] ? build() : Value());
}

} // namespace

LogicalResult AddOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> res,
                                  ArrayRef<bool> needed,
                                  SmallVectorImpl<Value> &out) {
  Location loc = getLoc();
  pushNeeded(out, needed, 0,
             [&] { return unbroadcast(b, loc, res[0], tensorType(getLhs())); });
  pushNeeded(out, needed, 1,
             [&] { return unbroadcast(b, loc, res[0], tensorType(getRhs())); });
  return success();
}

LogicalResult SubOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> res,
                                  ArrayRef<bool> needed,
                                  SmallVectorImpl<Value> &out) {
  Location loc = getLoc();
  pushNeeded(out, needed, 0,
             [&] { return unbroadcast(b, loc, res[0], tensorType(getLhs())); });
  pushNeeded(out, needed, 1, [&] {
    Value neg = NegOp::create(b, loc, res[0]);
    return unbroadcast(b, loc, neg, tensorType(getRhs()));
  });
  return success();
}

LogicalResult MulOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> res,
                                  ArrayRef<bool> needed,
                                  SmallVectorImpl<Value> &out) {
  Location loc = getLoc();
  pushNeeded(out, needed, 0, [&] {
    Value g = binary<MulOp>(b, loc, res[0], getRhs());
    return unbroadcast(b, loc, g, tensorType(getLhs()));
  });
  pushNeeded(out, needed, 1, [&] {
    Value g = binary<MulOp>(b, loc, res[0], getLhs());
    return unbroadcast(b, loc, g, tensorType(getRhs()));
  });
  return success();
}

LogicalResult DivOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> res,
                                  ArrayRef<bool> needed,
                                  SmallVectorImpl<Value> &out) {
  Location loc = getLoc();
  // d(l/r)/dl = 1/r ; d(l/r)/dr = -(l/r)/r.
  pushNeeded(out, needed, 0, [&] {
    Value g = binary<DivOp>(b, loc, res[0], getRhs());
    return unbroadcast(b, loc, g, tensorType(getLhs()));
  });
  pushNeeded(out, needed, 1, [&] {
    Value gq = binary<MulOp>(b, loc, res[0], getResult());
    Value g = binary<DivOp>(b, loc, gq, getRhs());
    Value neg = NegOp::create(b, loc, g);
    return unbroadcast(b, loc, neg, tensorType(getRhs()));
  });
  return success();
}

LogicalResult NegOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> res,
                                  ArrayRef<bool> needed,
                                  SmallVectorImpl<Value> &out) {
  pushNeeded(out, needed, 0,
             [&] { return NegOp::create(b, getLoc(), res[0]).getResult(); });
  return success();
}

LogicalResult ReluOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> res,
                                   ArrayRef<bool> needed,
                                   SmallVectorImpl<Value> &out) {
  pushNeeded(out, needed, 0, [&] {
    return ReluGradOp::create(b, getLoc(), getInput(), res[0]).getResult();
  });
  return success();
}

LogicalResult SigmoidOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> res,
                                      ArrayRef<bool> needed,
                                      SmallVectorImpl<Value> &out) {
  Location loc = getLoc();
  // s' = s (1 - s), from the saved forward result.
  pushNeeded(out, needed, 0, [&] {
    Value s = getResult();
    Value one = scalarConstant(b, loc, s, 1.0);
    Value oneMinus = binary<SubOp>(b, loc, one, s);
    Value ds = binary<MulOp>(b, loc, s, oneMinus);
    return binary<MulOp>(b, loc, res[0], ds);
  });
  return success();
}

LogicalResult TanhOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> res,
                                   ArrayRef<bool> needed,
                                   SmallVectorImpl<Value> &out) {
  Location loc = getLoc();
  // tanh' = 1 - t^2, from the saved forward result.
  pushNeeded(out, needed, 0, [&] {
    Value t = getResult();
    Value one = scalarConstant(b, loc, t, 1.0);
    Value sq = binary<MulOp>(b, loc, t, t);
    Value dt = binary<SubOp>(b, loc, one, sq);
    return binary<MulOp>(b, loc, res[0], dt);
  });
  return success();
}

LogicalResult MatmulOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> res,
                                     ArrayRef<bool> needed,
                                     SmallVectorImpl<Value> &out) {
  Location loc = getLoc();
  Value g = res[0], lhs = getLhs(), rhs = getRhs();
  bool tl = getTransposeLhs(), tr = getTransposeRhs();
  // C = op(A) op(B). Each case keeps the adjoint in its operand's layout, so
  // no explicit transpose is ever materialized.
  pushNeeded(out, needed, 0, [&] {
    if (!tl)
      return matmul(b, loc, g, rhs, false, !tr); // dA = dC op(B)^T
    return matmul(b, loc, rhs, g, tr, true);     // dA = op(B) dC^T
  });
  pushNeeded(out, needed, 1, [&] {
    if (!tr)
      return matmul(b, loc, lhs, g, !tl, false); // dB = op(A)^T dC
    return matmul(b, loc, g, lhs, true, tl);     // dB = dC^T op(A)
  });
  return success();
}

LogicalResult SumOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> res,
                                  ArrayRef<bool> needed,
                                  SmallVectorImpl<Value> &out) {
  pushNeeded(out, needed, 0, [&] {
    RankedTensorType in = tensorType(getInput());
    SmallVector<int64_t> dims;
    for (int64_t i = 0; i < in.getRank(); ++i)
      if (!llvm::is_contained(getAxes(), i))
        dims.push_back(i);
    return BroadcastInDimOp::create(b, getLoc(), in, res[0],
                                    b.getDenseI64ArrayAttr(dims))
        .getResult();
  });
  return success();
}

LogicalResult MeanOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> res,
                                   ArrayRef<bool> needed,
                                   SmallVectorImpl<Value> &out) {
  pushNeeded(out, needed, 0, [&] {
    RankedTensorType in = tensorType(getInput());
    SmallVector<int64_t> dims;
    int64_t count = 1;
    for (int64_t i = 0; i < in.getRank(); ++i) {
      if (llvm::is_contained(getAxes(), i))
        count *= in.getDimSize(i);
      else
        dims.push_back(i);
    }
    Value scale = scalarConstant(b, getLoc(), res[0], 1.0 / double(count));
    Value scaled = binary<MulOp>(b, getLoc(), res[0], scale);
    return BroadcastInDimOp::create(b, getLoc(), in, scaled,
                                    b.getDenseI64ArrayAttr(dims))
        .getResult();
  });
  return success();
}

LogicalResult BroadcastInDimOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> res,
                                             ArrayRef<bool> needed,
                                             SmallVectorImpl<Value> &out) {
  pushNeeded(out, needed, 0, [&] {
    RankedTensorType in = tensorType(getInput());
    RankedTensorType rt = tensorType(getResult());
    SmallVector<int64_t> axes, kept;
    ArrayRef<int64_t> dims = getDims();
    for (int64_t d = 0; d < rt.getRank(); ++d) {
      auto *it = llvm::find(dims, d);
      bool expanded = it == dims.end() ||
                      in.getDimSize(it - dims.begin()) != rt.getDimSize(d);
      if (expanded)
        axes.push_back(d);
      else
        kept.push_back(rt.getDimSize(d));
    }
    Value g = res[0];
    if (!axes.empty())
      g = SumOp::create(b, getLoc(),
                        RankedTensorType::get(kept, rt.getElementType()), g,
                        b.getDenseI64ArrayAttr(axes));
    if (tensorType(g) != in)
      g = ReshapeOp::create(b, getLoc(), in, g);
    return g;
  });
  return success();
}

LogicalResult ReshapeOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> res,
                                      ArrayRef<bool> needed,
                                      SmallVectorImpl<Value> &out) {
  pushNeeded(out, needed, 0, [&] {
    return ReshapeOp::create(b, getLoc(), getInput().getType(), res[0])
        .getResult();
  });
  return success();
}

LogicalResult MseOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> res,
                                  ArrayRef<bool> needed,
                                  SmallVectorImpl<Value> &out) {
  Location loc = getLoc();
  Value dpred;
  if (needed[0] || needed[1])
    dpred = MseGradOp::create(b, loc, getPred().getType(), res[0], getPred(),
                              getTarget(), getMask());
  out.push_back(needed[0] ? dpred : Value());
  out.push_back(needed[1] ? NegOp::create(b, loc, dpred).getResult() : Value());
  if (getMask())
    out.push_back(Value());
  return success();
}

LogicalResult SoftmaxCrossEntropyOp::buildAdjoint(OpBuilder &b,
                                                  ArrayRef<Value> res,
                                                  ArrayRef<bool> needed,
                                                  SmallVectorImpl<Value> &out) {
  pushNeeded(out, needed, 0, [&] {
    return SoftmaxCrossEntropyGradOp::create(b, getLoc(), getLogits().getType(),
                                             res[0], getLogits(), getLabels(),
                                             getMask())
        .getResult();
  });
  out.push_back(Value()); // labels are integers
  if (getMask())
    out.push_back(Value());
  return success();
}
