//===- MdlVisionToLinalg.cpp - Lower conv2d and pooling to linalg ---------===//
//
// Direct convolutions, no im2col:
//
//  * conv2d: the input zero-padded (only when padding > 0), then
//    linalg.conv_2d_nhwc_hwcf (groups = 1) or a generic over the group
//    dimension of expanded views (groups > 1), accumulating into a zero fill;
//  * conv2d_grad_input: the result adjoint placed into a zero buffer at its
//    stride (the transposed convolution's dilation and border), convolved
//    with the flipped filter whose channel axes are swapped (a small
//    generic, run once per step); at unit stride and dilation without
//    groups, the padded copy is avoided: a centre block convolution plus
//    border rows and (transposed) border columns with sliced filters,
//    computed in place into slices of the result (splitGradInput);
//  * conv2d_grad_filter: one contraction generic, the padded input indexed
//    (b, oh sh + kh dh, ow sw + kw dw, c), mul/add with fastmath<contract>;
//  * pooling: a window reduction generic; the adjoints gather, per input
//    element, the result adjoint of the windows reading it. Max pooling
//    recomputes the index of the first maximum of every window (strict >,
//    as torch) and routes the adjoint there. When the windows tile the
//    input (stride = size, no padding: the usual max_pool2d(x, 2)), the
//    forward is one elementwise generic over the KH x KW strided slices of
//    the input, and when they also cover it, the adjoint is one generic
//    over the 6-D view [B, OH, KH, OW, KW, C] of the input adjoint: no
//    window loops, no gathers, contiguous channels innermost.
//
//===----------------------------------------------------------------------===//

#include "compiler/conversion/MdlToLinalg/MdlVisionToLinalg.h"
#include "compiler/codegen/ConvSchedules.h"
#include "compiler/conversion/LinalgBuilders.h"
#include "dialects/mdl/IR/MdlVision.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "llvm/ADT/TypeSwitch.h"

#include <limits>

using namespace mlir;
using namespace adjoint;

namespace {

using Iter = utils::IteratorType;

RankedTensorType tt(Value v) { return cast<RankedTensorType>(v.getType()); }

RankedTensorType withShape(RankedTensorType t, ArrayRef<int64_t> shape) {
  return RankedTensorType::get(shape, t.getElementType());
}

SmallVector<OpFoldResult> ofrs(OpBuilder &b, ArrayRef<int64_t> v) {
  return getAsIndexOpFoldResult(b.getContext(), v);
}

Value generic(OpBuilder &b, Location loc, ValueRange inputs, Value init,
              ArrayRef<AffineMap> maps, ArrayRef<Iter> iters, BodyFn body) {
  return linalg::GenericOp::create(
             b, loc, TypeRange{init.getType()}, inputs, ValueRange{init}, maps,
             iters,
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               linalg::YieldOp::create(nb, nl, body(nb, nl, args));
             })
      .getResult(0);
}

/// acc + a * b, contractible into an FMA.
Value fma(OpBuilder &b, Location loc, Value x, Value y, Value acc) {
  auto contract = arith::FastMathFlags::contract;
  Value p = arith::MulFOp::create(b, loc, x, y, contract);
  return arith::AddFOp::create(b, loc, acc, p, contract);
}

/// An index constant.
Value idx(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

/// For one spatial axis of a gather: the source index (r - off) / stride
/// and whether it names an element of a source axis of `size` (the
/// division exact). The index is clamped to 0 when it does not.
std::pair<Value, Value> sourceIndex(OpBuilder &b, Location loc, Value r,
                                    int64_t off, int64_t stride, int64_t size) {
  Value d = arith::SubIOp::create(b, loc, r, idx(b, loc, off));
  Value zero = idx(b, loc, 0);
  Value q = arith::DivSIOp::create(b, loc, d, idx(b, loc, stride));
  Value ok = arith::AndIOp::create(
      b, loc, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, d, zero),
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, q,
                            idx(b, loc, size)));
  if (stride != 1) {
    Value rem = arith::RemSIOp::create(b, loc, d, idx(b, loc, stride));
    ok = arith::AndIOp::create(
        b, loc, ok,
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, rem, zero));
  }
  return {arith::SelectOp::create(b, loc, ok, q, zero), ok};
}

/// `res` [B, R, Q, C] with res[b, r, q, c] = src[b, (r - offH) / sH,
/// (q - offW) / sW, c] where that names an element of `src` (the divisions
/// exact), else `fill`: a zero- (or -inf-) padded copy, or the result
/// adjoint spread at the stride of a transposed convolution. One generic
/// writing a fresh tensor: no slices for bufferization to copy.
Value placeStrided(OpBuilder &b, Location loc, Value src, RankedTensorType res,
                   int64_t offH, int64_t offW, int64_t sH, int64_t sW,
                   double fill) {
  RankedTensorType st = tt(src);
  return elementwise(
      b, loc, res, ValueRange{}, {},
      [&](OpBuilder &nb, Location l, ValueRange) -> Value {
        Value i0 = linalg::IndexOp::create(nb, l, 0);
        Value r = linalg::IndexOp::create(nb, l, 1);
        Value q = linalg::IndexOp::create(nb, l, 2);
        Value c = linalg::IndexOp::create(nb, l, 3);
        auto [ih, okH] = sourceIndex(nb, l, r, offH, sH, st.getDimSize(1));
        auto [iw, okW] = sourceIndex(nb, l, q, offW, sW, st.getDimSize(2));
        Value ok = arith::AndIOp::create(nb, l, okH, okW);
        Value v =
            tensor::ExtractOp::create(nb, l, src, ValueRange{i0, ih, iw, c});
        return arith::SelectOp::create(
            nb, l, ok, v, floatConst(nb, l, res.getElementType(), fill));
      });
}

