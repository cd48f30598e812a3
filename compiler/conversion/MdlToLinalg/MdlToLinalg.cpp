//===- MdlToLinalg.cpp - Lower mdl ops to linalg on tensors ---------------===//
//
// Every mdl compute op becomes linalg (named matmul with indexing maps for
// the transposed forms, generics for elementwise ops and reductions) on
// tensors. Losses use the stable forms: the row maximum is subtracted before
// exponentiating, and a masked mean divides by max(count, 1).
//
//===----------------------------------------------------------------------===//

#include "compiler/Passes.h"
#include "compiler/conversion/LinalgBuilders.h"
#include "compiler/conversion/MdlToLinalg/MdlVisionToLinalg.h"
#include "compiler/conversion/MdlToLinalg/NormToLinalg.h"
#include "compiler/conversion/MdlToLinalg/ScanToLoops.h"
#include "compiler/conversion/MdlToLinalg/ShapeOps.h"

#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/TypeSwitch.h"

namespace adjoint {
#define GEN_PASS_DEF_CONVERTMDLTOLINALG
#include "compiler/Passes.h.inc"
} // namespace adjoint

using namespace mlir;
using namespace adjoint;

namespace {

RankedTensorType tt(Value v) { return cast<RankedTensorType>(v.getType()); }

SmallVector<AffineMap> broadcastMaps(MLIRContext *ctx, RankedTensorType res,
                                     ValueRange inputs) {
  SmallVector<AffineMap> maps;
  for (Value v : inputs)
    maps.push_back(
        broadcastMap(ctx, res.getRank(), tt(v).getShape(), res.getShape()));
  return maps;
}

template <typename ArithOp> Value lowerBinary(OpBuilder &b, Operation *op) {
  auto res = cast<RankedTensorType>(op->getResult(0).getType());
  return elementwise(b, op->getLoc(), res, op->getOperands(),
                     broadcastMaps(b.getContext(), res, op->getOperands()),
                     [](OpBuilder &nb, Location l, ValueRange a) -> Value {
                       return ArithOp::create(nb, l, a[0], a[1]);
                     });
}

Value lowerUnary(OpBuilder &b, Operation *op, BodyFn fn) {
  auto res = cast<RankedTensorType>(op->getResult(0).getType());
  return elementwise(b, op->getLoc(), res, op->getOperands(),
                     {b.getMultiDimIdentityMap(res.getRank())}, fn);
}

/// A unary op whose body is one op of the same name (math.exp, arith.negf).
template <typename ScalarOp> Value lowerUnaryOp(OpBuilder &b, Operation *op) {
  return lowerUnary(b, op, [](OpBuilder &nb, Location l, ValueRange a) {
    return ScalarOp::create(nb, l, a[0]).getResult();
  });
}

/// `v` with its last two dimensions swapped, in a new tensor.
Value transposeLastTwo(OpBuilder &b, Location loc, Value v) {
  RankedTensorType t = tt(v);
  int64_t r = t.getRank();
  SmallVector<int64_t> perm, shape;
  for (int64_t i = 0; i < r; ++i)
    perm.push_back(i < r - 2 ? i : (i == r - 2 ? r - 1 : r - 2));
  for (int64_t p : perm)
    shape.push_back(t.getDimSize(p));
  Value empty = tensor::EmptyOp::create(b, loc, shape, t.getElementType());
  return linalg::TransposeOp::create(b, loc, v, empty, perm).getResult()[0];
}

/// The rank-2 product `op(lhs) op(rhs)` of type `type`.
Value matmul2d(OpBuilder &b, Location loc, Value lhs, Value rhs, bool tl,
               bool tr, RankedTensorType type) {
  MLIRContext *ctx = b.getContext();
  AffineExpr m, n, k;
  bindDims(ctx, m, n, k);
  auto map = [&](ArrayRef<AffineExpr> e) {
    return AffineMap::get(3, 0, e, ctx);
  };
  // A transposed right operand (dX = dY·Wᵀ in every backward pass) read
  // directly makes the vectorized kernel gather along k; it runs at a
  // fraction of the NN form. Transposing it once into a workspace costs one
  // pass over the operand and keeps the contraction in the fast NN layout.
  if (tr)
    rhs = transposeLastTwo(b, loc, rhs);
  AffineMap aMap = tl ? map({k, m}) : map({m, k});
  AffineMap bMap = map({k, n});
  AffineMap cMap = map({m, n});
  Value init = filled(b, loc, type, 0.0);
  auto mm = linalg::MatmulOp::create(
      b, loc, TypeRange{type}, ValueRange{lhs, rhs}, ValueRange{init},
      {b.getNamedAttr("indexing_maps",
                      b.getAffineMapArrayAttr({aMap, bMap, cMap}))});
  return mm.getResult(0);
}

/// Drops the batch dimensions of `v` (the dimensions before its last two)
/// that are broadcast in the result's batch shape `batch` (size 1 there, or
/// missing), and returns the result batch dimension of every kept one.
Value dropBroadcastDims(OpBuilder &b, Location loc, Value v,
                        ArrayRef<int64_t> batch, SmallVector<int64_t> &dims) {
  RankedTensorType t = tt(v);
  int64_t nb = t.getRank() - 2, lead = batch.size() - nb;
  SmallVector<ReassociationIndices> groups;
  ReassociationIndices pending;
  SmallVector<int64_t> shape;
  for (int64_t i = 0; i < t.getRank(); ++i) {
    pending.push_back(i);
    if (i < nb && t.getDimSize(i) == 1 && batch[lead + i] != 1)
      continue; // merged into the next kept dimension
    if (i < nb)
      dims.push_back(lead + i);
    groups.push_back(pending);
    pending.clear();
    shape.push_back(t.getDimSize(i));
  }
  if (shape.size() == size_t(t.getRank()))
    return v;
  auto type = RankedTensorType::get(shape, t.getElementType());
  return tensor::CollapseShapeOp::create(b, loc, type, v, groups);
}

Value lowerMatmul(OpBuilder &b, mdl::MatmulOp op) {
  Location loc = op.getLoc();
  MLIRContext *ctx = b.getContext();
  Value lhs = op.getLhs(), rhs = op.getRhs();
  bool tl = op.getTransposeLhs(), tr = op.getTransposeRhs();
  RankedTensorType lt = tt(lhs), rt = tt(rhs), res = op.getType();
  if (res.getRank() == 2)
    return matmul2d(b, loc, lhs, rhs, tl, tr, res);
  // [..., m, k] · [k, n]: one 2-D product over the collapsed rows, so the
  // fast 2-D schedule applies.
  if (rt.getRank() == 2 && !tl) {
    int64_t k = lt.getDimSize(lt.getRank() - 1);
    int64_t n = res.getDimSize(res.getRank() - 1);
    int64_t rows = lt.getNumElements() / k;
    auto flat = [](int64_t rank) {
      SmallVector<ReassociationIndices> g(2);
      for (int64_t i = 0; i < rank; ++i)
        g[i == rank - 1].push_back(i);
      return g;
    };
    Value a2 = tensor::CollapseShapeOp::create(
        b, loc, RankedTensorType::get({rows, k}, lt.getElementType()), lhs,
        flat(lt.getRank()));
    Value c2 = matmul2d(b, loc, a2, rhs, false, tr,
                        RankedTensorType::get({rows, n}, res.getElementType()));
    return tensor::ExpandShapeOp::create(b, loc, res, c2, flat(res.getRank()));
  }
  // Batched: one contraction generic over (batch..., m, n, k). Operand
  // dimensions broadcast along the batch are dropped, not read with a
  // constant index, so the generic stays a projected-permutation
  // contraction that the schedule recognizes.
  int64_t nb = res.getRank() - 2;
  ArrayRef<int64_t> batch = res.getShape().drop_back(2);
  if (tr)
    rhs = transposeLastTwo(b, loc, rhs); // NN layout, as for rank 2
  SmallVector<int64_t> ld, rd;
  lhs = dropBroadcastDims(b, loc, lhs, batch, ld);
  rhs = dropBroadcastDims(b, loc, rhs, batch, rd);
  int64_t loops = nb + 3;
  AffineExpr m = getAffineDimExpr(nb, ctx), n = getAffineDimExpr(nb + 1, ctx),
             k = getAffineDimExpr(nb + 2, ctx);
  auto operandMap = [&](ArrayRef<int64_t> dims, AffineExpr r, AffineExpr c) {
    SmallVector<AffineExpr> e;
    for (int64_t d : dims)
      e.push_back(getAffineDimExpr(d, ctx));
    e.push_back(r);
    e.push_back(c);
    return AffineMap::get(loops, 0, e, ctx);
  };
  SmallVector<int64_t> all;
  for (int64_t i = 0; i < nb; ++i)
    all.push_back(i);
  SmallVector<AffineMap> maps = {tl ? operandMap(ld, k, m)
                                    : operandMap(ld, m, k),
                                 operandMap(rd, k, n), operandMap(all, m, n)};
  SmallVector<utils::IteratorType> iters(loops, utils::IteratorType::parallel);
  iters.back() = utils::IteratorType::reduction;
  Value init = filled(b, loc, res, 0.0);
  auto g = linalg::GenericOp::create(
      b, loc, TypeRange{res}, ValueRange{lhs, rhs}, ValueRange{init}, maps,
      iters, [](OpBuilder &nb, Location l, ValueRange a) {
        Value p = arith::MulFOp::create(nb, l, a[0], a[1]);
        Value s = arith::AddFOp::create(nb, l, a[2], p);
        linalg::YieldOp::create(nb, l, s);
      });
  return g.getResult(0);
}

/// Sum of `input` over `axes`, optionally scaled.
Value lowerSum(OpBuilder &b, Location loc, Value input, ArrayRef<int64_t> axes,
               RankedTensorType res, double scale) {
  RankedTensorType in = tt(input);
  SmallVector<bool> reduced(in.getRank(), false);
  for (int64_t a : axes)
    reduced[a] = true;
  Value sum = reduction(b, loc, res, in.getRank(), reduced, ValueRange{input},
                        {b.getMultiDimIdentityMap(in.getRank())}, 0.0,
                        [](OpBuilder &nb, Location l, ValueRange a) -> Value {
                          return arith::AddFOp::create(nb, l, a[0], a[1]);
                        });
  if (scale == 1.0)
    return sum;
  Value s = floatConst(b, loc, res.getElementType(), scale);
  return elementwise(b, loc, res, ValueRange{sum},
                     {b.getMultiDimIdentityMap(res.getRank())},
                     [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
                       return arith::MulFOp::create(nb, l, a[0], s);
                     });
}

Value lowerBroadcastInDim(OpBuilder &b, mdl::BroadcastInDimOp op) {
  RankedTensorType in = tt(op.getInput()), res = op.getType();
  MLIRContext *ctx = b.getContext();
  SmallVector<AffineExpr> exprs;
  for (auto [i, d] : llvm::enumerate(op.getDims())) {
    if (in.getDimSize(i) == 1 && res.getDimSize(d) != 1)
      exprs.push_back(getAffineConstantExpr(0, ctx));
    else
      exprs.push_back(getAffineDimExpr(d, ctx));
  }
  return elementwise(b, op.getLoc(), res, ValueRange{op.getInput()},
                     {AffineMap::get(res.getRank(), 0, exprs, ctx)},
                     [](OpBuilder &, Location, ValueRange a) { return a[0]; });
}

Value lowerReshape(OpBuilder &b, mdl::ReshapeOp op) {
  Location loc = op.getLoc();
  RankedTensorType in = tt(op.getInput()), res = op.getType();
  auto flat = RankedTensorType::get({in.getNumElements()}, in.getElementType());
  auto all = [](int64_t rank) {
    ReassociationIndices r;
    for (int64_t i = 0; i < rank; ++i)
      r.push_back(i);
    return SmallVector<ReassociationIndices>{r};
  };
  Value v = op.getInput();
  if (in.getRank() == 0)
    v = tensor::ExpandShapeOp::create(b, loc, flat, v,
                                      SmallVector<ReassociationIndices>{});
  else if (in.getRank() > 1)
    v = tensor::CollapseShapeOp::create(b, loc, flat, v, all(in.getRank()));
  if (res.getRank() == 0)
    return tensor::CollapseShapeOp::create(b, loc, res, v,
                                           SmallVector<ReassociationIndices>{});
  if (res.getRank() > 1)
    return tensor::ExpandShapeOp::create(b, loc, res, v, all(res.getRank()));
  return v;
}

/// Number of rows a masked loss averages over, as a rank-0 tensor:
/// max(sum(mask), 1), or the static row count without a mask.
Value rowCount(OpBuilder &b, Location loc, Value mask, int64_t rows,
               Type elem) {
  auto scalar = RankedTensorType::get({}, elem);
  if (!mask)
    return filled(b, loc, scalar, double(rows));
  Value sum = lowerSum(b, loc, mask, {0}, scalar, 1.0);
  Value one = floatConst(b, loc, elem, 1.0);
  return elementwise(b, loc, scalar, ValueRange{sum},
                     {scalarMap(b.getContext(), 0)},
                     [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
                       return arith::MaximumFOp::create(nb, l, a[0], one);
                     });
}

/// mean((pred - target)^2) over valid rows.
Value lowerMse(OpBuilder &b, mdl::MseOp op) {
  Location loc = op.getLoc();
  MLIRContext *ctx = b.getContext();
  RankedTensorType pt = tt(op.getPred());
  unsigned rank = pt.getRank();
  Type elem = pt.getElementType();
  auto scalar = RankedTensorType::get({}, elem);
  Value mask = op.getMask();
  SmallVector<Value> ins{op.getPred(), op.getTarget()};
  SmallVector<AffineMap> maps(2, b.getMultiDimIdentityMap(rank));
  if (mask) {
    ins.push_back(mask);
    maps.push_back(rowMap(ctx, rank));
  }
  Value total =
      reduction(b, loc, scalar, rank, SmallVector<bool>(rank, true), ins, maps,
                0.0, [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
                  Value d = arith::SubFOp::create(nb, l, a[0], a[1]);
                  Value sq = arith::MulFOp::create(nb, l, d, d);
                  if (mask)
                    sq = arith::MulFOp::create(nb, l, sq, a[2]);
                  return arith::AddFOp::create(nb, l, a.back(), sq);
                });
  int64_t perRow = rank ? pt.getNumElements() / pt.getDimSize(0) : 1;
  int64_t rows = rank ? pt.getDimSize(0) : 1;
  Value count = rowCount(b, loc, mask, rows, elem);
  Value per = floatConst(b, loc, elem, double(perRow));
  return elementwise(b, loc, scalar, ValueRange{total, count},
                     {scalarMap(ctx, 0), scalarMap(ctx, 0)},
                     [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
                       Value n = arith::MulFOp::create(nb, l, a[1], per);
                       return arith::DivFOp::create(nb, l, a[0], n);
                     });
}

Value lowerMseGrad(OpBuilder &b, mdl::MseGradOp op) {
  Location loc = op.getLoc();
  MLIRContext *ctx = b.getContext();
  RankedTensorType pt = tt(op.getPred());
  unsigned rank = pt.getRank();
  Type elem = pt.getElementType();
  Value mask = op.getMask();
  int64_t perRow = rank ? pt.getNumElements() / pt.getDimSize(0) : 1;
  int64_t rows = rank ? pt.getDimSize(0) : 1;
  Value count = rowCount(b, loc, mask, rows, elem);
  Value two = floatConst(b, loc, elem, 2.0 / double(perRow));
  SmallVector<Value> ins{op.getGrad(), count, op.getPred(), op.getTarget()};
  SmallVector<AffineMap> maps{scalarMap(ctx, rank), scalarMap(ctx, rank),
                              b.getMultiDimIdentityMap(rank),
                              b.getMultiDimIdentityMap(rank)};
  if (mask) {
    ins.push_back(mask);
    maps.push_back(rowMap(ctx, rank));
  }
  return elementwise(b, loc, pt, ins, maps,
                     [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
                       Value d = arith::SubFOp::create(nb, l, a[2], a[3]);
                       Value s = arith::DivFOp::create(nb, l, a[0], a[1]);
                       s = arith::MulFOp::create(nb, l, s, two);
                       if (mask)
                         s = arith::MulFOp::create(nb, l, s, a[4]);
                       return arith::MulFOp::create(nb, l, d, s);
                     });
}

/// Row maximum and row sum of exp(x - max) of rank-2 logits.
std::pair<Value, Value> softmaxStats(OpBuilder &b, Location loc, Value logits) {
  MLIRContext *ctx = b.getContext();
  RankedTensorType lt = tt(logits);
  Type elem = lt.getElementType();
  auto rowsT = RankedTensorType::get({lt.getDimSize(0)}, elem);
  double lowest = -std::numeric_limits<double>::infinity();
  Value max = reduction(b, loc, rowsT, 2, {false, true}, ValueRange{logits},
                        {b.getMultiDimIdentityMap(2)}, lowest,
                        [](OpBuilder &nb, Location l, ValueRange a) -> Value {
                          return arith::MaximumFOp::create(nb, l, a[0], a[1]);
                        });
  Value sum =
      reduction(b, loc, rowsT, 2, {false, true}, ValueRange{logits, max},
                {b.getMultiDimIdentityMap(2), rowMap(ctx, 2)}, 0.0,
                [](OpBuilder &nb, Location l, ValueRange a) -> Value {
                  Value d = arith::SubFOp::create(nb, l, a[0], a[1]);
                  Value e = math::ExpOp::create(nb, l, d);
                  return arith::AddFOp::create(nb, l, a[2], e);
                });
  return {max, sum};
}

Value lowerSoftmaxXent(OpBuilder &b, mdl::SoftmaxCrossEntropyOp op) {
  Location loc = op.getLoc();
  MLIRContext *ctx = b.getContext();
  RankedTensorType lt = tt(op.getLogits());
  Type elem = lt.getElementType();
  auto scalar = RankedTensorType::get({}, elem);
  auto [max, sum] = softmaxStats(b, loc, op.getLogits());
  Value logits = op.getLogits();
  Value mask = op.getMask();
  SmallVector<Value> ins{max, sum, op.getLabels()};
  if (mask)
    ins.push_back(mask);
  SmallVector<AffineMap> maps(ins.size(), b.getMultiDimIdentityMap(1));
  Value total = reduction(
      b, loc, scalar, 1, {true}, ins, maps, 0.0,
      [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
        Value row = linalg::IndexOp::create(nb, l, 0);
        Value col = arith::IndexCastOp::create(nb, l, nb.getIndexType(), a[2]);
        Value picked =
            tensor::ExtractOp::create(nb, l, logits, ValueRange{row, col});
        Value lse = arith::AddFOp::create(nb, l, a[0],
                                          math::LogOp::create(nb, l, a[1]));
        Value loss = arith::SubFOp::create(nb, l, lse, picked);
        if (mask)
          loss = arith::MulFOp::create(nb, l, loss, a[3]);
        return arith::AddFOp::create(nb, l, a.back(), loss);
      });
  Value count = rowCount(b, loc, mask, lt.getDimSize(0), elem);
  return elementwise(b, loc, scalar, ValueRange{total, count},
                     {scalarMap(ctx, 0), scalarMap(ctx, 0)},
                     [](OpBuilder &nb, Location l, ValueRange a) -> Value {
                       return arith::DivFOp::create(nb, l, a[0], a[1]);
                     });
}

Value lowerSoftmaxXentGrad(OpBuilder &b, mdl::SoftmaxCrossEntropyGradOp op) {
  Location loc = op.getLoc();
  MLIRContext *ctx = b.getContext();
  RankedTensorType lt = tt(op.getLogits());
  Type elem = lt.getElementType();
  auto [max, sum] = softmaxStats(b, loc, op.getLogits());
  Value mask = op.getMask();
  Value count = rowCount(b, loc, mask, lt.getDimSize(0), elem);
  SmallVector<Value> ins{op.getLogits(), max,          sum,
                         op.getLabels(), op.getGrad(), count};
  SmallVector<AffineMap> maps{b.getMultiDimIdentityMap(2),
                              rowMap(ctx, 2),
                              rowMap(ctx, 2),
                              rowMap(ctx, 2),
                              scalarMap(ctx, 2),
                              scalarMap(ctx, 2)};
  if (mask) {
    ins.push_back(mask);
    maps.push_back(rowMap(ctx, 2));
  }
  Value zero = floatConst(b, loc, elem, 0.0);
  Value one = floatConst(b, loc, elem, 1.0);
  return elementwise(
      b, loc, lt, ins, maps,
      [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
        Value d = arith::SubFOp::create(nb, l, a[0], a[1]);
        Value p =
            arith::DivFOp::create(nb, l, math::ExpOp::create(nb, l, d), a[2]);
        Value col = linalg::IndexOp::create(nb, l, 1);
        Value label =
            arith::IndexCastOp::create(nb, l, nb.getIndexType(), a[3]);
        Value hit =
            arith::CmpIOp::create(nb, l, arith::CmpIPredicate::eq, col, label);
        Value onehot = arith::SelectOp::create(nb, l, hit, one, zero);
        Value g = arith::SubFOp::create(nb, l, p, onehot);
        Value scale = arith::DivFOp::create(nb, l, a[4], a[5]);
        if (mask)
          scale = arith::MulFOp::create(nb, l, scale, a[6]);
        return arith::MulFOp::create(nb, l, g, scale);
      });
}

//===----------------------------------------------------------------------===//
// Elementwise ops added for the common layers
//===----------------------------------------------------------------------===//

Value cst(OpBuilder &b, Location l, Value like, double v) {
  return floatConst(b, l, like.getType(), v);
}

/// 1.0 where `pred` holds, else 0.0.
Value maskOf(OpBuilder &b, Location l, Value pred, Type elem) {
  return arith::SelectOp::create(b, l, pred, floatConst(b, l, elem, 1.0),
                                 floatConst(b, l, elem, 0.0));
}

/// Stable logistic sigmoid 1 / (1 + exp(-x)) (exp overflows to inf for very
/// negative x and the quotient is then exactly 0).
Value sigmoidOf(OpBuilder &b, Location l, Value x) {
  Value one = cst(b, l, x, 1.0);
  Value e = math::ExpOp::create(b, l, arith::NegFOp::create(b, l, x));
  return arith::DivFOp::create(b, l, one, arith::AddFOp::create(b, l, one, e));
}

/// Stable softplus: max(x, 0) + log1p(exp(-|x|)).
Value softplusOf(OpBuilder &b, Location l, Value x) {
  Value zero = cst(b, l, x, 0.0);
  Value pos = arith::MaximumFOp::create(b, l, x, zero);
  Value negAbs =
      arith::NegFOp::create(b, l, math::AbsFOp::create(b, l, x).getResult());
  Value lp = math::Log1pOp::create(b, l, math::ExpOp::create(b, l, negAbs));
  return arith::AddFOp::create(b, l, pos, lp);
}

constexpr double kSqrt1_2 = 0.70710678118654752440;     // 1 / sqrt(2)
constexpr double kSqrt2OverPi = 0.79788456080286535588; // sqrt(2 / pi)
constexpr double kInvSqrt2Pi = 0.39894228040143267794;  // 1 / sqrt(2 pi)
constexpr double kGeluCubic = 0.044715;

/// gelu(x): x Phi(x), or the tanh approximation.
Value geluOf(OpBuilder &b, Location l, Value x, bool tanhForm) {
  Value half = cst(b, l, x, 0.5);
  Value one = cst(b, l, x, 1.0);
  Value inner;
  if (tanhForm) {
    Value x3 =
        arith::MulFOp::create(b, l, arith::MulFOp::create(b, l, x, x), x);
    Value u = arith::AddFOp::create(
        b, l, x, arith::MulFOp::create(b, l, x3, cst(b, l, x, kGeluCubic)));
    u = arith::MulFOp::create(b, l, u, cst(b, l, x, kSqrt2OverPi));
    inner = math::TanhOp::create(b, l, u);
  } else {
    inner = math::ErfOp::create(
        b, l, arith::MulFOp::create(b, l, x, cst(b, l, x, kSqrt1_2)));
  }
  Value phi = arith::MulFOp::create(b, l, half,
                                    arith::AddFOp::create(b, l, one, inner));
  return arith::MulFOp::create(b, l, x, phi);
}

/// gelu'(x).
Value geluDerivative(OpBuilder &b, Location l, Value x, bool tanhForm) {
  Value half = cst(b, l, x, 0.5);
  Value one = cst(b, l, x, 1.0);
  Value x2 = arith::MulFOp::create(b, l, x, x);
  if (tanhForm) {
    // 0.5 (1 + t) + 0.5 x (1 - t^2) sqrt(2/pi) (1 + 3 c x^2).
    Value x3 = arith::MulFOp::create(b, l, x2, x);
    Value u = arith::AddFOp::create(
        b, l, x, arith::MulFOp::create(b, l, x3, cst(b, l, x, kGeluCubic)));
    u = arith::MulFOp::create(b, l, u, cst(b, l, x, kSqrt2OverPi));
    Value t = math::TanhOp::create(b, l, u);
    Value du = arith::AddFOp::create(
        b, l, one,
        arith::MulFOp::create(b, l, x2, cst(b, l, x, 3 * kGeluCubic)));
    du = arith::MulFOp::create(b, l, du, cst(b, l, x, kSqrt2OverPi));
    Value sech2 =
        arith::SubFOp::create(b, l, one, arith::MulFOp::create(b, l, t, t));
    Value a =
        arith::MulFOp::create(b, l, half, arith::AddFOp::create(b, l, one, t));
    Value c = arith::MulFOp::create(b, l, arith::MulFOp::create(b, l, half, x),
                                    arith::MulFOp::create(b, l, sech2, du));
    return arith::AddFOp::create(b, l, a, c);
  }
  // Phi(x) + x phi(x).
  Value erf = math::ErfOp::create(
      b, l, arith::MulFOp::create(b, l, x, cst(b, l, x, kSqrt1_2)));
  Value cdf =
      arith::MulFOp::create(b, l, half, arith::AddFOp::create(b, l, one, erf));
  Value e = math::ExpOp::create(
      b, l, arith::MulFOp::create(b, l, x2, cst(b, l, x, -0.5)));
  Value pdf = arith::MulFOp::create(b, l, e, cst(b, l, x, kInvSqrt2Pi));
  return arith::AddFOp::create(b, l, cdf, arith::MulFOp::create(b, l, x, pdf));
}

template <arith::CmpFPredicate Pred>
Value lowerCompare(OpBuilder &b, Operation *op) {
  auto res = cast<RankedTensorType>(op->getResult(0).getType());
  Type elem = res.getElementType();
  return elementwise(b, op->getLoc(), res, op->getOperands(),
                     broadcastMaps(b.getContext(), res, op->getOperands()),
                     [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
                       Value c = arith::CmpFOp::create(nb, l, Pred, a[0], a[1]);
                       return maskOf(nb, l, c, elem);
                     });
}

Value lowerWhere(OpBuilder &b, mdl::WhereOp op) {
  RankedTensorType res = op.getType();
  return elementwise(b, op.getLoc(), res, op->getOperands(),
                     broadcastMaps(b.getContext(), res, op->getOperands()),
                     [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
                       Value c = arith::CmpFOp::create(
                           nb, l, arith::CmpFPredicate::UNE, a[0],
                           cst(nb, l, a[0], 0.0));
                       return arith::SelectOp::create(nb, l, c, a[1], a[2]);
                     });
}

Value lowerPow(OpBuilder &b, mdl::PowOp op) {
  return lowerBinary<math::PowFOp>(b, op);
}

//===----------------------------------------------------------------------===//
// Reductions over axes and along one axis
//===----------------------------------------------------------------------===//

/// Map reading a tensor reduced over the `reduced` dims of a rank-`rank`
/// iteration space (the reduced dims dropped).
AffineMap keptMap(MLIRContext *ctx, unsigned rank, ArrayRef<bool> reduced) {
  SmallVector<AffineExpr> exprs;
  for (unsigned d = 0; d < rank; ++d)
    if (!reduced[d])
      exprs.push_back(getAffineDimExpr(d, ctx));
  return AffineMap::get(rank, 0, exprs, ctx);
}

SmallVector<bool> reducedDims(int64_t rank, ArrayRef<int64_t> axes) {
  SmallVector<bool> reduced(rank, false);
  for (int64_t a : axes)
    reduced[a] = true;
  return reduced;
}

/// Maximum (or minimum) of `input` over the `reduced` dims.
Value reduceExtremum(OpBuilder &b, Location loc, Value input,
                     ArrayRef<bool> reduced, RankedTensorType res, bool isMax) {
  unsigned rank = tt(input).getRank();
  double inf = std::numeric_limits<double>::infinity();
  return reduction(b, loc, res, rank, reduced, ValueRange{input},
                   {b.getMultiDimIdentityMap(rank)}, isMax ? -inf : inf,
                   [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
                     if (isMax)
                       return arith::MaximumFOp::create(nb, l, a[0], a[1]);
                     return arith::MinimumFOp::create(nb, l, a[0], a[1]);
                   });
}

/// The shift of a stable exp-sum: the maximum, or 0 when it is infinite
/// (all -inf, or an inf entry), so that x - shift is never inf - inf.
Value finiteShift(OpBuilder &b, Location l, Value m) {
  Value inf = cst(b, l, m, std::numeric_limits<double>::infinity());
  Value finite =
      arith::CmpFOp::create(b, l, arith::CmpFPredicate::OLT,
                            math::AbsFOp::create(b, l, m).getResult(), inf);
  return arith::SelectOp::create(b, l, finite, m, cst(b, l, m, 0.0));
}

/// Stable statistics over the `reduced` dims: (max, sum(exp(x - shift))).
std::pair<Value, Value> expStats(OpBuilder &b, Location loc, Value input,
                                 ArrayRef<bool> reduced, RankedTensorType res) {
  MLIRContext *ctx = b.getContext();
  unsigned rank = tt(input).getRank();
  Value max = reduceExtremum(b, loc, input, reduced, res, /*isMax=*/true);
  Value sum = reduction(
      b, loc, res, rank, reduced, ValueRange{input, max},
      {b.getMultiDimIdentityMap(rank), keptMap(ctx, rank, reduced)}, 0.0,
      [](OpBuilder &nb, Location l, ValueRange a) -> Value {
        Value d = arith::SubFOp::create(nb, l, a[0], finiteShift(nb, l, a[1]));
        return arith::AddFOp::create(nb, l, a[2],
                                     math::ExpOp::create(nb, l, d));
      });
  return {max, sum};
}

Value lowerLogSumExp(OpBuilder &b, mdl::LogSumExpOp op) {
  Location loc = op.getLoc();
  RankedTensorType res = op.getType();
  SmallVector<bool> reduced =
      reducedDims(tt(op.getInput()).getRank(), op.getAxes());
  auto [max, sum] = expStats(b, loc, op.getInput(), reduced, res);
  AffineMap id = b.getMultiDimIdentityMap(res.getRank());
  return elementwise(b, loc, res, ValueRange{max, sum}, {id, id},
                     [](OpBuilder &nb, Location l, ValueRange a) -> Value {
                       return arith::AddFOp::create(
                           nb, l, finiteShift(nb, l, a[0]),
                           math::LogOp::create(nb, l, a[1]));
                     });
}

/// Two-pass variance: mean, then the mean squared deviation.
Value lowerVariance(OpBuilder &b, mdl::VarianceOp op) {
  Location loc = op.getLoc();
  MLIRContext *ctx = b.getContext();
  RankedTensorType in = tt(op.getInput()), res = op.getType();
  unsigned rank = in.getRank();
  SmallVector<bool> reduced = reducedDims(rank, op.getAxes());
  int64_t n = 1;
  for (int64_t a : op.getAxes())
    n *= in.getDimSize(a);
  int64_t denom = op.getUnbiased() ? std::max<int64_t>(n - 1, 1) : n;
  Value mean = lowerSum(b, loc, op.getInput(), op.getAxes(), res, 1.0 / n);
  Value ss =
      reduction(b, loc, res, rank, reduced, ValueRange{op.getInput(), mean},
                {b.getMultiDimIdentityMap(rank), keptMap(ctx, rank, reduced)},
                0.0, [](OpBuilder &nb, Location l, ValueRange a) -> Value {
                  Value d = arith::SubFOp::create(nb, l, a[0], a[1]);
                  return arith::AddFOp::create(
                      nb, l, a[2], arith::MulFOp::create(nb, l, d, d));
                });
  Value scale = floatConst(b, loc, res.getElementType(), 1.0 / double(denom));
  return elementwise(b, loc, res, ValueRange{ss},
                     {b.getMultiDimIdentityMap(res.getRank())},
                     [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
                       return arith::MulFOp::create(nb, l, a[0], scale);
                     });
}

/// softmax / log_softmax along one axis, in the stable form.
Value lowerSoftmaxLike(OpBuilder &b, Operation *op, int64_t axis, bool log) {
  Location loc = op->getLoc();
  MLIRContext *ctx = b.getContext();
  Value x = op->getOperand(0);
  RankedTensorType in = tt(x);
  unsigned rank = in.getRank();
  SmallVector<bool> reduced = reducedDims(rank, {axis});
  SmallVector<int64_t> kept;
  for (unsigned d = 0; d < rank; ++d)
    if (!reduced[d])
      kept.push_back(in.getDimSize(d));
  auto statsT = RankedTensorType::get(kept, in.getElementType());
  auto [max, sum] = expStats(b, loc, x, reduced, statsT);
  AffineMap k = keptMap(ctx, rank, reduced);
  return elementwise(
      b, loc, in, ValueRange{x, max, sum},
      {b.getMultiDimIdentityMap(rank), k, k},
      [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
        Value d = arith::SubFOp::create(nb, l, a[0], finiteShift(nb, l, a[1]));
        if (log)
          return arith::SubFOp::create(nb, l, d,
                                       math::LogOp::create(nb, l, a[2]));
        return arith::DivFOp::create(nb, l, math::ExpOp::create(nb, l, d),
                                     a[2]);
      });
}

//===----------------------------------------------------------------------===//
// Losses added for the common layers
//===----------------------------------------------------------------------===//

/// mean over the elements of the valid rows of perElement(pred, target).
Value lowerPairLoss(OpBuilder &b, Operation *op, Value pred, Value target,
                    Value mask, BodyFn perElement) {
  Location loc = op->getLoc();
  MLIRContext *ctx = b.getContext();
  RankedTensorType pt = tt(pred);
  unsigned rank = pt.getRank();
  Type elem = pt.getElementType();
  auto scalar = RankedTensorType::get({}, elem);
  SmallVector<Value> ins{pred, target};
  SmallVector<AffineMap> maps(2, b.getMultiDimIdentityMap(rank));
  if (mask) {
    ins.push_back(mask);
    maps.push_back(rowMap(ctx, rank));
  }
  Value total =
      reduction(b, loc, scalar, rank, SmallVector<bool>(rank, true), ins, maps,
                0.0, [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
                  Value v = perElement(nb, l, a.take_front(2));
                  if (mask)
                    v = arith::MulFOp::create(nb, l, v, a[2]);
                  return arith::AddFOp::create(nb, l, a.back(), v);
                });
  int64_t perRow = rank ? pt.getNumElements() / pt.getDimSize(0) : 1;
  int64_t rows = rank ? pt.getDimSize(0) : 1;
  Value count = rowCount(b, loc, mask, rows, elem);
  Value per = floatConst(b, loc, elem, double(perRow));
  return elementwise(b, loc, scalar, ValueRange{total, count},
                     {scalarMap(ctx, 0), scalarMap(ctx, 0)},
                     [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
                       Value n = arith::MulFOp::create(nb, l, a[1], per);
                       return arith::DivFOp::create(nb, l, a[0], n);
                     });
}

/// grad / count * derivative(pred, target), times the row mask.
Value lowerPairLossGrad(OpBuilder &b, Operation *op, Value grad, Value pred,
                        Value target, Value mask, BodyFn derivative) {
  Location loc = op->getLoc();
  MLIRContext *ctx = b.getContext();
  RankedTensorType pt = tt(pred);
  unsigned rank = pt.getRank();
  Type elem = pt.getElementType();
  int64_t perRow = rank ? pt.getNumElements() / pt.getDimSize(0) : 1;
  int64_t rows = rank ? pt.getDimSize(0) : 1;
  Value count = rowCount(b, loc, mask, rows, elem);
  Value inv = floatConst(b, loc, elem, 1.0 / double(perRow));
  SmallVector<Value> ins{grad, count, pred, target};
  SmallVector<AffineMap> maps{scalarMap(ctx, rank), scalarMap(ctx, rank),
                              b.getMultiDimIdentityMap(rank),
                              b.getMultiDimIdentityMap(rank)};
  if (mask) {
    ins.push_back(mask);
    maps.push_back(rowMap(ctx, rank));
  }
  return elementwise(b, loc, pt, ins, maps,
                     [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
                       Value d = derivative(nb, l, a.slice(2, 2));
                       Value s = arith::DivFOp::create(nb, l, a[0], a[1]);
                       s = arith::MulFOp::create(nb, l, s, inv);
                       if (mask)
                         s = arith::MulFOp::create(nb, l, s, a[4]);
                       return arith::MulFOp::create(nb, l, d, s);
                     });
}

Value l1Element(OpBuilder &b, Location l, ValueRange a) {
  Value d = arith::SubFOp::create(b, l, a[0], a[1]);
  return math::AbsFOp::create(b, l, d);
}

Value l1Derivative(OpBuilder &b, Location l, ValueRange a) {
  // sign(pred - target), 0 at 0.
  Value d = arith::SubFOp::create(b, l, a[0], a[1]);
  Type elem = d.getType();
  Value zero = floatConst(b, l, elem, 0.0);
  Value pos = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGT, d, zero);
  Value neg = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OLT, d, zero);
  return arith::SubFOp::create(b, l, maskOf(b, l, pos, elem),
                               maskOf(b, l, neg, elem));
}

