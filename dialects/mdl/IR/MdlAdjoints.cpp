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

#include <limits>

using namespace mlir;
using namespace adjoint::mdl;

namespace {

RankedTensorType tensorType(Value v) {
  return cast<RankedTensorType>(v.getType());
}

/// A rank-0 constant of the element type of `like`.
Value scalarConstant(OpBuilder &b, Location loc, Value like, double value) {
  return splatConstant(
      b, loc, RankedTensorType::get({}, tensorType(like).getElementType()),
      value);
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
  int64_t ra = a.getRank(), rc = c.getRank();
  auto batch =
      broadcastShapes(a.getShape().drop_back(2), c.getShape().drop_back(2));
  assert(batch && "operands of an adjoint matmul must broadcast");
  SmallVector<int64_t> shape = *batch;
  shape.push_back(a.getDimSize(ra - (tl ? 1 : 2)));
  shape.push_back(c.getDimSize(rc - (tr ? 2 : 1)));
  auto type = RankedTensorType::get(shape, a.getElementType());
  auto op = MatmulOp::create(b, loc, type, lhs, rhs);
  if (tl)
    op.setTransposeLhs(true);
  if (tr)
    op.setTransposeRhs(true);
  return op;
}

/// `v` with all dimensions but the last collapsed into one (rows).
Value collapseRows(OpBuilder &b, Location loc, Value v) {
  RankedTensorType t = tensorType(v);
  int64_t cols = t.getDimSize(t.getRank() - 1);
  auto type = RankedTensorType::get({t.getNumElements() / cols, cols},
                                    t.getElementType());
  return ReshapeOp::create(b, loc, type, v);
}

void pushNeeded(SmallVectorImpl<Value> &out, ArrayRef<bool> needed,
                unsigned idx, llvm::function_ref<Value()> build) {
  out.push_back(needed[idx] ? build() : Value());
}

/// `where(cond, onTrue, onFalse)` with the broadcast result type.
Value select(OpBuilder &b, Location loc, Value cond, Value onTrue,
             Value onFalse) {
  auto tf = broadcastShapes(tensorType(onTrue).getShape(),
                            tensorType(onFalse).getShape());
  assert(tf && "operands of an adjoint rule must broadcast");
  auto shape = broadcastShapes(tensorType(cond).getShape(), *tf);
  assert(shape && "operands of an adjoint rule must broadcast");
  auto type =
      RankedTensorType::get(*shape, tensorType(onTrue).getElementType());
  return WhereOp::create(b, loc, type, cond, onTrue, onFalse);
}

/// `grad` where `cond` holds, else 0 (a guarded adjoint: the unselected
/// value may be inf or NaN without reaching the result).
Value gradWhere(OpBuilder &b, Location loc, Value cond, Value grad) {
  return select(b, loc, cond, grad, scalarConstant(b, loc, grad, 0.0));
}

/// The axes of `in` that a reduction over `axes` keeps.
SmallVector<int64_t> keptDims(RankedTensorType in, ArrayRef<int64_t> axes) {
  SmallVector<int64_t> dims;
  for (int64_t i = 0; i < in.getRank(); ++i)
    if (!llvm::is_contained(axes, i))
      dims.push_back(i);
  return dims;
}

/// Broadcasts a reduction result (the reduced `axes` dropped) back to `in`.
Value expandReduced(OpBuilder &b, Location loc, Value v, RankedTensorType in,
                    ArrayRef<int64_t> axes) {
  return BroadcastInDimOp::create(b, loc, in, v,
                                  b.getDenseI64ArrayAttr(keptDims(in, axes)));
}

/// Sum of `v` over `axes`.
Value reduceSum(OpBuilder &b, Location loc, Value v, ArrayRef<int64_t> axes) {
  RankedTensorType in = tensorType(v);
  SmallVector<int64_t> shape;
  for (int64_t d : keptDims(in, axes))
    shape.push_back(in.getDimSize(d));
  auto type = RankedTensorType::get(shape, in.getElementType());
  return SumOp::create(b, loc, type, v, b.getDenseI64ArrayAttr(axes));
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
  RankedTensorType lt = tensorType(lhs), rt = tensorType(rhs);
  // C = op(A) op(B). Each case keeps the adjoint in its operand's layout, so
  // no explicit transpose is ever materialized. Batch dimensions an operand
  // was broadcast along are summed out of its adjoint.
  pushNeeded(out, needed, 0, [&] {
    Value full = !tl ? matmul(b, loc, g, rhs, false, !tr) // dA = dC op(B)^T
                     : matmul(b, loc, rhs, g, tr, true);  // dA = op(B) dC^T
    return unbroadcast(b, loc, full, lt);
  });
  pushNeeded(out, needed, 1, [&] {
    // A weight shared by every batch element ([B, T, D] @ [D, E]): one 2-D
    // product over the collapsed rows sums the batch in the contraction.
    if (rt.getRank() == 2 && lt.getRank() > 2 && !tl) {
      Value a2 = collapseRows(b, loc, lhs), g2 = collapseRows(b, loc, g);
      return !tr ? matmul(b, loc, a2, g2, true, false)  // dB = A^T dC
                 : matmul(b, loc, g2, a2, true, false); // dB = dC^T A
    }
    Value full = !tr ? matmul(b, loc, lhs, g, !tl, false) // dB = op(A)^T dC
                     : matmul(b, loc, g, lhs, true, tl);  // dB = dC^T op(A)
    return unbroadcast(b, loc, full, rt);
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
  // Integer labels have no adjoint; float targets (probabilities) do.
  bool soft = isa<FloatType>(tensorType(getLabels()).getElementType());
  out.push_back(soft && needed[1]
                    ? SoftmaxCrossEntropyGradOp::create(
                          b, getLoc(), getLabels().getType(), res[0],
                          getLogits(), getLabels(), getMask(),
                          /*wrt_targets=*/true)
                          .getResult()
                    : Value());
  if (getMask())
    out.push_back(Value());
  return success();
}

//===----------------------------------------------------------------------===//
// Elementwise unary
//===----------------------------------------------------------------------===//

LogicalResult ExpOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> res,
                                  ArrayRef<bool> needed,
                                  SmallVectorImpl<Value> &out) {
  // exp' = exp, from the saved forward result.
  pushNeeded(out, needed, 0,
             [&] { return binary<MulOp>(b, getLoc(), res[0], getResult()); });
  return success();
}

LogicalResult LogOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> res,
                                  ArrayRef<bool> needed,
                                  SmallVectorImpl<Value> &out) {
  Location loc = getLoc();
  // grad / x where x > 0 (the forward is finite), else 0.
  pushNeeded(out, needed, 0, [&] {
    Value x = getInput();
    Value pos = binary<GreaterOp>(b, loc, x, scalarConstant(b, loc, x, 0.0));
    return gradWhere(b, loc, pos, binary<DivOp>(b, loc, res[0], x));
  });
  return success();
}

LogicalResult Log1pOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> res,
                                    ArrayRef<bool> needed,
                                    SmallVectorImpl<Value> &out) {
  Location loc = getLoc();
  // grad / (1 + x) where 1 + x > 0, else 0.
  pushNeeded(out, needed, 0, [&] {
    Value x = getInput();
    Value onePlus = binary<AddOp>(b, loc, x, scalarConstant(b, loc, x, 1.0));
    Value pos =
        binary<GreaterOp>(b, loc, onePlus, scalarConstant(b, loc, x, 0.0));
    return gradWhere(b, loc, pos, binary<DivOp>(b, loc, res[0], onePlus));
  });
  return success();
}