/// `x` [B, H, W, C] inside a [B, H + 2 ph, W + 2 pw, C] tensor filled with
/// `value`; `x` itself without padding.
Value padSpatial(OpBuilder &b, Location loc, Value x, int64_t ph, int64_t pw,
                 double value) {
  if (!ph && !pw)
    return x;
  RankedTensorType t = tt(x);
  auto pt = withShape(t, {t.getDimSize(0), t.getDimSize(1) + 2 * ph,
                          t.getDimSize(2) + 2 * pw, t.getDimSize(3)});
  return placeStrided(b, loc, x, pt, ph, pw, 1, 1, value);
}

/// Splits the last dimension of `v` into [groups, rest].
Value splitLast(OpBuilder &b, Location loc, Value v, int64_t groups) {
  RankedTensorType t = tt(v);
  SmallVector<int64_t> shape(t.getShape().drop_back());
  shape.push_back(groups);
  shape.push_back(t.getShape().back() / groups);
  SmallVector<ReassociationIndices> re;
  for (int64_t i = 0; i + 1 < t.getRank(); ++i)
    re.push_back({i});
  re.push_back({t.getRank() - 1, t.getRank()});
  return tensor::ExpandShapeOp::create(b, loc, withShape(t, shape), v, re);
}

/// Merges the last two dimensions of `v`.
Value mergeLast(OpBuilder &b, Location loc, Value v) {
  RankedTensorType t = tt(v);
  SmallVector<int64_t> shape(t.getShape().drop_back(2));
  shape.push_back(t.getShape().back() * t.getShape()[t.getRank() - 2]);
  SmallVector<ReassociationIndices> re;
  for (int64_t i = 0; i + 2 < t.getRank(); ++i)
    re.push_back({i});
  re.push_back({t.getRank() - 2, t.getRank() - 1});
  return tensor::CollapseShapeOp::create(b, loc, withShape(t, shape), v, re);
}

/// Valid convolution of the (already padded) `in` [B, Hin, Win, G Ci] with
/// `filter` [KH, KW, Ci, G Co] into `res` [B, OH, OW, G Co].
Value convolve(OpBuilder &b, Location loc, Value in, Value filter,
               RankedTensorType res, int64_t sh, int64_t sw, int64_t dh,
               int64_t dw, int64_t groups, Value init = nullptr) {
  if (!init)
    init = filled(b, loc, res, 0.0);
  if (groups == 1) {
    auto pair = [&](int64_t x, int64_t y) {
      return DenseIntElementsAttr::get(
          RankedTensorType::get({2}, b.getI64Type()), ArrayRef<int64_t>{x, y});
    };
    return linalg::Conv2DNhwcHwcfOp::create(
               b, loc, TypeRange{res}, ValueRange{in, filter}, ValueRange{init},
               pair(sh, sw), pair(dh, dw))
        .getResult(0);
  }
  MLIRContext *ctx = b.getContext();
  // (b, oh, ow, g, co, kh, kw, ci)
  AffineExpr d[8];
  for (unsigned i = 0; i < 8; ++i)
    d[i] = getAffineDimExpr(i, ctx);
  auto map = [&](ArrayRef<AffineExpr> e) {
    return AffineMap::get(8, 0, e, ctx);
  };
  Value in5 = splitLast(b, loc, in, groups);
  Value f5 = splitLast(b, loc, filter, groups);
  Value out5 = splitLast(b, loc, init, groups);
  SmallVector<AffineMap> maps{
      map({d[0], d[1] * sh + d[5] * dh, d[2] * sw + d[6] * dw, d[3], d[7]}),
      map({d[5], d[6], d[7], d[3], d[4]}), map({d[0], d[1], d[2], d[3], d[4]})};
  SmallVector<Iter> iters(5, Iter::parallel);
  iters.append(3, Iter::reduction);
  Value r = generic(b, loc, ValueRange{in5, f5}, out5, maps, iters,
                    [](OpBuilder &nb, Location l, ValueRange a) {
                      return fma(nb, l, a[0], a[1], a[2]);
                    });
  return mergeLast(b, loc, r);
}

Value lowerConv(OpBuilder &b, mdl::Conv2dOp op) {
  Location loc = op.getLoc();
  ArrayRef<int64_t> s = op.getStride(), p = op.getPadding(),
                    d = op.getDilation();
  Value xp = padSpatial(b, loc, op.getInput(), p[0], p[1], 0.0);
  return convolve(b, loc, xp, op.getFilter(), op.getType(), s[0], s[1], d[0],
                  d[1], op.getGroups());
}