Value lowerHuber(OpBuilder &b, mdl::HuberOp op) {
  double delta = op.getDelta().convertToDouble();
  return lowerPairLoss(
      b, op, op.getPred(), op.getTarget(), op.getMask(),
      [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
        Value d = arith::SubFOp::create(nb, l, a[0], a[1]);
        Value ad = math::AbsFOp::create(nb, l, d);
        Value dl = cst(nb, l, d, delta);
        Value quad = arith::MulFOp::create(nb, l, cst(nb, l, d, 0.5),
                                           arith::MulFOp::create(nb, l, d, d));
        Value lin = arith::MulFOp::create(
            nb, l, dl,
            arith::SubFOp::create(nb, l, ad, cst(nb, l, d, 0.5 * delta)));
        Value small =
            arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OLT, ad, dl);
        return arith::SelectOp::create(nb, l, small, quad, lin);
      });
}

Value lowerHuberGrad(OpBuilder &b, mdl::HuberGradOp op) {
  double delta = op.getDelta().convertToDouble();
  return lowerPairLossGrad(
      b, op, op.getGrad(), op.getPred(), op.getTarget(), op.getMask(),
      [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
        // clamp(d, -delta, delta)
        Value d = arith::SubFOp::create(nb, l, a[0], a[1]);
        Value lo = arith::MaximumFOp::create(nb, l, d, cst(nb, l, d, -delta));
        return arith::MinimumFOp::create(nb, l, lo, cst(nb, l, d, delta));
      });
}

