//===- NormToLinalg.cpp - Lower normalization, embedding, dropout ---------===//
//
// layer_norm and batch_norm are expanded into primitive mdl ops before the
// op-by-op lowering: their value is a fused *adjoint* (saved statistics, a
// three-term reverse rule), while their forward is reductions and
// broadcasting elementwise ops that already lower and fuse well. dropout
// becomes one elementwise generic that hashes the element index;
// embedding a gather generic; embedding_grad a scatter-add loop.
//
//===----------------------------------------------------------------------===//

#include "compiler/conversion/MdlToLinalg/NormToLinalg.h"

#include "compiler/Passes.h"
#include "compiler/conversion/LinalgBuilders.h"

#include <cmath>

using namespace mlir;
using namespace adjoint;

namespace {

RankedTensorType rtt(Value v) { return cast<RankedTensorType>(v.getType()); }

Value scalarOf(OpBuilder &b, Location loc, Type elem, double v) {
  return mdl::splatConstant(b, loc, RankedTensorType::get({}, elem), v);
}

template <typename OpTy>
Value bin(OpBuilder &b, Location loc, Value l, Value r) {
  auto shape = mdl::broadcastShapes(rtt(l).getShape(), rtt(r).getShape());
  assert(shape && "operands must broadcast");
  return OpTy::create(
      b, loc, RankedTensorType::get(*shape, rtt(l).getElementType()), l, r);
}

Value reduce(OpBuilder &b, Location loc, Value v, ArrayRef<int64_t> axes,
             bool mean) {
  RankedTensorType t = rtt(v);
  SmallVector<int64_t> kept;
  for (int64_t i = 0; i < t.getRank(); ++i)
    if (!llvm::is_contained(axes, i))
      kept.push_back(t.getDimSize(i));
  auto type = RankedTensorType::get(kept, t.getElementType());
  auto attr = b.getDenseI64ArrayAttr(axes);
  if (mean)
    return mdl::MeanOp::create(b, loc, type, v, attr);
  return mdl::SumOp::create(b, loc, type, v, attr);
}

void expandLayerNorm(OpBuilder &b, mdl::LayerNormOp op) {
  Location loc = op.getLoc();
  Value x = op.getInput();
  RankedTensorType in = rtt(x);
  ArrayRef<int64_t> axes = op.getAxes();
  SmallVector<int64_t> kept;
  for (int64_t i = 0; i < in.getRank(); ++i)
    if (!llvm::is_contained(axes, i))
      kept.push_back(i);
  auto back = [&](Value v) {
    return mdl::BroadcastInDimOp::create(b, loc, in, v,
                                         b.getDenseI64ArrayAttr(kept))
        .getResult();
  };
  auto along = [&](Value p) -> Value {
    if (rtt(p).getRank() == 0)
      return p;
    return mdl::BroadcastInDimOp::create(b, loc, in, p,
                                         b.getDenseI64ArrayAttr(axes));
  };
  Type elem = in.getElementType();
  Value mean = reduce(b, loc, x, axes, /*mean=*/true);
  Value centered = bin<mdl::SubOp>(b, loc, x, back(mean));
  Value var =
      reduce(b, loc, bin<mdl::MulOp>(b, loc, centered, centered), axes, true);
  Value rstd = mdl::RsqrtOp::create(
      b, loc,
      bin<mdl::AddOp>(b, loc, var,
                      scalarOf(b, loc, elem, op.getEps().convertToDouble())));
  Value y = bin<mdl::MulOp>(b, loc, centered, back(rstd));
  y = bin<mdl::MulOp>(b, loc, y, along(op.getGamma()));
  y = bin<mdl::AddOp>(b, loc, y, along(op.getBeta()));
  op.getResult().replaceAllUsesWith(y);
  op.getMean().replaceAllUsesWith(mean);
  op.getRstd().replaceAllUsesWith(rstd);
  op.erase();
}

void expandBatchNorm(OpBuilder &b, mdl::BatchNormOp op) {
  Location loc = op.getLoc();
  Value x = op.getInput();
  RankedTensorType in = rtt(x);
  Type elem = in.getElementType();
  int64_t rank = in.getRank();
  SmallVector<int64_t> rows;
  for (int64_t i = 0; i + 1 < rank; ++i)
    rows.push_back(i);
  Value mean, var, centered;
  if (Value mask = op.getMask()) {
    // Statistics of the valid rows: n = sum(mask) * other sizes.
    int64_t others = 1;
    for (int64_t i = 1; i + 1 < rank; ++i)
      others *= in.getDimSize(i);
    Value m = mdl::BroadcastInDimOp::create(b, loc, in, mask,
                                            b.getDenseI64ArrayAttr({0}));
    Value n = reduce(b, loc, mask, {0}, false);
    if (others != 1)
      n = bin<mdl::MulOp>(b, loc, n, scalarOf(b, loc, elem, double(others)));
    mean = bin<mdl::DivOp>(
        b, loc, reduce(b, loc, bin<mdl::MulOp>(b, loc, x, m), rows, false), n);
    centered = bin<mdl::SubOp>(b, loc, x, mean);
    Value cm = bin<mdl::MulOp>(b, loc, centered, m);
    var = bin<mdl::DivOp>(
        b, loc, reduce(b, loc, bin<mdl::MulOp>(b, loc, cm, cm), rows, false),
        n);
  } else {
    mean = reduce(b, loc, x, rows, /*mean=*/true);
    centered = bin<mdl::SubOp>(b, loc, x, mean);
    var =
        reduce(b, loc, bin<mdl::MulOp>(b, loc, centered, centered), rows, true);
  }
  Value rstd = mdl::RsqrtOp::create(
      b, loc,
      bin<mdl::AddOp>(b, loc, var,
                      scalarOf(b, loc, elem, op.getEps().convertToDouble())));
  Value y = bin<mdl::MulOp>(b, loc, centered,
                            bin<mdl::MulOp>(b, loc, op.getGamma(), rstd));
  y = bin<mdl::AddOp>(b, loc, y, op.getBeta());
  op.getResult().replaceAllUsesWith(y);
  op.getMean().replaceAllUsesWith(mean);
  op.getVar().replaceAllUsesWith(var);
  op.erase();
}

//===----------------------------------------------------------------------===//
// The dropout hash (documented in LANGUAGE.md; the tests reimplement it)
//===----------------------------------------------------------------------===//

constexpr uint32_t kGolden = 0x9E3779B9u;
constexpr uint32_t kMix1 = 0x85EBCA6Bu;
constexpr uint32_t kMix2 = 0xC2B2AE35u;

/// murmur3's 32-bit finalizer.
constexpr uint32_t fmix32(uint32_t h) {
  h ^= h >> 16;
  h *= kMix1;
  h ^= h >> 13;
  h *= kMix2;
  h ^= h >> 16;
  return h;
}

struct I32 {
  OpBuilder &b;
  Location loc;
  Value c(uint32_t v) {
    return arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(int32_t(v)));
  }
  Value xor_(Value x, Value y) { return arith::XOrIOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulIOp::create(b, loc, x, y); }
  Value shr(Value x, uint32_t s) {
    return arith::ShRUIOp::create(b, loc, x, c(s));
  }
  Value fmix(Value h) {
    h = xor_(h, shr(h, 16));
    h = mul(h, c(kMix1));
    h = xor_(h, shr(h, 13));
    h = mul(h, c(kMix2));
    return xor_(h, shr(h, 16));
  }
};

