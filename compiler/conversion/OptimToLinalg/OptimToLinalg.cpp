//===- OptimToLinalg.cpp - Lower optimizer updates to linalg --------------===//
//
// Each update is an elementwise linalg.generic whose destinations are the
// parameter (and state) tensors themselves; bufferization then writes them in
// place, and code generation can fuse the generic into the producer of the
// gradient.
//
//===----------------------------------------------------------------------===//

#include "compiler/Passes.h"
#include "compiler/conversion/LinalgBuilders.h"

#include "mlir/IR/PatternMatch.h"

namespace adjoint {
#define GEN_PASS_DEF_CONVERTOPTIMTOLINALG
#include "compiler/Passes.h.inc"
} // namespace adjoint

using namespace mlir;
using namespace adjoint;

namespace {

/// Marks update generics so code generation can find them.
constexpr llvm::StringLiteral kUpdateAttr = "adjoint.update";

using UpdateFn = llvm::function_ref<SmallVector<Value>(
    OpBuilder &, Location, Value grad, Value param, ValueRange state)>;

/// An elementwise generic reading the gradient and writing the parameter and
/// the state buffers in place (they are its destinations).
void lowerUpdate(IRRewriter &rw, Operation *op, Value param, Value grad,
                 ValueRange state, UpdateFn body) {
  // Clipping by value happens inside the update (the gradient element is
  // clamped before weight decay and the optimizer see it).
  double clip = 0.0;
  if (auto a = op->getAttrOfType<FloatAttr>("clip_value"))
    clip = a.getValueAsDouble();
  auto t = cast<RankedTensorType>(param.getType());
  AffineMap id = rw.getMultiDimIdentityMap(t.getRank());
  SmallVector<Value> outs{param};
  outs.append(state.begin(), state.end());
  SmallVector<Type> types(outs.size(), t);
  SmallVector<AffineMap> maps(outs.size() + 1, id);
  SmallVector<utils::IteratorType> iters(t.getRank(),
                                         utils::IteratorType::parallel);
  auto g = linalg::GenericOp::create(
      rw, op->getLoc(), types, ValueRange{grad}, outs, maps, iters,
      [&](OpBuilder &b, Location l, ValueRange a) {
        Value g = a[0];
        if (clip > 0) {
          Type elem = g.getType();
          g = arith::MinimumFOp::create(
              b, l,
              arith::MaximumFOp::create(b, l, g, floatConst(b, l, elem, -clip)),
              floatConst(b, l, elem, clip));
        }
        linalg::YieldOp::create(b, l, body(b, l, g, a[1], a.drop_front(2)));
      });
  g->setAttr(kUpdateAttr, rw.getUnitAttr());
  rw.replaceOp(op, g.getResults());
}

/// Scalar helpers for the hyper-parameters, in the element type.
struct Scalars {
  OpBuilder &b;
  Location loc;
  Type elem;
  Value c(double v) { return floatConst(b, loc, elem, v); }
  Value add(Value x, Value y) { return arith::AddFOp::create(b, loc, x, y); }
  Value sub(Value x, Value y) { return arith::SubFOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulFOp::create(b, loc, x, y); }
  Value div(Value x, Value y) { return arith::DivFOp::create(b, loc, x, y); }
  Value sqrt(Value x) { return math::SqrtOp::create(b, loc, x); }
  /// g + wd * p, the L2 weight decay folded into the gradient.
  Value decay(Value g, Value p, double wd) {
    return wd == 0.0 ? g : add(g, mul(p, c(wd)));
  }
};

/// The step count as an f64.
Value f64StepCount(OpBuilder &b, Location loc, Value step) {
  return arith::SIToFPOp::create(b, loc, b.getF64Type(), step);
}

void lowerSgd(IRRewriter &rw, optim::SgdOp op) {
  Value lr = op.getLr();
  double wd = op.getWeightDecay().convertToDouble();
  Type elem = lr.getType();
  lowerUpdate(rw, op, op.getParam(), op.getGrad(), {},
              [&](OpBuilder &b, Location l, Value g, Value p, ValueRange) {
                Scalars s{b, l, elem};
                g = s.decay(g, p, wd);
                return SmallVector<Value>{s.sub(p, s.mul(lr, g))};
              });
}

void lowerSgdMomentum(IRRewriter &rw, optim::SgdMomentumOp op) {
  Location loc = op.getLoc();
  Value lr = op.getLr();
  Type elem = lr.getType();
  double mu = op.getMomentum().convertToDouble();
  double damp = op.getDampening().convertToDouble();
  double wd = op.getWeightDecay().convertToDouble();
  bool nesterov = op.getNesterov();
  // On the first step torch.optim.SGD sets the buffer to the gradient
  // itself, without dampening.
  Value first;
  if (Value step = op.getStep()) {
    Value one = arith::ConstantIntOp::create(rw, loc, step.getType(), 1);
    first = arith::CmpIOp::create(rw, loc, arith::CmpIPredicate::eq, step, one);
  }
  lowerUpdate(rw, op, op.getParam(), op.getGrad(), {op.getBuf()},
              [&](OpBuilder &b, Location l, Value g, Value p, ValueRange st) {
                Scalars s{b, l, elem};
                g = s.decay(g, p, wd);
                Value buf = s.add(s.mul(st[0], s.c(mu)),
                                  damp == 0.0 ? g : s.mul(g, s.c(1 - damp)));
                if (first)
                  buf = arith::SelectOp::create(b, l, first, g, buf);
                Value dir = nesterov ? s.add(g, s.mul(buf, s.c(mu))) : buf;
                return SmallVector<Value>{s.sub(p, s.mul(lr, dir)), buf};
              });
}

void lowerAdam(IRRewriter &rw, optim::AdamOp op) {
  Location loc = op.getLoc();
  Value lr = op.getLr();
  Type elem = lr.getType();
  double b1 = op.getBeta1().convertToDouble();
  double b2 = op.getBeta2().convertToDouble();
  double eps = op.getEps().convertToDouble();
  double wd = op.getWeightDecay().convertToDouble();
  bool ams = op.getAmsgrad(), decoupled = op.getDecoupled();
  // Bias corrections from the step count, in f64.
  Value t = f64StepCount(rw, loc, op.getStep());
  auto pow = [&](double base) {
    Value bv = floatConst(rw, loc, rw.getF64Type(), base);
    return math::PowFOp::create(rw, loc, bv, t).getResult();
  };
  Value one64 = floatConst(rw, loc, rw.getF64Type(), 1.0);
  Value bc1 = arith::SubFOp::create(rw, loc, one64, pow(b1));
  Value bc2 = arith::SubFOp::create(rw, loc, one64, pow(b2));
  Value lr64 = toF64(rw, loc, lr);
  Value stepSize =
      fromF64(rw, loc, arith::DivFOp::create(rw, loc, lr64, bc1), elem);
  Value bc2Sqrt = fromF64(rw, loc, math::SqrtOp::create(rw, loc, bc2), elem);
  Value decayFactor;
  if (decoupled && wd != 0.0) {
    Value lrwd = arith::MulFOp::create(
        rw, loc, lr64, floatConst(rw, loc, rw.getF64Type(), wd));
    decayFactor =
        fromF64(rw, loc, arith::SubFOp::create(rw, loc, one64, lrwd), elem);
  }
  lowerUpdate(rw, op, op.getParam(), op.getGrad(), op.getState(),
              [&](OpBuilder &b, Location l, Value g, Value p, ValueRange st) {
                Scalars s{b, l, elem};
                if (decayFactor)
                  p = s.mul(p, decayFactor);
                else if (!decoupled)
                  g = s.decay(g, p, wd);
                Value m = s.add(s.mul(st[0], s.c(b1)), s.mul(g, s.c(1 - b1)));
                Value v = s.add(s.mul(st[1], s.c(b2)),
                                s.mul(s.mul(g, g), s.c(1 - b2)));
                Value vhat = v, vmax;
                if (ams)
                  vhat = vmax = arith::MaximumFOp::create(b, l, st[2], v);
                Value denom = s.add(s.div(s.sqrt(vhat), bc2Sqrt), s.c(eps));
                Value np = s.sub(p, s.mul(stepSize, s.div(m, denom)));
                SmallVector<Value> r{np, m, v};
                if (ams)
                  r.push_back(vmax);
                return r;
              });
}

void lowerAdagrad(IRRewriter &rw, optim::AdagradOp op) {
  Location loc = op.getLoc();
  Value lr = op.getLr();
  Type elem = lr.getType();
  double eps = op.getEps().convertToDouble();
  double wd = op.getWeightDecay().convertToDouble();
  double decay = op.getLrDecay().convertToDouble();
  double init = op.getInitialAccumulatorValue().convertToDouble();
  // clr = lr / (1 + (step - 1) * lr_decay), in f64.
  Value t = f64StepCount(rw, loc, op.getStep());
  Value one64 = floatConst(rw, loc, rw.getF64Type(), 1.0);
  Value lr64 = toF64(rw, loc, lr);
  Value scaled =
      arith::MulFOp::create(rw, loc, arith::SubFOp::create(rw, loc, t, one64),
                            floatConst(rw, loc, rw.getF64Type(), decay));
  Value clr =
      fromF64(rw, loc,
              arith::DivFOp::create(
                  rw, loc, lr64, arith::AddFOp::create(rw, loc, one64, scaled)),
              elem);
  lowerUpdate(
      rw, op, op.getParam(), op.getGrad(), op.getState(),
      [&](OpBuilder &b, Location l, Value g, Value p, ValueRange st) {
        Scalars s{b, l, elem};
        g = s.decay(g, p, wd);
        Value sum = s.add(st[0], s.mul(g, g));
        Value total = init == 0.0 ? sum : s.add(sum, s.c(init));
        Value stdv = s.add(s.sqrt(total), s.c(eps));
        return SmallVector<Value>{s.sub(p, s.mul(clr, s.div(g, stdv))), sum};
      });
}

void lowerRmsprop(IRRewriter &rw, optim::RmspropOp op) {
  Value lr = op.getLr();
  Type elem = lr.getType();
  double alpha = op.getAlpha().convertToDouble();
  double eps = op.getEps().convertToDouble();
  double wd = op.getWeightDecay().convertToDouble();
  double mu = op.getMomentum().convertToDouble();
  bool centered = op.getCentered();
  lowerUpdate(rw, op, op.getParam(), op.getGrad(), op.getState(),
              [&](OpBuilder &b, Location l, Value g, Value p, ValueRange st) {
                Scalars s{b, l, elem};
                g = s.decay(g, p, wd);
                SmallVector<Value> r{Value()};
                Value v = s.add(s.mul(st[0], s.c(alpha)),
                                s.mul(s.mul(g, g), s.c(1 - alpha)));
                r.push_back(v);
                unsigned next = 1;
                Value var = v;
                if (centered) {
                  Value ga = s.add(s.mul(st[next++], s.c(alpha)),
                                   s.mul(g, s.c(1 - alpha)));
                  r.push_back(ga);
                  var = s.sub(v, s.mul(ga, ga));
                }
                Value avg = s.add(s.sqrt(var), s.c(eps));
                if (mu > 0) {
                  Value buf = s.add(s.mul(st[next], s.c(mu)), s.div(g, avg));
                  r.push_back(buf);
                  r[0] = s.sub(p, s.mul(lr, buf));
                } else {
                  r[0] = s.sub(p, s.mul(lr, s.div(g, avg)));
                }
                return r;
              });
}

} // namespace

namespace {

struct OptimToLinalgPass
    : public adjoint::impl::ConvertOptimToLinalgBase<OptimToLinalgPass> {
  void runOnOperation() override {
    SmallVector<Operation *> ops;
    getOperation().walk([&](Operation *op) {
      if (isa<optim::OptimDialect>(op->getDialect()))
        ops.push_back(op);
    });
    IRRewriter rw(&getContext());
    for (Operation *op : ops) {
      rw.setInsertionPoint(op);
      if (auto sgd = dyn_cast<optim::SgdOp>(op))
        lowerSgd(rw, sgd);
      else if (auto m = dyn_cast<optim::SgdMomentumOp>(op))
        lowerSgdMomentum(rw, m);
      else if (auto a = dyn_cast<optim::AdamOp>(op))
        lowerAdam(rw, a);
      else if (auto a = dyn_cast<optim::AdagradOp>(op))
        lowerAdagrad(rw, a);
      else if (auto r = dyn_cast<optim::RmspropOp>(op))
        lowerRmsprop(rw, r);
      else {
        op->emitError("no lowering to linalg for '") << op->getName() << "'";
        return signalPassFailure();
      }
    }
  }
};

} // namespace