Value lowerBce(OpBuilder &b, mdl::BceWithLogitsOp op) {
  return lowerPairLoss(b, op, op.getPred(), op.getTarget(), op.getMask(),
                       [](OpBuilder &nb, Location l, ValueRange a) -> Value {
                         // max(x, 0) - x t + log1p(exp(-|x|)) = softplus(x) - x
                         // t.
                         Value xt = arith::MulFOp::create(nb, l, a[0], a[1]);
                         return arith::SubFOp::create(
                             nb, l, softplusOf(nb, l, a[0]), xt);
                       });
}

Value lowerBceGrad(OpBuilder &b, mdl::BceWithLogitsGradOp op) {
  bool wrtTarget = op.getWrtTarget();
  return lowerPairLossGrad(
      b, op, op.getGrad(), op.getPred(), op.getTarget(), op.getMask(),
      [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
        if (wrtTarget)
          return arith::NegFOp::create(nb, l, a[0]);
        return arith::SubFOp::create(nb, l, sigmoidOf(nb, l, a[0]), a[1]);
      });
}

Value lowerNll(OpBuilder &b, mdl::NllOp op) {
  Location loc = op.getLoc();
  MLIRContext *ctx = b.getContext();
  RankedTensorType lt = tt(op.getLogProbs());
  Type elem = lt.getElementType();
  auto scalar = RankedTensorType::get({}, elem);
  Value logp = op.getLogProbs();
  Value mask = op.getMask();
  SmallVector<Value> ins{op.getLabels()};
  if (mask)
    ins.push_back(mask);
  SmallVector<AffineMap> maps(ins.size(), b.getMultiDimIdentityMap(1));
  Value total = reduction(
      b, loc, scalar, 1, {true}, ins, maps, 0.0,
      [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
        Value row = linalg::IndexOp::create(nb, l, 0);
        Value col = arith::IndexCastOp::create(nb, l, nb.getIndexType(), a[0]);
        Value picked =
            tensor::ExtractOp::create(nb, l, logp, ValueRange{row, col});
        if (mask)
          picked = arith::MulFOp::create(nb, l, picked, a[1]);
        return arith::SubFOp::create(nb, l, a.back(), picked);
      });
  Value count = rowCount(b, loc, mask, lt.getDimSize(0), elem);
  return elementwise(b, loc, scalar, ValueRange{total, count},
                     {scalarMap(ctx, 0), scalarMap(ctx, 0)},
                     [](OpBuilder &nb, Location l, ValueRange a) -> Value {
                       return arith::DivFOp::create(nb, l, a[0], a[1]);
                     });
}