/// The filter of the transposed convolution: flipped in both spatial axes
/// with the channel axes swapped within each group,
/// wT[kh, kw, fg, g Cg + cg] = w[KH - 1 - kh, KW - 1 - kw, cg, g Fg + fg].
Value flippedFilter(OpBuilder &b, Location loc, Value w, int64_t groups) {
  RankedTensorType t = tt(w);
  int64_t kh = t.getDimSize(0), kw = t.getDimSize(1), cg = t.getDimSize(2),
          fg = t.getDimSize(3) / groups;
  MLIRContext *ctx = b.getContext();
  // (kh, kw, fg, g, cg)
  AffineExpr d[5];
  for (unsigned i = 0; i < 5; ++i)
    d[i] = getAffineDimExpr(i, ctx);
  Value w5 = splitLast(b, loc, w, groups); // [KH, KW, Cg, G, Fg]
  Value init = tensor::EmptyOp::create(b, loc, {kh, kw, fg, groups, cg},
                                       t.getElementType());
  SmallVector<AffineMap> maps{
      AffineMap::get(5, 0, {kh - 1 - d[0], kw - 1 - d[1], d[4], d[3], d[2]},
                     ctx),
      b.getMultiDimIdentityMap(5)};
  Value r = generic(b, loc, ValueRange{w5}, init, maps,
                    SmallVector<Iter>(5, Iter::parallel),
                    [](OpBuilder &, Location, ValueRange a) { return a[0]; });
  return mergeLast(b, loc, r);
}

/// A [B, H, W, C] slice of `v` at (0, h, w, 0).
Value slice4(OpBuilder &b, Location loc, Value v, int64_t h, int64_t w,
             int64_t nh, int64_t nw) {
  RankedTensorType t = tt(v);
  auto st = withShape(t, {t.getDimSize(0), nh, nw, t.getDimSize(3)});
  return tensor::ExtractSliceOp::create(b, loc, st, v, ofrs(b, {0, h, w, 0}),
                                        ofrs(b, st.getShape()),
                                        ofrs(b, {1, 1, 1, 1}));
}

/// `v` with its dims 0 and 1 (filters) or 1 and 2 (images) swapped.
Value transposed(OpBuilder &b, Location loc, Value v, bool filter) {
  RankedTensorType t = tt(v);
  SmallVector<int64_t> perm = filter ? SmallVector<int64_t>{1, 0, 2, 3}
                                     : SmallVector<int64_t>{0, 2, 1, 3};
  SmallVector<int64_t> shape;
  for (int64_t p : perm)
    shape.push_back(t.getDimSize(p));
  Value init = tensor::EmptyOp::create(b, loc, shape, t.getElementType());
  return linalg::TransposeOp::create(b, loc, v, init, perm).getResult()[0];
}

/// `dst` with rows [r, r + nr) x columns [c, c + nc) set to the valid
/// convolution of `in` with `filter`, computed in place into that slice; if
/// `swap`, `in` and `filter` have H and W swapped and the result (W x H) is
/// transposed into the slice.
Value convolveInto(OpBuilder &b, Location loc, Value dst, Value in,
                   Value filter, int64_t r, int64_t c, int64_t nr, int64_t nc,
                   bool swap) {
  Value part = slice4(b, loc, dst, r, c, nr, nc);
  RankedTensorType pt = tt(part);
  Value res;
  if (!swap) {
    Value zero = floatConst(b, loc, pt.getElementType(), 0.0);
    Value init =
        linalg::FillOp::create(b, loc, ValueRange{zero}, ValueRange{part})
            .getResult(0);
    res = convolve(b, loc, in, filter, pt, 1, 1, 1, 1, 1, init);
  } else {
    auto ct = withShape(pt, {pt.getDimSize(0), nc, nr, pt.getDimSize(3)});
    Value cr = convolve(b, loc, in, filter, ct, 1, 1, 1, 1, 1);
    res = linalg::TransposeOp::create(b, loc, cr, part,
                                      ArrayRef<int64_t>{0, 2, 1, 3})
              .getResult()[0];
  }
  return tensor::InsertSliceOp::create(b, loc, res, dst, ofrs(b, {0, r, c, 0}),
                                       ofrs(b, pt.getShape()),
                                       ofrs(b, {1, 1, 1, 1}));
}