LogicalResult SqrtOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> res,
                                   ArrayRef<bool> needed,
                                   SmallVectorImpl<Value> &out) {
  Location loc = getLoc();
  // 0.5 grad / sqrt(x) where sqrt(x) > 0; 0 at 0 (the derivative is
  // infinite there) and where the forward is NaN.
  pushNeeded(out, needed, 0, [&] {
    Value y = getResult();
    Value pos = binary<GreaterOp>(b, loc, y, scalarConstant(b, loc, y, 0.0));
    Value q = binary<DivOp>(b, loc, res[0], y);
    Value half = binary<MulOp>(b, loc, q, scalarConstant(b, loc, y, 0.5));
    return gradWhere(b, loc, pos, half);
  });
  return success();
}

LogicalResult RsqrtOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> res,
                                    ArrayRef<bool> needed,
                                    SmallVectorImpl<Value> &out) {
  Location loc = getLoc();
  // d(x^-1/2) = -0.5 x^-3/2 = -0.5 y^3, where x > 0.
  pushNeeded(out, needed, 0, [&] {
    Value x = getInput(), y = getResult();
    Value pos = binary<GreaterOp>(b, loc, x, scalarConstant(b, loc, x, 0.0));
    Value y2 = binary<MulOp>(b, loc, y, y);
    Value y3 = binary<MulOp>(b, loc, y2, y);
    Value g = binary<MulOp>(b, loc, res[0], y3);
    g = binary<MulOp>(b, loc, g, scalarConstant(b, loc, y, -0.5));
    return gradWhere(b, loc, pos, g);
  });
  return success();
}