Value lowerNllGrad(OpBuilder &b, mdl::NllGradOp op) {
  Location loc = op.getLoc();
  MLIRContext *ctx = b.getContext();
  RankedTensorType lt = tt(op.getLogProbs());
  Type elem = lt.getElementType();
  Value mask = op.getMask();
  Value count = rowCount(b, loc, mask, lt.getDimSize(0), elem);
  SmallVector<Value> ins{op.getLabels(), op.getGrad(), count};
  SmallVector<AffineMap> maps{rowMap(ctx, 2), scalarMap(ctx, 2),
                              scalarMap(ctx, 2)};
  if (mask) {
    ins.push_back(mask);
    maps.push_back(rowMap(ctx, 2));
  }
  Value zero = floatConst(b, loc, elem, 0.0);
  return elementwise(
      b, loc, lt, ins, maps,
      [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
        Value col = linalg::IndexOp::create(nb, l, 1);
        Value label =
            arith::IndexCastOp::create(nb, l, nb.getIndexType(), a[0]);
        Value hit =
            arith::CmpIOp::create(nb, l, arith::CmpIPredicate::eq, col, label);
        Value s = arith::DivFOp::create(nb, l, a[1], a[2]);
        if (mask)
          s = arith::MulFOp::create(nb, l, s, a[3]);
        return arith::SelectOp::create(nb, l, hit,
                                       arith::NegFOp::create(nb, l, s), zero);
      });
}

