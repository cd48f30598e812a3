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

Value lowerMatmul(OpBuilder &b, mdl::MatmulOp op) {
  Location loc = op.getLoc();
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
  Value rhs = op.getRhs();
  if (op.getTransposeRhs()) {
    RankedTensorType bt = tt(rhs);
    Value empty = tensor::EmptyOp::create(
        b, loc, {bt.getDimSize(1), bt.getDimSize(0)}, bt.getElementType());
    rhs =
        linalg::TransposeOp::create(b, loc, rhs, empty, ArrayRef<int64_t>{1, 0})
            .getResult()[0];
  }
  AffineMap aMap = op.getTransposeLhs() ? map({k, m}) : map({m, k});
  AffineMap bMap = map({k, n});
  AffineMap cMap = map({m, n});
  Value init = filled(b, loc, op.getType(), 0.0);
  auto mm = linalg::MatmulOp::create(
      b, loc, TypeRange{op.getType()}, ValueRange{op.getLhs(), rhs},
      ValueRange{init},
      {b.getNamedAttr("indexing_maps",
                      b.getAffineMapArrayAttr({aMap, bMap, cMap}))});
  return mm.getResult(0);
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

Value lower(OpBuilder &b, Operation *op) {
  return llvm::TypeSwitch<Operation *, Value>(op)
      .Case([&](mdl::AddOp) { return lowerBinary<arith::AddFOp>(b, op); })
      .Case([&](mdl::SubOp) { return lowerBinary<arith::SubFOp>(b, op); })
      .Case([&](mdl::MulOp) { return lowerBinary<arith::MulFOp>(b, op); })
      .Case([&](mdl::DivOp) { return lowerBinary<arith::DivFOp>(b, op); })
      .Case([&](mdl::NegOp) {
        return lowerUnary(b, op, [](OpBuilder &nb, Location l, ValueRange a) {
          return arith::NegFOp::create(nb, l, a[0]).getResult();
        });
      })
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
      .Case([&](mdl::TanhOp) {
        return lowerUnary(b, op, [](OpBuilder &nb, Location l, ValueRange a) {
          return math::TanhOp::create(nb, l, a[0]).getResult();
        });
      })
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
      .Case(
          [&](mdl::SoftmaxCrossEntropyOp o) { return lowerSoftmaxXent(b, o); })
      .Case([&](mdl::SoftmaxCrossEntropyGradOp o) {
        return lowerSoftmaxXentGrad(b, o);
      })
      .Default([](Operation *) { return Value(); });
}

struct MdlToLinalgPass
    : public adjoint::impl::ConvertMdlToLinalgBase<MdlToLinalgPass> {
  void runOnOperation() override {
    SmallVector<Operation *> ops;
    getOperation().walk([&](Operation *op) {
      if (isa<mdl::MdlDialect>(op->getDialect()) &&
          !isa<mdl::ParamOp, mdl::TrainOp>(op))
        ops.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (Operation *op : ops) {
      rewriter.setInsertionPoint(op);
      Value v = lower(rewriter, op);
      if (!v) {
        op->emitError("no lowering to linalg for '") << op->getName() << "'";
        return signalPassFailure();
      }
      rewriter.replaceOp(op, v);
    }
  }
};

} // namespace