LogicalResult AbsOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> res,
                                  ArrayRef<bool> needed,
                                  SmallVectorImpl<Value> &out) {
  Location loc = getLoc();
  // grad * sign(x), sign(0) = 0.
  pushNeeded(out, needed, 0, [&] {
    Value x = getInput();
    Value zero = scalarConstant(b, loc, x, 0.0);
    Value pos = binary<GreaterOp>(b, loc, x, zero);
    Value neg = binary<LessOp>(b, loc, x, zero);
    Value sign = binary<SubOp>(b, loc, pos, neg);
    return binary<MulOp>(b, loc, res[0], sign);
  });
  return success();
}

LogicalResult ReciprocalOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> res,
                                         ArrayRef<bool> needed,
                                         SmallVectorImpl<Value> &out) {
  Location loc = getLoc();
  // -grad y^2 where x != 0.
  pushNeeded(out, needed, 0, [&] {
    Value x = getInput(), y = getResult();
    Value nz = binary<NotEqualOp>(b, loc, x, scalarConstant(b, loc, x, 0.0));
    Value g = binary<MulOp>(b, loc, res[0], binary<MulOp>(b, loc, y, y));
    return gradWhere(b, loc, nz, NegOp::create(b, loc, g));
  });
  return success();
}

LogicalResult SinOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> res,
                                  ArrayRef<bool> needed,
                                  SmallVectorImpl<Value> &out) {
  pushNeeded(out, needed, 0, [&] {
    Value c = CosOp::create(b, getLoc(), getInput());
    return binary<MulOp>(b, getLoc(), res[0], c);
  });
  return success();
}

LogicalResult CosOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> res,
                                  ArrayRef<bool> needed,
                                  SmallVectorImpl<Value> &out) {
  pushNeeded(out, needed, 0, [&] {
    Value s = SinOp::create(b, getLoc(), getInput());
    Value g = binary<MulOp>(b, getLoc(), res[0], s);
    return NegOp::create(b, getLoc(), g).getResult();
  });
  return success();
}

LogicalResult SoftplusOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> res,
                                       ArrayRef<bool> needed,
                                       SmallVectorImpl<Value> &out) {
  // softplus' = sigmoid.
  pushNeeded(out, needed, 0, [&] {
    Value s = SigmoidOp::create(b, getLoc(), getInput());
    return binary<MulOp>(b, getLoc(), res[0], s);
  });
  return success();
}

LogicalResult SiluOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> res,
                                   ArrayRef<bool> needed,
                                   SmallVectorImpl<Value> &out) {
  Location loc = getLoc();
  // (x s)' = s (1 + x (1 - s)), s = sigmoid(x).
  pushNeeded(out, needed, 0, [&] {
    Value x = getInput();
    Value one = scalarConstant(b, loc, x, 1.0);
    Value s = SigmoidOp::create(b, loc, x);
    Value oneMinus = binary<SubOp>(b, loc, one, s);
    Value t = binary<AddOp>(b, loc, one, binary<MulOp>(b, loc, x, oneMinus));
    Value d = binary<MulOp>(b, loc, s, t);
    return binary<MulOp>(b, loc, res[0], d);
  });
  return success();
}

LogicalResult LeakyReluOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> res,
                                        ArrayRef<bool> needed,
                                        SmallVectorImpl<Value> &out) {
  Location loc = getLoc();
  // grad where x > 0, else slope * grad (also at 0, like torch).
  pushNeeded(out, needed, 0, [&] {
    Value x = getInput();
    Value pos = binary<GreaterOp>(b, loc, x, scalarConstant(b, loc, x, 0.0));
    Value slope =
        scalarConstant(b, loc, x, getNegativeSlope().convertToDouble());
    Value scaled = binary<MulOp>(b, loc, res[0], slope);
    return select(b, loc, pos, res[0], scaled);
  });
  return success();
}