/// The input adjoint at unit stride and dilation without the padded copy
/// of the result adjoint (the reference recipe in
/// /work/shared/reference/conv2d): dx[i, j] = sum over the taps (kh, kw) of
/// the flipped filter with dy[i + kh - offH, j + kw - offW] inside dy. The
/// centre block, where every tap is inside, is one valid convolution of dy;
/// each border row (full width) convolves the few dy rows it reads, padded
/// by zeros in W only, with the filter rows it uses; each border column of
/// the centre rows convolves the dy columns it reads with the filter
/// columns it uses, H and W swapped so that the register tile runs along
/// the long side. Only the multiplications by padding of the border rows'
/// ends remain. offH, offW: the border k - 1 - pad of the padded copy.
/// Null when the shapes do not allow it.
Value splitGradInput(OpBuilder &b, Location loc, Value dy, Value wT,
                     RankedTensorType xt, int64_t offH, int64_t offW) {
  RankedTensorType dyt = tt(dy), wt = tt(wT);
  int64_t oh = dyt.getDimSize(1), ow = dyt.getDimSize(2);
  int64_t kh = wt.getDimSize(0), kw = wt.getDimSize(1);
  int64_t h = xt.getDimSize(1), w = xt.getDimSize(2);
  if (offH < 0 || offW < 0 || offH > kh - 1 || offW > kw - 1 || oh < kh ||
      ow < kw)
    return nullptr;
  int64_t r0 = offH, r1 = offH + oh - kh + 1; // centre rows [r0, r1)
  int64_t c0 = offW, c1 = offW + ow - kw + 1; // centre columns
  // The pieces are computed in place into slices of one buffer: an
  // alloc_tensor, as the uses of a tensor.empty are split apart before
  // bufferization (each slice would then be copied into the result).
  Value dst = bufferization::AllocTensorOp::create(b, loc, xt, ValueRange{});
  dst = convolveInto(b, loc, dst, dy, wT, r0, c0, r1 - r0, c1 - c0, false);
  // Border rows: dy rows [0, kh - 1) above, [oh - kh + 1, oh) below, padded
  // by offW zeros on both sides.
  auto padded = [&](int64_t row0, int64_t rows) {
    Value s = slice4(b, loc, dy, row0, 0, rows, ow);
    auto pt = withShape(
        dyt, {dyt.getDimSize(0), rows, ow + 2 * offW, dyt.getDimSize(3)});
    return placeStrided(b, loc, s, pt, 0, offW, 1, 1, 0.0);
  };
  auto filterRows = [&](int64_t k0, int64_t k1) {
    return tensor::ExtractSliceOp::create(
        b, loc,
        withShape(wt, {k1 - k0, kw, wt.getDimSize(2), wt.getDimSize(3)}), wT,
        ofrs(b, {k0, 0, 0, 0}),
        ofrs(b, {k1 - k0, kw, wt.getDimSize(2), wt.getDimSize(3)}),
        ofrs(b, {1, 1, 1, 1}));
  };
  if (r0 > 0) {
    Value q = padded(0, kh - 1);
    for (int64_t i = 0; i < r0; ++i) {
      int64_t k0 = offH - i; // taps [k0, kh) read dy rows [0, kh - k0)
      dst = convolveInto(b, loc, dst,
                         slice4(b, loc, q, 0, 0, kh - k0, w + kw - 1),
                         filterRows(k0, kh), i, 0, 1, w, false);
    }
  }
  if (r1 < h) {
    int64_t base = oh - kh + 1;
    Value q = padded(base, kh - 1);
    for (int64_t i = r1; i < h; ++i) {
      int64_t k1 = oh + offH - i; // taps [0, k1) read dy rows [i - offH, oh)
      dst = convolveInto(b, loc, dst,
                         slice4(b, loc, q, i - offH - base, 0, k1, w + kw - 1),
                         filterRows(0, k1), i, 0, 1, w, false);
    }
  }
  // Border columns of the centre rows, H and W swapped.
  auto filterCols = [&](int64_t k0, int64_t k1) {
    Value f = tensor::ExtractSliceOp::create(
        b, loc,
        withShape(wt, {kh, k1 - k0, wt.getDimSize(2), wt.getDimSize(3)}), wT,
        ofrs(b, {0, k0, 0, 0}),
        ofrs(b, {kh, k1 - k0, wt.getDimSize(2), wt.getDimSize(3)}),
        ofrs(b, {1, 1, 1, 1}));
    return transposed(b, loc, f, /*filter=*/true);
  };
  for (int64_t j = 0; j < w; ++j) {
    if (j >= c0 && j < c1)
      continue;
    int64_t k0 = j < c0 ? offW - j : 0;
    int64_t k1 = j < c0 ? kw : ow + offW - j;
    Value cols = slice4(b, loc, dy, 0, j + k0 - offW, oh, k1 - k0);
    dst = convolveInto(b, loc, dst, transposed(b, loc, cols, false),
                       filterCols(k0, k1), r0, j, r1 - r0, 1, true);
  }
  return dst;
}

/// The input adjoint is a valid convolution, at unit stride with the
/// forward dilation, of `z` with the flipped filter, where `z` holds the
/// result adjoint spread at the forward stride behind a border of
/// dil (k - 1) - pad zeros (rows that would land in the padding are
/// dropped): dx[i] = sum_k' z[i + k' dil] wflip[k'] with
/// z[dil (k - 1) - pad + o stride] = dy[o].
Value lowerConvGradInput(OpBuilder &b, mdl::Conv2dGradInputOp op) {
  Location loc = op.getLoc();
  RankedTensorType xt = op.getType(), dyt = tt(op.getGrad()),
                   wt = tt(op.getFilter());
  ArrayRef<int64_t> s = op.getStride(), p = op.getPadding(),
                    d = op.getDilation();
  int64_t groups = op.getGroups();
  int64_t kh = wt.getDimSize(0), kw = wt.getDimSize(1);
  int64_t offH = d[0] * (kh - 1) - p[0], offW = d[1] * (kw - 1) - p[1];
  auto zt =
      withShape(dyt, {dyt.getDimSize(0), xt.getDimSize(1) + d[0] * (kh - 1),
                      xt.getDimSize(2) + d[1] * (kw - 1), dyt.getDimSize(3)});
  Value z = op.getGrad();
  Value wT = flippedFilter(b, loc, op.getFilter(), groups);
  if (groups == 1 && s[0] == 1 && s[1] == 1 && d[0] == 1 && d[1] == 1)
    if (Value dx = splitGradInput(b, loc, z, wT, xt, offH, offW))
      return dx;
  if (zt != dyt || offH || offW)
    z = placeStrided(b, loc, z, zt, offH, offW, s[0], s[1], 0.0);
  return convolve(b, loc, z, wT, xt, 1, 1, d[0], d[1], groups);
}