Value lowerDropout(OpBuilder &b, mdl::DropoutOp op) {
  Location loc = op.getLoc();
  RankedTensorType t = op.getType();
  Type elem = t.getElementType();
  double p = op.getP().convertToDouble();
  // The per-call key: fmix(fmix(fmix(seed ^ golden) ^ stream) ^ step); the
  // first two levels are constants.
  uint32_t k1 = fmix32(fmix32(uint32_t(op.getSeed()) ^ kGolden) ^
                       uint32_t(op.getStream()));
  // keep <=> (h >> 8) * 2^-24 >= p <=> (h >> 8) >= ceil(p * 2^24).
  uint32_t threshold = uint32_t(std::ceil(p * 16777216.0));
  double scale = 1.0 / (1.0 - p);
  I32 i{b, loc};
  Value step = tensor::ExtractOp::create(b, loc, op.getStep(), ValueRange{});
  Value key = i.fmix(i.xor_(i.c(k1), step));
  int64_t rank = t.getRank();
  return elementwise(
      b, loc, t, ValueRange{op.getInput()}, {b.getMultiDimIdentityMap(rank)},
      [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
        I32 n{nb, l};
        // Row-major element index (mod 2^32).
        Value idx = arith::ConstantIndexOp::create(nb, l, 0);
        for (int64_t d = 0; d < rank; ++d) {
          Value size = arith::ConstantIndexOp::create(nb, l, t.getDimSize(d));
          idx = arith::AddIOp::create(nb, l,
                                      arith::MulIOp::create(nb, l, idx, size),
                                      linalg::IndexOp::create(nb, l, d));
        }
        Value e = arith::IndexCastOp::create(nb, l, nb.getI32Type(), idx);
        Value h = n.fmix(n.xor_(key, n.mul(e, n.c(kGolden))));
        Value keep = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::uge,
                                           n.shr(h, 8), n.c(threshold));
        Value scaled =
            arith::MulFOp::create(nb, l, a[0], floatConst(nb, l, elem, scale));
        return arith::SelectOp::create(nb, l, keep, scaled,
                                       floatConst(nb, l, elem, 0.0));
      });
}