LogicalResult EluOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> res,
                                  ArrayRef<bool> needed,
                                  SmallVectorImpl<Value> &out) {
  Location loc = getLoc();
  // grad where x > 0, else grad * alpha exp(x) = grad * (y + alpha).
  pushNeeded(out, needed, 0, [&] {
    Value x = getInput();
    Value pos = binary<GreaterOp>(b, loc, x, scalarConstant(b, loc, x, 0.0));
    Value alpha = scalarConstant(b, loc, x, getAlpha().convertToDouble());
    Value d = binary<AddOp>(b, loc, getResult(), alpha);
    return select(b, loc, pos, res[0], binary<MulOp>(b, loc, res[0], d));
  });
  return success();
}

LogicalResult GeluOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> res,
                                   ArrayRef<bool> needed,
                                   SmallVectorImpl<Value> &out) {
  pushNeeded(out, needed, 0, [&] {
    auto g = GeluGradOp::create(b, getLoc(), getInput(), res[0]);
    if (getTanh())
      g.setTanh(true);
    return g.getResult();
  });
  return success();
}

LogicalResult ClampOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> res,
                                    ArrayRef<bool> needed,
                                    SmallVectorImpl<Value> &out) {
  Location loc = getLoc();
  // grad where min <= x <= max, else 0.
  pushNeeded(out, needed, 0, [&] {
    Value x = getInput();
    Value inside;
    if (auto lo = getMinAttr())
      inside = binary<GreaterEqualOp>(
          b, loc, x, scalarConstant(b, loc, x, lo.getValueAsDouble()));
    if (auto hi = getMaxAttr()) {
      Value le = binary<LessEqualOp>(
          b, loc, x, scalarConstant(b, loc, x, hi.getValueAsDouble()));
      inside = inside ? binary<MulOp>(b, loc, inside, le) : le;
    }
    return gradWhere(b, loc, inside, res[0]);
  });
  return success();
}

//===----------------------------------------------------------------------===//
// Elementwise binary
//===----------------------------------------------------------------------===//

LogicalResult PowOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> res,
                                  ArrayRef<bool> needed,
                                  SmallVectorImpl<Value> &out) {
  Location loc = getLoc();
  Value x = getLhs(), y = getRhs(), g = res[0];
  // d/dx = y x^(y-1), taken as 0 where x^(y-1) is not finite (x = 0 with
  // y < 1: the derivative is infinite, or 0 * inf for y = 0).
  pushNeeded(out, needed, 0, [&] {
    Value ym1 = binary<SubOp>(b, loc, y, scalarConstant(b, loc, y, 1.0));
    Value p = binary<PowOp>(b, loc, x, ym1);
    Value inf =
        scalarConstant(b, loc, x, std::numeric_limits<double>::infinity());
    Value finite =
        binary<LessOp>(b, loc, AbsOp::create(b, loc, p).getResult(), inf);
    Value d = binary<MulOp>(b, loc, binary<MulOp>(b, loc, g, y), p);
    return unbroadcast(b, loc, gradWhere(b, loc, finite, d),
                       tensorType(getLhs()));
  });
  // d/dy = x^y log(x), for x > 0 (else 0).
  pushNeeded(out, needed, 1, [&] {
    Value pos = binary<GreaterOp>(b, loc, x, scalarConstant(b, loc, x, 0.0));
    Value logx = LogOp::create(b, loc, x);
    Value d =
        binary<MulOp>(b, loc, binary<MulOp>(b, loc, g, getResult()), logx);
    return unbroadcast(b, loc, gradWhere(b, loc, pos, d), tensorType(getRhs()));
  });
  return success();
}

/// Adjoints of a selection between lhs and rhs: `pickLhs` is the 0/1 mask
/// of the elements that come from lhs.
static void selectAdjoints(OpBuilder &b, Location loc, Value pickLhs, Value g,
                           Value lhs, Value rhs, ArrayRef<bool> needed,
                           unsigned first, SmallVectorImpl<Value> &out) {
  pushNeeded(out, needed, first, [&] {
    return unbroadcast(b, loc, gradWhere(b, loc, pickLhs, g), tensorType(lhs));
  });
  pushNeeded(out, needed, first + 1, [&] {
    Value zero = scalarConstant(b, loc, g, 0.0);
    return unbroadcast(b, loc, select(b, loc, pickLhs, zero, g),
                       tensorType(rhs));
  });
}