Value lowerConvGradFilter(OpBuilder &b, mdl::Conv2dGradFilterOp op) {
  Location loc = op.getLoc();
  ArrayRef<int64_t> s = op.getStride(), p = op.getPadding(),
                    d = op.getDilation();
  int64_t groups = op.getGroups();
  MLIRContext *ctx = b.getContext();
  Value xp = padSpatial(b, loc, op.getInput(), p[0], p[1], 0.0);
  Value init = filled(b, loc, op.getType(), 0.0);
  if (groups == 1) {
    // (kh, kw, c, f, b, oh, ow)
    AffineExpr e[7];
    for (unsigned i = 0; i < 7; ++i)
      e[i] = getAffineDimExpr(i, ctx);
    auto map = [&](ArrayRef<AffineExpr> x) {
      return AffineMap::get(7, 0, x, ctx);
    };
    SmallVector<AffineMap> maps{
        map({e[4], e[5] * s[0] + e[0] * d[0], e[6] * s[1] + e[1] * d[1], e[2]}),
        map({e[4], e[5], e[6], e[3]}), map({e[0], e[1], e[2], e[3]})};
    SmallVector<Iter> iters(4, Iter::parallel);
    iters.append(3, Iter::reduction);
    Value r = generic(b, loc, ValueRange{xp, op.getGrad()}, init, maps, iters,
                      [](OpBuilder &nb, Location l, ValueRange a) {
                        return fma(nb, l, a[0], a[1], a[2]);
                      });
    if (d[0] == 1 && d[1] == 1) // scheduled by ConvSchedules.cpp
      r.getDefiningOp()->setAttr(kConvFilterGradAttr, b.getUnitAttr());
    return r;
  }
  // (kh, kw, cg, g, fg, b, oh, ow)
  AffineExpr e[8];
  for (unsigned i = 0; i < 8; ++i)
    e[i] = getAffineDimExpr(i, ctx);
  auto map = [&](ArrayRef<AffineExpr> x) {
    return AffineMap::get(8, 0, x, ctx);
  };
  Value x5 = splitLast(b, loc, xp, groups);
  Value dy5 = splitLast(b, loc, op.getGrad(), groups);
  Value out5 = splitLast(b, loc, init, groups);
  SmallVector<AffineMap> maps{map({e[5], e[6] * s[0] + e[0] * d[0],
                                   e[7] * s[1] + e[1] * d[1], e[3], e[2]}),
                              map({e[5], e[6], e[7], e[3], e[4]}),
                              map({e[0], e[1], e[2], e[3], e[4]})};
  SmallVector<Iter> iters(5, Iter::parallel);
  iters.append(3, Iter::reduction);
  Value r = generic(b, loc, ValueRange{x5, dy5}, out5, maps, iters,
                    [](OpBuilder &nb, Location l, ValueRange a) {
                      return fma(nb, l, a[0], a[1], a[2]);
                    });
  return mergeLast(b, loc, r);
}

/// Maps of a window reduction over (b, oh, ow, c, kh, kw): the padded input
/// and the [B, OH, OW, C] result.
SmallVector<AffineMap> windowMaps(MLIRContext *ctx, ArrayRef<int64_t> stride) {
  AffineExpr d[6];
  for (unsigned i = 0; i < 6; ++i)
    d[i] = getAffineDimExpr(i, ctx);
  return {AffineMap::get(
              6, 0,
              {d[0], d[1] * stride[0] + d[4], d[2] * stride[1] + d[5], d[3]},
              ctx),
          AffineMap::get(6, 0, {d[0], d[1], d[2], d[3]}, ctx)};
}

SmallVector<Iter> windowIters() {
  return {Iter::parallel, Iter::parallel,  Iter::parallel,
          Iter::parallel, Iter::reduction, Iter::reduction};
}

/// A tensor of the window shape: only its shape matters (linalg needs every
/// loop bound to come from an operand).
Value windowShape(OpBuilder &b, Location loc, ArrayRef<int64_t> size,
                  Type elem) {
  return tensor::EmptyOp::create(b, loc, size, elem);
}

/// Whether the windows tile the input: no padding, stride = window size.
/// The input is then read through KH x KW strided slices, one per window
/// offset, and the adjoint written through one 6-D view: no window loops,
/// no gathers.
bool tilingWindows(ArrayRef<int64_t> size, ArrayRef<int64_t> stride,
                   ArrayRef<int64_t> pad) {
  return !pad[0] && !pad[1] && stride[0] == size[0] && stride[1] == size[1];
}