/// softmax_cross_entropy against float targets (probabilities):
/// mean_i sum_c t[i, c] (m_i + log s_i - x[i, c]) over valid rows.
Value lowerSoftXent(OpBuilder &b, mdl::SoftmaxCrossEntropyOp op) {
  Location loc = op.getLoc();
  MLIRContext *ctx = b.getContext();
  RankedTensorType lt = tt(op.getLogits());
  Type elem = lt.getElementType();
  auto scalar = RankedTensorType::get({}, elem);
  auto [max, sum] = softmaxStats(b, loc, op.getLogits());
  Value mask = op.getMask();
  SmallVector<Value> ins{op.getLogits(), op.getLabels(), max, sum};
  SmallVector<AffineMap> maps{b.getMultiDimIdentityMap(2),
                              b.getMultiDimIdentityMap(2), rowMap(ctx, 2),
                              rowMap(ctx, 2)};
  if (mask) {
    ins.push_back(mask);
    maps.push_back(rowMap(ctx, 2));
  }
  Value total =
      reduction(b, loc, scalar, 2, {true, true}, ins, maps, 0.0,
                [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
                  Value lse = arith::AddFOp::create(
                      nb, l, a[2], math::LogOp::create(nb, l, a[3]));
                  Value nlp = arith::SubFOp::create(nb, l, lse, a[0]);
                  Value v = arith::MulFOp::create(nb, l, a[1], nlp);
                  if (mask)
                    v = arith::MulFOp::create(nb, l, v, a[4]);
                  return arith::AddFOp::create(nb, l, a.back(), v);
                });
  Value count = rowCount(b, loc, mask, lt.getDimSize(0), elem);
  return elementwise(b, loc, scalar, ValueRange{total, count},
                     {scalarMap(ctx, 0), scalarMap(ctx, 0)},
                     [](OpBuilder &nb, Location l, ValueRange a) -> Value {
                       return arith::DivFOp::create(nb, l, a[0], a[1]);
                     });
}