/// result[i..., d] = table[ids[i...], d], a zero row for ids out of range.
Value lowerEmbedding(OpBuilder &b, mdl::EmbeddingOp op) {
  Location loc = op.getLoc();
  MLIRContext *ctx = b.getContext();
  RankedTensorType res = op.getType();
  Value table = op.getTable();
  int64_t vocab = rtt(table).getDimSize(0);
  Type elem = res.getElementType();
  unsigned rank = res.getRank();
  SmallVector<AffineExpr> idExprs;
  for (unsigned d = 0; d + 1 < rank; ++d)
    idExprs.push_back(getAffineDimExpr(d, ctx));
  return elementwise(
      b, loc, res, ValueRange{op.getIds()},
      {AffineMap::get(rank, 0, idExprs, ctx)},
      [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
        Value id = a[0];
        Value zero = arith::ConstantIntOp::create(nb, l, nb.getI32Type(), 0);
        Value v = arith::ConstantIntOp::create(nb, l, nb.getI32Type(), vocab);
        Value ok = arith::AndIOp::create(
            nb, l,
            arith::CmpIOp::create(nb, l, arith::CmpIPredicate::sge, id, zero),
            arith::CmpIOp::create(nb, l, arith::CmpIPredicate::slt, id, v));
        Value safe = arith::SelectOp::create(nb, l, ok, id, zero);
        Value row = arith::IndexCastOp::create(nb, l, nb.getIndexType(), safe);
        Value col = linalg::IndexOp::create(nb, l, rank - 1);
        Value x = tensor::ExtractOp::create(nb, l, table, ValueRange{row, col});
        return arith::SelectOp::create(nb, l, ok, x,
                                       floatConst(nb, l, elem, 0.0));
      });
}