/// The window offsets (kh, kw) of tiling windows, in order, as strided
/// slices x[:, kh::KH, kw::KW, :] of the result shape [B, OH, OW, C].
SmallVector<Value> windowTaps(OpBuilder &b, Location loc, Value x,
                              RankedTensorType res, ArrayRef<int64_t> size) {
  auto st = withShape(tt(x), res.getShape());
  SmallVector<Value> taps;
  for (int64_t i = 0; i < size[0]; ++i)
    for (int64_t j = 0; j < size[1]; ++j)
      taps.push_back(tensor::ExtractSliceOp::create(
          b, loc, st, x, ofrs(b, {0, i, j, 0}), ofrs(b, res.getShape()),
          ofrs(b, {1, size[0], size[1], 1})));
  return taps;
}

/// Pooling with tiling windows: one elementwise generic over the strided
/// slices, folding them in window order from the same initial value as the
/// window reduction (bitwise the same result).
Value tiledPool(OpBuilder &b, Location loc, Value x, RankedTensorType res,
                ArrayRef<int64_t> size, bool isMax) {
  SmallVector<Value> taps = windowTaps(b, loc, x, res, size);
  SmallVector<AffineMap> maps(taps.size(), b.getMultiDimIdentityMap(4));
  const double inf = std::numeric_limits<double>::infinity();
  Type elem = res.getElementType();
  double scale = 1.0 / double(size[0] * size[1]);
  return elementwise(
      b, loc, res, taps, maps,
      [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
        Value acc = floatConst(nb, l, elem, isMax ? -inf : 0.0);
        for (Value v : a.drop_back())
          acc = isMax ? Value(arith::MaximumFOp::create(nb, l, acc, v))
                      : Value(arith::AddFOp::create(nb, l, acc, v));
        if (isMax)
          return acc;
        return arith::MulFOp::create(nb, l, acc,
                                     floatConst(nb, l, elem, scale));
      });
}

/// Whether tiling windows also cover the whole input (H and W multiples of
/// the window): the adjoint is then one generic over a 6-D view of it. (With
/// uncovered rows, inserting the covered part into a zero tensor made
/// bufferization copy; those keep the general lowering.)
bool coveringWindows(RankedTensorType xt, ArrayRef<int64_t> size,
                     ArrayRef<int64_t> stride, ArrayRef<int64_t> pad) {
  return tilingWindows(size, stride, pad) && xt.getDimSize(1) % size[0] == 0 &&
         xt.getDimSize(2) % size[1] == 0;
}

/// The adjoint of pooling with covering windows: one generic over the 6-D
/// view [B, OH, KH, OW, KW, C] of the input adjoint, `contribution(i, j,
/// inputs)` at window offset (i, j); the inputs are read at (b, oh, ow, c).
Value tiledPoolAdjoint(
    OpBuilder &b, Location loc, RankedTensorType xt, RankedTensorType yt,
    ArrayRef<int64_t> size, ValueRange inputs,
    llvm::function_ref<Value(OpBuilder &, Location, Value, Value, ValueRange)>
        contribution) {
  MLIRContext *ctx = b.getContext();
  auto six = withShape(xt, {yt.getDimSize(0), yt.getDimSize(1), size[0],
                            yt.getDimSize(2), size[1], yt.getDimSize(3)});
  SmallVector<ReassociationIndices> re{{0}, {1, 2}, {3, 4}, {5}};
  Value dst =
      tensor::EmptyOp::create(b, loc, six.getShape(), xt.getElementType());
  AffineExpr d[6];
  for (unsigned i = 0; i < 6; ++i)
    d[i] = getAffineDimExpr(i, ctx);
  SmallVector<AffineMap> maps(
      inputs.size(), AffineMap::get(6, 0, {d[0], d[1], d[3], d[5]}, ctx));
  maps.push_back(b.getMultiDimIdentityMap(6));
  SmallVector<Iter> iters(6, Iter::parallel);
  Value r = generic(b, loc, inputs, dst, maps, iters,
                    [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
                      Value i = linalg::IndexOp::create(nb, l, 2);
                      Value j = linalg::IndexOp::create(nb, l, 4);
                      return contribution(nb, l, i, j, a.drop_back());
                    });
  return tensor::CollapseShapeOp::create(b, loc, xt, r, re);
}

Value lowerPool(OpBuilder &b, Operation *op, Value x, RankedTensorType res,
                ArrayRef<int64_t> size, ArrayRef<int64_t> stride,
                ArrayRef<int64_t> pad, bool isMax) {
  Location loc = op->getLoc();
  MLIRContext *ctx = b.getContext();
  Type elem = res.getElementType();
  const double inf = std::numeric_limits<double>::infinity();
  if (tilingWindows(size, stride, pad))
    return tiledPool(b, loc, x, res, size, isMax);
  Value xp = padSpatial(b, loc, x, pad[0], pad[1], isMax ? -inf : 0.0);
  SmallVector<AffineMap> maps = windowMaps(ctx, stride);
  AffineExpr d4 = getAffineDimExpr(4, ctx), d5 = getAffineDimExpr(5, ctx);
  maps.insert(maps.begin() + 1, AffineMap::get(6, 0, {d4, d5}, ctx));
  Value window = windowShape(b, loc, size, elem);
  Value init = filled(b, loc, res, isMax ? -inf : 0.0);
  Value r = generic(b, loc, ValueRange{xp, window}, init, maps, windowIters(),
                    [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
                      if (isMax)
                        return arith::MaximumFOp::create(nb, l, a[2], a[0]);
                      return arith::AddFOp::create(nb, l, a[2], a[0]);
                    });
  if (isMax)
    return r;
  Value scale = floatConst(b, loc, elem, 1.0 / double(size[0] * size[1]));
  return elementwise(b, loc, res, ValueRange{r}, {b.getMultiDimIdentityMap(4)},
                     [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
                       return arith::MulFOp::create(nb, l, a[0], scale);
                     });
}

