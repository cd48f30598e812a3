//===- MdlNormAdjoints.cpp - Adjoints of the normalization ops ------------===//
//
// Fused reverse rules of layer_norm and batch_norm (they reuse the saved
// statistics instead of differentiating a chain of reductions), dropout
// (the same mask, recomputed from its counter) and embedding (a
// scatter-add). Built from mdl ops, like MdlAdjoints.cpp.
//
//===----------------------------------------------------------------------===//

#include "dialects/mdl/IR/MdlOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace adjoint::mdl;

namespace {

RankedTensorType rtt(Value v) { return cast<RankedTensorType>(v.getType()); }

Value scalar(OpBuilder &b, Location loc, Value like, double v) {
  return splatConstant(
      b, loc, RankedTensorType::get({}, rtt(like).getElementType()), v);
}

/// Broadcasting binary op with the broadcast result type.
template <typename OpTy>
Value bin(OpBuilder &b, Location loc, Value l, Value r) {
  auto shape = broadcastShapes(rtt(l).getShape(), rtt(r).getShape());
  assert(shape && "operands of an adjoint rule must broadcast");
  return OpTy::create(
      b, loc, RankedTensorType::get(*shape, rtt(l).getElementType()), l, r);
}

Value sumOver(OpBuilder &b, Location loc, Value v, ArrayRef<int64_t> axes) {
  RankedTensorType t = rtt(v);
  if (axes.empty())
    return v;
  SmallVector<int64_t> kept;
  for (int64_t i = 0; i < t.getRank(); ++i)
    if (!llvm::is_contained(axes, i))
      kept.push_back(t.getDimSize(i));
  return SumOp::create(b, loc, RankedTensorType::get(kept, t.getElementType()),
                       v, b.getDenseI64ArrayAttr(axes));
}

/// `v` (of `like`'s shape without `axes`... i.e. along `dims`) broadcast to
/// `like`'s type.
Value expand(OpBuilder &b, Location loc, Value v, RankedTensorType like,
             ArrayRef<int64_t> dims) {
  if (rtt(v) == like)
    return v;
  return BroadcastInDimOp::create(b, loc, like, v,
                                  b.getDenseI64ArrayAttr(dims));
}

SmallVector<int64_t> complement(int64_t rank, ArrayRef<int64_t> axes) {
  SmallVector<int64_t> out;
  for (int64_t i = 0; i < rank; ++i)
    if (!llvm::is_contained(axes, i))
      out.push_back(i);
  return out;
}

/// True for the splat zero constants autodiff passes for unused results.
bool isZero(Value v) {
  DenseElementsAttr attr;
  if (!matchPattern(v, m_Constant(&attr)) || !attr.isSplat())
    return false;
  auto f = dyn_cast<FloatAttr>(attr.getSplatValue<Attribute>());
  return f && f.getValue().isZero();
}

} // namespace

LogicalResult LayerNormOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> res,
                                        ArrayRef<bool> needed,
                                        SmallVectorImpl<Value> &out) {
  Location loc = getLoc();
  Value x = getInput(), dy = res[0];
  RankedTensorType in = rtt(x);
  ArrayRef<int64_t> axes = getAxes();
  SmallVector<int64_t> kept = complement(in.getRank(), axes);
  int64_t n = 1;
  for (int64_t a : axes)
    n *= in.getDimSize(a);
  Value meanB = expand(b, loc, getMean(), in, kept);
  Value rstdB = expand(b, loc, getRstd(), in, kept);
  Value centered = bin<SubOp>(b, loc, x, meanB);
  Value xhat = bin<MulOp>(b, loc, centered, rstdB);
  // The affine parameters along the normalized axes.
  auto along = [&](Value p) {
    return rtt(p).getRank() == 0 ? p : expand(b, loc, p, in, axes);
  };
  // The adjoint of gamma / beta: summed over the kept axes (over all of
  // them for a scalar).
  auto reduceTo = [&](Value v, Value like) {
    return rtt(like).getRank() == 0
               ? sumOver(b, loc, v, complement(in.getRank(), {}))
               : sumOver(b, loc, v, kept);
  };
  // dx = rstd (g - mean(g) - xhat mean(g xhat)), g = dy gamma.
  if (needed[0]) {
    Value g = bin<MulOp>(b, loc, dy, along(getGamma()));
    Value inv = scalar(b, loc, x, 1.0 / double(n));
    Value mg = bin<MulOp>(b, loc, sumOver(b, loc, g, axes), inv);
    Value mgx = bin<MulOp>(
        b, loc, sumOver(b, loc, bin<MulOp>(b, loc, g, xhat), axes), inv);
    Value inner = bin<SubOp>(b, loc, g, expand(b, loc, mg, in, kept));
    inner = bin<SubOp>(b, loc, inner,
                       bin<MulOp>(b, loc, xhat, expand(b, loc, mgx, in, kept)));
    Value dx = bin<MulOp>(b, loc, rstdB, inner);
    // The statistics as results: d mean / dx = 1 / n,
    // d rstd / dx = -rstd^2 xhat / n.
    if (!isZero(res[1]))
      dx =
          bin<AddOp>(b, loc, dx,
                     expand(b, loc, bin<MulOp>(b, loc, res[1], inv), in, kept));
    if (!isZero(res[2])) {
      Value r = getRstd();
      Value c = bin<MulOp>(b, loc, bin<MulOp>(b, loc, res[2], r), r);
      c = bin<MulOp>(b, loc, c, scalar(b, loc, x, -1.0 / double(n)));
      dx = bin<AddOp>(b, loc, dx,
                      bin<MulOp>(b, loc, xhat, expand(b, loc, c, in, kept)));
    }
    out.push_back(dx);
  } else {
    out.push_back(Value());
  }
  out.push_back(needed[1] ? reduceTo(bin<MulOp>(b, loc, dy, xhat), getGamma())
                          : Value());
  out.push_back(needed[2] ? reduceTo(dy, getBeta()) : Value());
  return success();
}