/// table_grad[ids[n], d] += grad[n, d] over the flattened ids, in order.
Value lowerEmbeddingGrad(OpBuilder &b, mdl::EmbeddingGradOp op) {
  Location loc = op.getLoc();
  RankedTensorType res = op.getType();
  Value grad = op.getGrad(), ids = op.getIds();
  RankedTensorType it = rtt(ids);
  int64_t vocab = res.getDimSize(0), width = res.getDimSize(1);
  int64_t count = it.getNumElements();
  // Flatten ids to [N] and grad to [N, D].
  auto collapseAll = [&](Value v, int64_t keepLast) -> Value {
    RankedTensorType vt = rtt(v);
    int64_t lead = vt.getRank() - keepLast;
    if (lead == 1)
      return v;
    SmallVector<int64_t> shape{count};
    ReassociationIndices first;
    for (int64_t i = 0; i < lead; ++i)
      first.push_back(i);
    SmallVector<ReassociationIndices> re{first};
    if (keepLast) {
      shape.push_back(width);
      re.push_back({lead});
    }
    auto type = RankedTensorType::get(shape, vt.getElementType());
    if (lead == 0)
      return tensor::ExpandShapeOp::create(
          b, loc, type, v,
          keepLast ? SmallVector<ReassociationIndices>{{0, 1}}
                   : SmallVector<ReassociationIndices>{});
    return tensor::CollapseShapeOp::create(b, loc, type, v, re);
  };
  Value flatIds = collapseAll(ids, 0);
  Value flatGrad = collapseAll(grad, 1);
  Value init = filled(b, loc, res, 0.0);
  Value c0 = arith::ConstantIndexOp::create(b, loc, 0);
  Value c1 = arith::ConstantIndexOp::create(b, loc, 1);
  Value cn = arith::ConstantIndexOp::create(b, loc, count);
  Value cd = arith::ConstantIndexOp::create(b, loc, width);
  auto outer = scf::ForOp::create(
      b, loc, c0, cn, c1, ValueRange{init},
      [&](OpBuilder &ob, Location l, Value n, ValueRange acc) {
        Value id = tensor::ExtractOp::create(ob, l, flatIds, ValueRange{n});
        Value zero = arith::ConstantIntOp::create(ob, l, ob.getI32Type(), 0);
        Value v = arith::ConstantIntOp::create(ob, l, ob.getI32Type(), vocab);
        Value ok = arith::AndIOp::create(
            ob, l,
            arith::CmpIOp::create(ob, l, arith::CmpIPredicate::sge, id, zero),
            arith::CmpIOp::create(ob, l, arith::CmpIPredicate::slt, id, v));
        auto ifOp = scf::IfOp::create(
            ob, l, ok,
            [&](OpBuilder &tb, Location tl) {
              Value row =
                  arith::IndexCastOp::create(tb, tl, tb.getIndexType(), id);
              auto inner = scf::ForOp::create(
                  tb, tl, c0, cd, c1, ValueRange{acc[0]},
                  [&](OpBuilder &ib, Location il, Value d, ValueRange a) {
                    Value g = tensor::ExtractOp::create(ib, il, flatGrad,
                                                        ValueRange{n, d});
                    Value old = tensor::ExtractOp::create(ib, il, a[0],
                                                          ValueRange{row, d});
                    Value sum = arith::AddFOp::create(ib, il, old, g);
                    Value upd = tensor::InsertOp::create(ib, il, sum, a[0],
                                                         ValueRange{row, d});
                    scf::YieldOp::create(ib, il, upd);
                  });
              scf::YieldOp::create(tb, tl, inner.getResult(0));
            },
            [&](OpBuilder &eb, Location el) {
              scf::YieldOp::create(eb, el, acc[0]);
            });
        scf::YieldOp::create(ob, l, ifOp.getResult(0));
      });
  return outer.getResult(0);
}

} // namespace

void adjoint::expandNormOps(Operation *root) {
  SmallVector<Operation *> ops;
  root->walk([&](Operation *op) {
    if (isa<mdl::LayerNormOp, mdl::BatchNormOp, mdl::UpdateBufferOp,
            mdl::RngStepOp>(op))
      ops.push_back(op);
  });
  OpBuilder b(root->getContext());
  for (Operation *op : ops) {
    b.setInsertionPoint(op);
    if (auto ln = dyn_cast<mdl::LayerNormOp>(op)) {
      expandLayerNorm(b, ln);
    } else if (auto bn = dyn_cast<mdl::BatchNormOp>(op)) {
      expandBatchNorm(b, bn);
    } else if (isa<mdl::UpdateBufferOp>(op)) {
      op->erase();
    } else {
      auto t = RankedTensorType::get({}, b.getI32Type());
      Value zero = arith::ConstantOp::create(
          b, op->getLoc(), t,
          DenseElementsAttr::get(t, Attribute(b.getI32IntegerAttr(0))));
      op->getResult(0).replaceAllUsesWith(zero);
      op->erase();
    }
  }
}

Value adjoint::lowerNormOp(OpBuilder &b, Operation *op) {
  if (auto d = dyn_cast<mdl::DropoutOp>(op))
    return lowerDropout(b, d);
  if (auto e = dyn_cast<mdl::EmbeddingOp>(op))
    return lowerEmbedding(b, e);
  if (auto g = dyn_cast<mdl::EmbeddingGradOp>(op))
    return lowerEmbeddingGrad(b, g);
  return Value();
}