/// Index (kh KW + kw) of the first maximum of every window, as i32.
Value firstMaxIndex(OpBuilder &b, Location loc, Value xp, RankedTensorType res,
                    ArrayRef<int64_t> size, ArrayRef<int64_t> stride) {
  MLIRContext *ctx = b.getContext();
  Type elem = res.getElementType();
  const double inf = std::numeric_limits<double>::infinity();
  SmallVector<AffineMap> maps = windowMaps(ctx, stride);
  AffineExpr d4 = getAffineDimExpr(4, ctx), d5 = getAffineDimExpr(5, ctx);
  maps.insert(maps.begin() + 1, AffineMap::get(6, 0, {d4, d5}, ctx));
  maps.push_back(maps.back());
  Value window = windowShape(b, loc, size, elem);
  Value maxInit = filled(b, loc, res, -inf);
  auto it = RankedTensorType::get(res.getShape(), b.getI32Type());
  Value zero = arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(0));
  Value idxInit =
      linalg::FillOp::create(b, loc, ValueRange{zero},
                             ValueRange{tensor::EmptyOp::create(
                                 b, loc, it.getShape(), b.getI32Type())})
          .getResult(0);
  int64_t kw = size[1];
  auto g = linalg::GenericOp::create(
      b, loc, TypeRange{res, it}, ValueRange{xp, window},
      ValueRange{maxInit, idxInit}, maps, windowIters(),
      [&](OpBuilder &nb, Location l, ValueRange a) {
        Value i = linalg::IndexOp::create(nb, l, 4);
        Value j = linalg::IndexOp::create(nb, l, 5);
        Value k = arith::AddIOp::create(
            nb, l,
            arith::MulIOp::create(nb, l, i,
                                  arith::ConstantIndexOp::create(nb, l, kw)),
            j);
        Value k32 = arith::IndexCastOp::create(nb, l, nb.getI32Type(), k);
        Value gt =
            arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OGT, a[0], a[2]);
        Value m = arith::SelectOp::create(nb, l, gt, a[0], a[2]);
        Value idx = arith::SelectOp::create(nb, l, gt, k32, a[3]);
        linalg::YieldOp::create(nb, l, ValueRange{m, idx});
      });
  return g.getResult(1);
}

/// The adjoint of a pooling op, gathered per input element:
/// dx[b, i, j, c] = sum over the windows (oh, ow) that read (i, j) at the
/// offset k = kh KW + kw of contribution(k, b, oh, ow, c), where
/// oh = (i + pad - kh) / stride exactly. One generic over the input and the
/// window offsets (a window-shaped operand gives the loop bounds).
Value poolAdjoint(
    OpBuilder &b, Location loc, RankedTensorType xt, RankedTensorType yt,
    ArrayRef<int64_t> size, ArrayRef<int64_t> stride, ArrayRef<int64_t> pad,
    llvm::function_ref<Value(OpBuilder &, Location, Value, ValueRange)>
        contribution) {
  MLIRContext *ctx = b.getContext();
  AffineExpr d[6];
  for (unsigned i = 0; i < 6; ++i)
    d[i] = getAffineDimExpr(i, ctx);
  SmallVector<AffineMap> maps{
      AffineMap::get(6, 0, {d[4], d[5]}, ctx),
      AffineMap::get(6, 0, {d[0], d[1], d[2], d[3]}, ctx)};
  Value window = windowShape(b, loc, size, xt.getElementType());
  Value init = filled(b, loc, xt, 0.0);
  return generic(
      b, loc, ValueRange{window}, init, maps, windowIters(),
      [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
        Value i0 = linalg::IndexOp::create(nb, l, 0);
        Value i = linalg::IndexOp::create(nb, l, 1);
        Value j = linalg::IndexOp::create(nb, l, 2);
        Value c = linalg::IndexOp::create(nb, l, 3);
        Value ki = linalg::IndexOp::create(nb, l, 4);
        Value kj = linalg::IndexOp::create(nb, l, 5);
        // oh = (i + pad - ki) / stride, i.e. the source index of i - ki at
        // offset -pad.
        Value ri = arith::SubIOp::create(nb, l, i, ki);
        Value rj = arith::SubIOp::create(nb, l, j, kj);
        auto [oh, okH] =
            sourceIndex(nb, l, ri, -pad[0], stride[0], yt.getDimSize(1));
        auto [ow, okW] =
            sourceIndex(nb, l, rj, -pad[1], stride[1], yt.getDimSize(2));
        Value k = arith::AddIOp::create(
            nb, l, arith::MulIOp::create(nb, l, ki, idx(nb, l, size[1])), kj);
        Value v = contribution(nb, l, k, ValueRange{i0, oh, ow, c});
        Value ok = arith::AndIOp::create(nb, l, okH, okW);
        Value zero = floatConst(nb, l, xt.getElementType(), 0.0);
        return arith::AddFOp::create(
            nb, l, a[1], arith::SelectOp::create(nb, l, ok, v, zero));
      });
}