LogicalResult MaximumOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> res,
                                      ArrayRef<bool> needed,
                                      SmallVectorImpl<Value> &out) {
  Value pick;
  if (needed[0] || needed[1])
    pick = binary<GreaterEqualOp>(b, getLoc(), getLhs(), getRhs());
  selectAdjoints(b, getLoc(), pick, res[0], getLhs(), getRhs(), needed, 0, out);
  return success();
}

LogicalResult MinimumOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> res,
                                      ArrayRef<bool> needed,
                                      SmallVectorImpl<Value> &out) {
  Value pick;
  if (needed[0] || needed[1])
    pick = binary<LessEqualOp>(b, getLoc(), getLhs(), getRhs());
  selectAdjoints(b, getLoc(), pick, res[0], getLhs(), getRhs(), needed, 0, out);
  return success();
}

LogicalResult WhereOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> res,
                                    ArrayRef<bool> needed,
                                    SmallVectorImpl<Value> &out) {
  out.push_back(Value()); // a mask has no adjoint
  selectAdjoints(b, getLoc(), getCond(), res[0], getOnTrue(), getOnFalse(),
                 needed, 1, out);
  return success();
}

// Comparison masks are piecewise constant: no adjoint.
#define MDL_NO_ADJOINT(OP)                                                     \
  LogicalResult OP::buildAdjoint(OpBuilder &, ArrayRef<Value>, ArrayRef<bool>, \
                                 SmallVectorImpl<Value> &out) {                \
    out.append(getOperation()->getNumOperands(), Value());                     \
    return success();                                                          \
  }
MDL_NO_ADJOINT(GreaterOp)
MDL_NO_ADJOINT(GreaterEqualOp)
MDL_NO_ADJOINT(LessOp)
MDL_NO_ADJOINT(LessEqualOp)
MDL_NO_ADJOINT(EqualOp)
MDL_NO_ADJOINT(NotEqualOp)
#undef MDL_NO_ADJOINT

//===----------------------------------------------------------------------===//
// Reductions and softmax
//===----------------------------------------------------------------------===//

/// Adjoint of max/min over `axes`: to the elements equal to the result,
/// split evenly between ties.
static Value extremumAdjoint(OpBuilder &b, Location loc, Value x, Value y,
                             Value g, ArrayRef<int64_t> axes) {
  RankedTensorType in = tensorType(x);
  Value hit = binary<EqualOp>(b, loc, x, expandReduced(b, loc, y, in, axes));
  Value count = reduceSum(b, loc, hit, axes);
  Value share = binary<DivOp>(b, loc, g, count);
  return binary<MulOp>(b, loc, hit, expandReduced(b, loc, share, in, axes));
}

LogicalResult MaxOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> res,
                                  ArrayRef<bool> needed,
                                  SmallVectorImpl<Value> &out) {
  pushNeeded(out, needed, 0, [&] {
    return extremumAdjoint(b, getLoc(), getInput(), getResult(), res[0],
                           getAxes());
  });
  return success();
}

LogicalResult MinOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> res,
                                  ArrayRef<bool> needed,
                                  SmallVectorImpl<Value> &out) {
  pushNeeded(out, needed, 0, [&] {
    return extremumAdjoint(b, getLoc(), getInput(), getResult(), res[0],
                           getAxes());
  });
  return success();
}

LogicalResult LogSumExpOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> res,
                                        ArrayRef<bool> needed,
                                        SmallVectorImpl<Value> &out) {
  Location loc = getLoc();
  // grad * exp(x - lse) (the softmax over the reduced axes).
  pushNeeded(out, needed, 0, [&] {
    RankedTensorType in = tensorType(getInput());
    Value y = expandReduced(b, loc, getResult(), in, getAxes());
    Value p = ExpOp::create(b, loc, binary<SubOp>(b, loc, getInput(), y));
    Value g = expandReduced(b, loc, res[0], in, getAxes());
    return binary<MulOp>(b, loc, g, p);
  });
  return success();
}