LogicalResult BatchNormOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> res,
                                        ArrayRef<bool> needed,
                                        SmallVectorImpl<Value> &out) {
  Location loc = getLoc();
  Value x = getInput(), dy = res[0];
  RankedTensorType in = rtt(x);
  int64_t rank = in.getRank();
  SmallVector<int64_t> rows; // every axis but the channels
  for (int64_t i = 0; i + 1 < rank; ++i)
    rows.push_back(i);
  // n: the element count per channel (valid rows only with a mask).
  int64_t others = 1;
  for (int64_t i = 1; i + 1 < rank; ++i)
    others *= in.getDimSize(i);
  Value mask = getMask(), m, n;
  if (mask) {
    m = BroadcastInDimOp::create(b, loc, in, mask, b.getDenseI64ArrayAttr({0}));
    n = sumOver(b, loc, mask, {0});
    if (others != 1)
      n = bin<MulOp>(b, loc, n, scalar(b, loc, x, double(others)));
  } else {
    n = scalar(b, loc, x, double(others * in.getDimSize(0)));
  }
  auto masked = [&](Value v) { return m ? bin<MulOp>(b, loc, v, m) : v; };
  Value eps = scalar(b, loc, x, getEps().convertToDouble());
  Value rstd =
      RsqrtOp::create(b, loc, bin<AddOp>(b, loc, getVar(), eps)).getResult();
  Value centered = bin<SubOp>(b, loc, x, getMean());
  Value xhat = bin<MulOp>(b, loc, centered, rstd);
  Value s1 = sumOver(b, loc, dy, rows);
  Value s2 = sumOver(b, loc, bin<MulOp>(b, loc, dy, xhat), rows);
  if (needed[0]) {
    Value t1 = bin<DivOp>(b, loc, s1, n);
    Value t2 = bin<MulOp>(b, loc, xhat, bin<DivOp>(b, loc, s2, n));
    Value inner = bin<SubOp>(b, loc, dy, masked(bin<AddOp>(b, loc, t2, t1)));
    Value dx = bin<MulOp>(b, loc, inner, bin<MulOp>(b, loc, getGamma(), rstd));
    if (!isZero(res[1]))
      dx = bin<AddOp>(b, loc, dx,
                      masked(bin<DivOp>(
                          b, loc, expand(b, loc, res[1], in, {rank - 1}), n)));
    if (!isZero(res[2])) {
      Value c = bin<DivOp>(
          b, loc, bin<MulOp>(b, loc, res[2], scalar(b, loc, x, 2.0)), n);
      dx = bin<AddOp>(b, loc, dx, masked(bin<MulOp>(b, loc, centered, c)));
    }
    out.push_back(dx);
  } else {
    out.push_back(Value());
  }
  auto reduceTo = [&](Value v, Value like) {
    return rtt(like).getRank() == 0 ? sumOver(b, loc, v, {0}) : v;
  };
  out.push_back(needed[1] ? reduceTo(s2, getGamma()) : Value());
  out.push_back(needed[2] ? reduceTo(s1, getBeta()) : Value());
  if (mask)
    out.push_back(Value()); // the mask gets no adjoint
  return success();
}

LogicalResult DropoutOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> res,
                                      ArrayRef<bool> needed,
                                      SmallVectorImpl<Value> &out) {
  // Linear in x: the adjoint is the same dropout (same mask) of the result
  // adjoint, recomputed from (seed, stream, step) rather than stored.
  out.push_back(needed[0] ? DropoutOp::create(b, getLoc(), getType(), res[0],
                                              getStep(), getPAttr(),
                                              getSeedAttr(), getStreamAttr())
                                .getResult()
                          : Value());
  out.push_back(Value());
  return success();
}

LogicalResult EmbeddingOp::buildAdjoint(OpBuilder &b, ArrayRef<Value> res,
                                        ArrayRef<bool> needed,
                                        SmallVectorImpl<Value> &out) {
  out.push_back(Value()); // integer ids
  out.push_back(needed[1]
                    ? EmbeddingGradOp::create(b, getLoc(), getTable().getType(),
                                              res[0], getIds())
                          .getResult()
                    : Value());
  return success();
}