Value lowerMaxPoolGrad(OpBuilder &b, mdl::MaxPool2dGradOp op) {
  Location loc = op.getLoc();
  const double inf = std::numeric_limits<double>::infinity();
  ArrayRef<int64_t> size = op.getSize(), stride = op.getStride(),
                    pad = op.getPadding();
  RankedTensorType yt = tt(op.getGrad());
  if (coveringWindows(op.getType(), size, stride, pad)) {
    // The index of the first maximum of the window (strict >, from -inf, as
    // the window reduction), recomputed per element of the 6-D view.
    SmallVector<Value> in{op.getGrad()};
    llvm::append_range(in, windowTaps(b, loc, op.getInput(), yt, size));
    return tiledPoolAdjoint(
        b, loc, op.getType(), yt, size, in,
        [&](OpBuilder &nb, Location l, Value i, Value j, ValueRange a) {
          Type elem = a[0].getType();
          Value m = floatConst(nb, l, elem, -inf), first = idx(nb, l, 0);
          for (auto [k, v] : llvm::enumerate(a.drop_front())) {
            Value gt =
                arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OGT, v, m);
            m = arith::SelectOp::create(nb, l, gt, v, m);
            first = arith::SelectOp::create(nb, l, gt, idx(nb, l, k), first);
          }
          Value k = arith::AddIOp::create(
              nb, l, arith::MulIOp::create(nb, l, i, idx(nb, l, size[1])), j);
          Value hit =
              arith::CmpIOp::create(nb, l, arith::CmpIPredicate::eq, first, k);
          Value zero = floatConst(nb, l, elem, 0.0);
          // 0 + contribution, as the window sum of the general path.
          return arith::AddFOp::create(
              nb, l, zero, arith::SelectOp::create(nb, l, hit, a[0], zero));
        });
  }
  Value xp = padSpatial(b, loc, op.getInput(), pad[0], pad[1], -inf);
  Value first = firstMaxIndex(b, loc, xp, yt, size, stride);
  Value dy = op.getGrad();
  return poolAdjoint(
      b, loc, op.getType(), yt, size, stride, pad,
      [&](OpBuilder &nb, Location l, Value k, ValueRange at) -> Value {
        Value g = tensor::ExtractOp::create(nb, l, dy, at);
        Value m = tensor::ExtractOp::create(nb, l, first, at);
        Value k32 = arith::IndexCastOp::create(nb, l, nb.getI32Type(), k);
        Value hit =
            arith::CmpIOp::create(nb, l, arith::CmpIPredicate::eq, m, k32);
        return arith::SelectOp::create(nb, l, hit, g,
                                       floatConst(nb, l, g.getType(), 0.0));
      });
}

Value lowerAvgPoolGrad(OpBuilder &b, mdl::AvgPool2dGradOp op) {
  Location loc = op.getLoc();
  ArrayRef<int64_t> size = op.getSize(), stride = op.getStride(),
                    pad = op.getPadding();
  RankedTensorType yt = tt(op.getGrad());
  Value dy = op.getGrad();
  double scale = 1.0 / double(size[0] * size[1]);
  if (coveringWindows(op.getType(), size, stride, pad))
    return tiledPoolAdjoint(
        b, loc, op.getType(), yt, size, ValueRange{dy},
        [&](OpBuilder &nb, Location l, Value, Value, ValueRange a) -> Value {
          Type elem = a[0].getType();
          Value g = arith::MulFOp::create(nb, l, a[0],
                                          floatConst(nb, l, elem, scale));
          return arith::AddFOp::create(nb, l, floatConst(nb, l, elem, 0.0), g);
        });
  return poolAdjoint(
      b, loc, op.getType(), yt, size, stride, pad,
      [&](OpBuilder &nb, Location l, Value, ValueRange at) -> Value {
        Value g = tensor::ExtractOp::create(nb, l, dy, at);
        return arith::MulFOp::create(nb, l, g,
                                     floatConst(nb, l, g.getType(), scale));
      });
}

} // namespace

Value adjoint::lowerVisionOp(OpBuilder &b, Operation *op) {
  return llvm::TypeSwitch<Operation *, Value>(op)
      .Case([&](mdl::Conv2dOp o) { return lowerConv(b, o); })
      .Case([&](mdl::Conv2dGradInputOp o) { return lowerConvGradInput(b, o); })
      .Case(
          [&](mdl::Conv2dGradFilterOp o) { return lowerConvGradFilter(b, o); })
      .Case([&](mdl::MaxPool2dOp o) {
        return lowerPool(b, op, o.getInput(), o.getType(), o.getSize(),
                         o.getStride(), o.getPadding(), /*isMax=*/true);
      })
      .Case([&](mdl::AvgPool2dOp o) {
        return lowerPool(b, op, o.getInput(), o.getType(), o.getSize(),
                         o.getStride(), o.getPadding(), /*isMax=*/false);
      })
      .Case([&](mdl::MaxPool2dGradOp o) { return lowerMaxPoolGrad(b, o); })
      .Case([&](mdl::AvgPool2dGradOp o) { return lowerAvgPoolGrad(b, o); })
      .Default([](Operation *) { return Value(); });
}