LogicalResult VarianceOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> res,
                                       ArrayRef<bool> needed,
                                       SmallVectorImpl<Value> &out) {
  Location loc = getLoc();
  // grad * 2 (x - mean) / n', n' = n or max(n - 1, 1).
  pushNeeded(out, needed, 0, [&] {
    Value x = getInput();
    RankedTensorType in = tensorType(x);
    int64_t n = 1;
    for (int64_t a : getAxes())
      n *= in.getDimSize(a);
    int64_t denom = getUnbiased() ? std::max<int64_t>(n - 1, 1) : n;
    auto meanType = tensorType(getResult());
    Value mean =
        MeanOp::create(b, loc, meanType, x, b.getDenseI64ArrayAttr(getAxes()));
    Value d =
        binary<SubOp>(b, loc, x, expandReduced(b, loc, mean, in, getAxes()));
    Value scale = scalarConstant(b, loc, x, 2.0 / double(denom));
    Value g = binary<MulOp>(b, loc, res[0], scale);
    return binary<MulOp>(b, loc, d, expandReduced(b, loc, g, in, getAxes()));
  });
  return success();
}

LogicalResult SoftmaxOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> res,
                                      ArrayRef<bool> needed,
                                      SmallVectorImpl<Value> &out) {
  Location loc = getLoc();
  // y * (grad - sum(grad * y)) along the axis.
  pushNeeded(out, needed, 0, [&] {
    Value y = getResult();
    SmallVector<int64_t> axes{int64_t(getAxis())};
    Value gy = binary<MulOp>(b, loc, res[0], y);
    Value s =
        expandReduced(b, loc, reduceSum(b, loc, gy, axes), tensorType(y), axes);
    return binary<MulOp>(b, loc, y, binary<SubOp>(b, loc, res[0], s));
  });
  return success();
}

LogicalResult LogSoftmaxOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> res,
                                         ArrayRef<bool> needed,
                                         SmallVectorImpl<Value> &out) {
  Location loc = getLoc();
  // grad - exp(y) * sum(grad) along the axis.
  pushNeeded(out, needed, 0, [&] {
    Value y = getResult();
    SmallVector<int64_t> axes{int64_t(getAxis())};
    Value s = expandReduced(b, loc, reduceSum(b, loc, res[0], axes),
                            tensorType(y), axes);
    Value p = ExpOp::create(b, loc, y);
    return binary<SubOp>(b, loc, res[0], binary<MulOp>(b, loc, p, s));
  });
  return success();
}

//===----------------------------------------------------------------------===//
// Losses
//===----------------------------------------------------------------------===//

LogicalResult L1Op::buildAdjoint(OpBuilder &b, ArrayRef<Value> res,
                                 ArrayRef<bool> needed,
                                 SmallVectorImpl<Value> &out) {
  Location loc = getLoc();
  Value dpred;
  if (needed[0] || needed[1])
    dpred = L1GradOp::create(b, loc, getPred().getType(), res[0], getPred(),
                             getTarget(), getMask());
  out.push_back(needed[0] ? dpred : Value());
  out.push_back(needed[1] ? NegOp::create(b, loc, dpred).getResult() : Value());
  if (getMask())
    out.push_back(Value());
  return success();
}

LogicalResult HuberOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> res,
                                    ArrayRef<bool> needed,
                                    SmallVectorImpl<Value> &out) {
  Location loc = getLoc();
  Value dpred;
  if (needed[0] || needed[1])
    dpred = HuberGradOp::create(b, loc, getPred().getType(), res[0], getPred(),
                                getTarget(), getMask(), getDeltaAttr());
  out.push_back(needed[0] ? dpred : Value());
  out.push_back(needed[1] ? NegOp::create(b, loc, dpred).getResult() : Value());
  if (getMask())
    out.push_back(Value());
  return success();
}

LogicalResult BceWithLogitsOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> res,
                                            ArrayRef<bool> needed,
                                            SmallVectorImpl<Value> &out) {
  Location loc = getLoc();
  for (unsigned i = 0; i < 2; ++i)
    pushNeeded(out, needed, i, [&] {
      return BceWithLogitsGradOp::create(b, loc, getPred().getType(), res[0],
                                         getPred(), getTarget(), getMask(),
                                         /*wrt_target=*/i == 1)
          .getResult();
    });
  if (getMask())
    out.push_back(Value());
  return success();
}

LogicalResult NllOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> res,
                                  ArrayRef<bool> needed,
                                  SmallVectorImpl<Value> &out) {
  pushNeeded(out, needed, 0, [&] {
    return NllGradOp::create(b, getLoc(), getLogProbs().getType(), res[0],
                             getLogProbs(), getLabels(), getMask())
        .getResult();
  });
  out.push_back(Value()); // labels are integers
  if (getMask())
    out.push_back(Value());
  return success();
}