/// Adjoint of the float-target softmax_cross_entropy: with respect to the
/// logits, (softmax * sum_c t - t) * grad / count; with respect to the
/// targets, (m + log s - x) * grad / count (valid rows only).
Value lowerSoftXentGrad(OpBuilder &b, mdl::SoftmaxCrossEntropyGradOp op) {
  Location loc = op.getLoc();
  MLIRContext *ctx = b.getContext();
  RankedTensorType lt = tt(op.getLogits());
  Type elem = lt.getElementType();
  bool wrtTargets = op.getWrtTargets();
  auto [max, sum] = softmaxStats(b, loc, op.getLogits());
  Value mask = op.getMask();
  Value count = rowCount(b, loc, mask, lt.getDimSize(0), elem);
  SmallVector<Value> ins{op.getLogits(), op.getLabels(), max, sum,
                         op.getGrad(),   count};
  SmallVector<AffineMap> maps{b.getMultiDimIdentityMap(2),
                              b.getMultiDimIdentityMap(2),
                              rowMap(ctx, 2),
                              rowMap(ctx, 2),
                              scalarMap(ctx, 2),
                              scalarMap(ctx, 2)};
  if (!wrtTargets) {
    auto rowsT = RankedTensorType::get({lt.getDimSize(0)}, elem);
    Value tsum = lowerSum(b, loc, op.getLabels(), {1}, rowsT, 1.0);
    ins.push_back(tsum);
    maps.push_back(rowMap(ctx, 2));
  }
  if (mask) {
    ins.push_back(mask);
    maps.push_back(rowMap(ctx, 2));
  }
  return elementwise(
      b, loc, lt, ins, maps,
      [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
        Value d = arith::SubFOp::create(nb, l, a[0], a[2]);
        Value g;
        if (wrtTargets) {
          // -log_softmax = log s - (x - m)
          g = arith::SubFOp::create(nb, l, math::LogOp::create(nb, l, a[3]), d);
        } else {
          Value p =
              arith::DivFOp::create(nb, l, math::ExpOp::create(nb, l, d), a[3]);
          g = arith::SubFOp::create(
              nb, l, arith::MulFOp::create(nb, l, p, a[6]), a[1]);
        }
        Value scale = arith::DivFOp::create(nb, l, a[4], a[5]);
        if (mask)
          scale = arith::MulFOp::create(nb, l, scale, a.drop_back().back());
        return arith::MulFOp::create(nb, l, g, scale);
      });
}

bool hasFloatTargets(Value labels) {
  return isa<FloatType>(tt(labels).getElementType());
}

Value lower(OpBuilder &b, Operation *op) {
  return llvm::TypeSwitch<Operation *, Value>(op)
      .Case([&](mdl::AddOp) { return lowerBinary<arith::AddFOp>(b, op); })
      .Case([&](mdl::SubOp) { return lowerBinary<arith::SubFOp>(b, op); })
      .Case([&](mdl::MulOp) { return lowerBinary<arith::MulFOp>(b, op); })
      .Case([&](mdl::DivOp) { return lowerBinary<arith::DivFOp>(b, op); })
      .Case([&](mdl::NegOp) { return lowerUnaryOp<arith::NegFOp>(b, op); })
      .Case([&](mdl::ReluOp) {
        Type elem = tt(op->getOperand(0)).getElementType();
        return lowerUnary(b, op, [&](OpBuilder &nb, Location l, ValueRange a) {
          Value zero = floatConst(nb, l, elem, 0.0);
          return arith::MaximumFOp::create(nb, l, a[0], zero).getResult();
        });
      })
      .Case([&](mdl::SigmoidOp) {
        Type elem = tt(op->getOperand(0)).getElementType();
        return lowerUnary(b, op, [&](OpBuilder &nb, Location l, ValueRange a) {
          // 1 / (1 + exp(-x)): exp overflows to inf for very negative x and
          // the quotient is then exactly 0, never NaN.
          Value one = floatConst(nb, l, elem, 1.0);
          Value e =
              math::ExpOp::create(nb, l, arith::NegFOp::create(nb, l, a[0]));
          Value d = arith::AddFOp::create(nb, l, one, e);
          return arith::DivFOp::create(nb, l, one, d).getResult();
        });
      })
      .Case([&](mdl::TanhOp) { return lowerUnaryOp<math::TanhOp>(b, op); })
      .Case([&](mdl::ReluGradOp rg) {
        RankedTensorType t = rg.getType();
        Type elem = t.getElementType();
        return elementwise(
            b, op->getLoc(), t, op->getOperands(),
            {b.getMultiDimIdentityMap(t.getRank()),
             b.getMultiDimIdentityMap(t.getRank())},
            [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
              Value zero = floatConst(nb, l, elem, 0.0);
              Value pos = arith::CmpFOp::create(
                  nb, l, arith::CmpFPredicate::OGT, a[0], zero);
              return arith::SelectOp::create(nb, l, pos, a[1], zero);
            });
      })
      .Case([&](mdl::ExpOp) { return lowerUnaryOp<math::ExpOp>(b, op); })
      .Case([&](mdl::LogOp) { return lowerUnaryOp<math::LogOp>(b, op); })
      .Case([&](mdl::Log1pOp) { return lowerUnaryOp<math::Log1pOp>(b, op); })
      .Case([&](mdl::SqrtOp) { return lowerUnaryOp<math::SqrtOp>(b, op); })
      .Case([&](mdl::RsqrtOp) { return lowerUnaryOp<math::RsqrtOp>(b, op); })
      .Case([&](mdl::AbsOp) { return lowerUnaryOp<math::AbsFOp>(b, op); })
      .Case([&](mdl::ReciprocalOp) {
        return lowerUnary(b, op, [](OpBuilder &nb, Location l, ValueRange a) {
          return arith::DivFOp::create(nb, l, cst(nb, l, a[0], 1.0), a[0])
              .getResult();
        });
      })
      .Case([&](mdl::SinOp) { return lowerUnaryOp<math::SinOp>(b, op); })
      .Case([&](mdl::CosOp) { return lowerUnaryOp<math::CosOp>(b, op); })
      .Case([&](mdl::SoftplusOp) {
        return lowerUnary(b, op, [](OpBuilder &nb, Location l, ValueRange a) {
          return softplusOf(nb, l, a[0]);
        });
      })
      .Case([&](mdl::SiluOp) {
        return lowerUnary(b, op, [](OpBuilder &nb, Location l, ValueRange a) {
          return arith::MulFOp::create(nb, l, a[0], sigmoidOf(nb, l, a[0]))
              .getResult();
        });
      })
      .Case([&](mdl::LeakyReluOp o) {
        double slope = o.getNegativeSlope().convertToDouble();
        return lowerUnary(b, op, [&](OpBuilder &nb, Location l, ValueRange a) {
          Value pos = arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OGT,
                                            a[0], cst(nb, l, a[0], 0.0));
          Value neg =
              arith::MulFOp::create(nb, l, a[0], cst(nb, l, a[0], slope));
          return arith::SelectOp::create(nb, l, pos, a[0], neg).getResult();
        });
      })
      .Case([&](mdl::EluOp o) {
        double alpha = o.getAlpha().convertToDouble();
        return lowerUnary(b, op, [&](OpBuilder &nb, Location l, ValueRange a) {
          Value pos = arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OGT,
                                            a[0], cst(nb, l, a[0], 0.0));
          Value em1 = math::ExpM1Op::create(nb, l, a[0]);
          Value neg =
              arith::MulFOp::create(nb, l, em1, cst(nb, l, a[0], alpha));
          return arith::SelectOp::create(nb, l, pos, a[0], neg).getResult();
        });
      })
      .Case([&](mdl::GeluOp o) {
        bool t = o.getTanh();
        return lowerUnary(b, op, [&](OpBuilder &nb, Location l, ValueRange a) {
          return geluOf(nb, l, a[0], t);
        });
      })
      .Case([&](mdl::GeluGradOp o) {
        bool tf = o.getTanh();
        RankedTensorType t = o.getType();
        AffineMap id = b.getMultiDimIdentityMap(t.getRank());
        return elementwise(
            b, op->getLoc(), t, op->getOperands(), {id, id},
            [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
              return arith::MulFOp::create(nb, l, a[1],
                                           geluDerivative(nb, l, a[0], tf));
            });
      })
      .Case([&](mdl::ClampOp o) {
        std::optional<double> lo, hi;
        if (auto m = o.getMinAttr())
          lo = m.getValueAsDouble();
        if (auto m = o.getMaxAttr())
          hi = m.getValueAsDouble();
        return lowerUnary(b, op, [&](OpBuilder &nb, Location l, ValueRange a) {
          Value v = a[0];
          if (lo)
            v = arith::MaximumFOp::create(nb, l, v, cst(nb, l, v, *lo));
          if (hi)
            v = arith::MinimumFOp::create(nb, l, v, cst(nb, l, v, *hi));
          return v;
        });
      })
      .Case([&](mdl::PowOp o) { return lowerPow(b, o); })
      .Case(
          [&](mdl::MaximumOp) { return lowerBinary<arith::MaximumFOp>(b, op); })
      .Case(
          [&](mdl::MinimumOp) { return lowerBinary<arith::MinimumFOp>(b, op); })
      .Case([&](mdl::GreaterOp) {
        return lowerCompare<arith::CmpFPredicate::OGT>(b, op);
      })
      .Case([&](mdl::GreaterEqualOp) {
        return lowerCompare<arith::CmpFPredicate::OGE>(b, op);
      })
      .Case([&](mdl::LessOp) {
        return lowerCompare<arith::CmpFPredicate::OLT>(b, op);
      })
      .Case([&](mdl::LessEqualOp) {
        return lowerCompare<arith::CmpFPredicate::OLE>(b, op);
      })
      .Case([&](mdl::EqualOp) {
        return lowerCompare<arith::CmpFPredicate::OEQ>(b, op);
      })
      .Case([&](mdl::NotEqualOp) {
        return lowerCompare<arith::CmpFPredicate::UNE>(b, op);
      })
      .Case([&](mdl::WhereOp o) { return lowerWhere(b, o); })
      .Case([&](mdl::MaxOp o) {
        return reduceExtremum(
            b, o.getLoc(), o.getInput(),
            reducedDims(tt(o.getInput()).getRank(), o.getAxes()), o.getType(),
            /*isMax=*/true);
      })
      .Case([&](mdl::MinOp o) {
        return reduceExtremum(
            b, o.getLoc(), o.getInput(),
            reducedDims(tt(o.getInput()).getRank(), o.getAxes()), o.getType(),
            /*isMax=*/false);
      })
      .Case([&](mdl::LogSumExpOp o) { return lowerLogSumExp(b, o); })
      .Case([&](mdl::VarianceOp o) { return lowerVariance(b, o); })
      .Case([&](mdl::SoftmaxOp o) {
        return lowerSoftmaxLike(b, op, o.getAxis(), /*log=*/false);
      })
      .Case([&](mdl::LogSoftmaxOp o) {
        return lowerSoftmaxLike(b, op, o.getAxis(), /*log=*/true);
      })
      .Case([&](mdl::L1Op o) {
        return lowerPairLoss(b, op, o.getPred(), o.getTarget(), o.getMask(),
                             l1Element);
      })
      .Case([&](mdl::L1GradOp o) {
        return lowerPairLossGrad(b, op, o.getGrad(), o.getPred(), o.getTarget(),
                                 o.getMask(), l1Derivative);
      })
      .Case([&](mdl::HuberOp o) { return lowerHuber(b, o); })
      .Case([&](mdl::HuberGradOp o) { return lowerHuberGrad(b, o); })
      .Case([&](mdl::BceWithLogitsOp o) { return lowerBce(b, o); })
      .Case([&](mdl::BceWithLogitsGradOp o) { return lowerBceGrad(b, o); })
      .Case([&](mdl::NllOp o) { return lowerNll(b, o); })
      .Case([&](mdl::NllGradOp o) { return lowerNllGrad(b, o); })
      .Case([&](mdl::MatmulOp mm) { return lowerMatmul(b, mm); })
      .Case([&](mdl::SumOp s) {
        return lowerSum(b, s.getLoc(), s.getInput(), s.getAxes(), s.getType(),
                        1.0);
      })
      .Case([&](mdl::MeanOp s) {
        int64_t count = 1;
        for (int64_t a : s.getAxes())
          count *= tt(s.getInput()).getDimSize(a);
        return lowerSum(b, s.getLoc(), s.getInput(), s.getAxes(), s.getType(),
                        1.0 / double(count));
      })
      .Case([&](mdl::BroadcastInDimOp o) { return lowerBroadcastInDim(b, o); })
      .Case([&](mdl::ReshapeOp o) { return lowerReshape(b, o); })
      .Case([&](mdl::MseOp o) { return lowerMse(b, o); })
      .Case([&](mdl::MseGradOp o) { return lowerMseGrad(b, o); })
      .Case([&](mdl::SoftmaxCrossEntropyOp o) {
        return hasFloatTargets(o.getLabels()) ? lowerSoftXent(b, o)
                                              : lowerSoftmaxXent(b, o);
      })
      .Case([&](mdl::SoftmaxCrossEntropyGradOp o) {
        return hasFloatTargets(o.getLabels()) ? lowerSoftXentGrad(b, o)
                                              : lowerSoftmaxXentGrad(b, o);
      })
      .Default([&](Operation *) {
        if (Value v = lowerNormOp(b, op))
          return v;
        if (Value v = lowerVisionOp(b, op))
          return v;
        return lowerShapeOp(b, op);
      });
}

struct MdlToLinalgPass
    : public adjoint::impl::ConvertMdlToLinalgBase<MdlToLinalgPass> {
  void runOnOperation() override {
    expandNormOps(getOperation());
    lowerScansToLoops(getOperation());
    SmallVector<Operation *> ops;
    getOperation().walk([&](Operation *op) {
      if (isa<mdl::MdlDialect>(op->getDialect()) &&
          !isa<mdl::ParamOp, mdl::TrainOp>(op))
        ops.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (Operation *op : ops) {
      rewriter.setInsertionPoint(op);
      Operation *before = op->getPrevNode();
      Value v = lower(rewriter, op);
      if (!v) {
        op->emitError("no lowering to linalg for '") << op->getName() << "'";
        return signalPassFailure();
      }
      // A recomputed forward value stays distinct from its original.
      if (op->hasAttr(kRematAttr))
        for (Operation *it = before ? before->getNextNode()
                                    : &op->getBlock()->front();
             it != op; it = it->getNextNode())
          it->setAttr(kRematAttr, rewriter.getUnitAttr());
      rewriter.replaceOp(op, v);
    }
  }
};

} // namespace
