//===- FuseOptimizer.cpp - Optimizer updates inside the reverse sweep -----===//
//
// Builds `<model>_train_step` from `<model>_grad`: every parameter gradient
// feeds an optim update placed as early as exact semantics allow, that is
// right after the gradient is complete and after the last reader of the old
// parameter value.
//
//===----------------------------------------------------------------------===//

#include "compiler/Passes.h"
#include "compiler/conversion/LinalgBuilders.h"

#include "mlir/Dialect/SCF/IR/SCF.h"

#include <cmath>

namespace adjoint {
#define GEN_PASS_DEF_ADJOINTFUSEOPTIMIZER
#include "compiler/Passes.h.inc"
} // namespace adjoint

using namespace mlir;
using namespace adjoint;

namespace {

/// The last operation of `block` (before the terminator) that defines `grad`
/// or reads `param` (directly or in one of its regions); null when there is
/// none.
Operation *lastDependency(Block &block, Value param, Value grad) {
  Operation *last = grad.getDefiningOp();
  if (last && last->getBlock() != &block)
    last = nullptr;
  for (Operation *use : param.getUsers()) {
    // A reader inside a loop region (mdl.scan) counts as its whole loop.
    Operation *user = block.findAncestorOpInBlock(*use);
    if (!user || user == block.getTerminator())
      continue;
    if (!last || last->isBeforeInBlock(user))
      last = user;
  }
  return last;
}

/// Builds f64 scalar arithmetic for the learning-rate schedule.
struct F64 {
  OpBuilder &b;
  Location loc;
  Value c(double v) {
    return arith::ConstantOp::create(b, loc, b.getF64FloatAttr(v));
  }
  Value add(Value x, Value y) { return arith::AddFOp::create(b, loc, x, y); }
  Value sub(Value x, Value y) { return arith::SubFOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulFOp::create(b, loc, x, y); }
  Value div(Value x, Value y) { return arith::DivFOp::create(b, loc, x, y); }
  Value pow(Value x, Value y) { return math::PowFOp::create(b, loc, x, y); }
  Value floor(Value x) { return math::FloorOp::create(b, loc, x); }
  Value log(Value x) { return math::LogOp::create(b, loc, x); }
  Value cos(Value x) { return math::CosOp::create(b, loc, x); }
  Value select(Value cond, Value x, Value y) {
    return arith::SelectOp::create(b, loc, cond, x, y);
  }
  Value lt(Value x, Value y) {
    return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x, y);
  }
  Value le(Value x, Value y) {
    return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLE, x, y);
  }
  /// `end + (start - end) / 2 * (1 + cos(pi * pct))`.
  Value annealCos(Value start, Value end, Value pct) {
    Value wave = add(c(1.0), cos(mul(c(M_PI), pct)));
    return add(end, mul(div(sub(start, end), c(2.0)), wave));
  }
};

double getF64(DictionaryAttr d, StringRef key, double dflt = 0.0) {
  auto f = d ? d.getAs<FloatAttr>(key) : FloatAttr();
  return f ? f.getValueAsDouble() : dflt;
}

/// The learning rate of step `step` (1-based, i64) from the base rate `lr`:
/// torch.optim.lr_scheduler's value after step - 1 scheduler steps, with a
/// warm-up applied as SequentialLR([LinearLR, schedule], [total_iters]).
Value scheduledLr(OpBuilder &b, Location loc, Value lr, Value step,
                  DictionaryAttr sched, DictionaryAttr warm) {
  F64 f{b, loc};
  Type elem = lr.getType();
  Value base = toF64(b, loc, lr);
  Value k =
      f.sub(arith::SIToFPOp::create(b, loc, b.getF64Type(), step), f.c(1.0));
  auto mainAt = [&](Value kk) -> Value {
    StringRef kind =
        sched ? sched.getAs<StringAttr>("kind").getValue() : "constant";
    if (kind == "step")
      return f.mul(base,
                   f.pow(f.c(getF64(sched, "gamma", 0.1)),
                         f.floor(f.div(kk, f.c(getF64(sched, "step_size"))))));
    if (kind == "multistep") {
      Value count = f.c(0.0);
      if (auto ms = sched.getAs<ArrayAttr>("milestones"))
        for (Attribute m : ms) {
          Value reached = f.le(f.c(cast<FloatAttr>(m).getValueAsDouble()), kk);
          count = f.add(count, f.select(reached, f.c(1.0), f.c(0.0)));
        }
      return f.mul(base, f.pow(f.c(getF64(sched, "gamma", 0.1)), count));
    }
    if (kind == "exponential")
      return f.mul(base, f.pow(f.c(getF64(sched, "gamma")), kk));
    if (kind == "cosine") {
      Value eta = f.c(getF64(sched, "eta_min"));
      return f.annealCos(base, eta, f.div(kk, f.c(getF64(sched, "t_max"))));
    }
    if (kind == "cosine_restarts") {
      double t0 = getF64(sched, "t_0"), tm = getF64(sched, "t_mult", 1);
      Value eta = f.c(getF64(sched, "eta_min"));
      Value tcur, ti;
      if (tm == 1.0) {
        tcur = f.sub(kk, f.mul(f.c(t0), f.floor(f.div(kk, f.c(t0)))));
        ti = f.c(t0);
      } else {
        Value x = f.add(f.mul(f.div(kk, f.c(t0)), f.c(tm - 1)), f.c(1.0));
        Value n = f.floor(f.div(f.log(x), f.c(std::log(tm))));
        Value tmn = f.pow(f.c(tm), n);
        tcur =
            f.sub(kk, f.div(f.mul(f.c(t0), f.sub(tmn, f.c(1.0))), f.c(tm - 1)));
        ti = f.mul(f.c(t0), tmn);
      }
      return f.annealCos(base, eta, f.div(tcur, ti));
    }
    if (kind == "onecycle") {
      double maxLr = getF64(sched, "max_lr");
      double total = getF64(sched, "total_steps");
      double initial = maxLr / getF64(sched, "div_factor", 25);
      double minLr = initial / getF64(sched, "final_div_factor", 1e4);
      double end1 = getF64(sched, "pct_start", 0.3) * total - 1;
      double end2 = total - 1;
      Value up = f.annealCos(f.c(initial), f.c(maxLr), f.div(kk, f.c(end1)));
      Value down = f.annealCos(f.c(maxLr), f.c(minLr),
                               f.div(f.sub(kk, f.c(end1)), f.c(end2 - end1)));
      return f.select(f.le(kk, f.c(end1)), up, down);
    }
    return base; // constant
  };
  Value result;
  if (warm) {
    double w = getF64(warm, "total_iters");
    double start = getF64(warm, "start_factor", 1.0 / 3.0);
    double end = getF64(warm, "end_factor", 1.0);
    Value factor = f.add(f.c(start), f.mul(f.c((end - start) / w), k));
    Value warming = f.lt(k, f.c(w));
    Value after = f.select(warming, f.c(0.0), f.sub(k, f.c(w)));
    result = f.select(warming, f.mul(base, factor), mainAt(after));
  } else {
    result = mainAt(k);
  }
  return fromF64(b, loc, result, elem);
}

struct FuseOptimizerPass
    : public adjoint::impl::AdjointFuseOptimizerBase<FuseOptimizerPass> {
  using Base::Base;

  LogicalResult buildTrainStep(mdl::TrainOp train, SymbolTable &symbols) {
    ModuleOp module = getOperation();
    StringRef model = train.getModel();
    func::FuncOp grad;
    for (auto fn : module.getOps<func::FuncOp>())
      if (auto of = fn->getAttrOfType<FlatSymbolRefAttr>("mdl.grad_of"))
        if (of.getValue() == model)
          grad = fn;
    if (!grad)
      return train.emitError("no gradient function for model '")
             << model << "' (run adjoint-autodiff first)";
    std::string name = (model + "_train_step").str();
    if (symbols.lookup(name))
      return train.emitError("cannot create '")
             << name << "': the name is taken";

    DictionaryAttr hyper = train.getHyper();
    auto hp = [&](StringRef key, double dflt) {
      auto f = hyper.getAs<FloatAttr>(key);
      return f ? f.getValueAsDouble() : dflt;
    };
    StringRef opt = train.getOptimizer();
    // State buffers per parameter, in order (names as in torch.optim).
    SmallVector<StringRef> slots;
    if (opt == "sgd") {
      if (hp("momentum", 0) > 0)
        slots = {"momentum_buffer"};
    } else if (opt == "adam" || opt == "adamw") {
      slots = {"exp_avg", "exp_avg_sq"};
      if (hp("amsgrad", 0) != 0)
        slots.push_back("max_exp_avg_sq");
    } else if (opt == "adagrad") {
      slots = {"sum"};
    } else if (opt == "rmsprop") {
      slots = {"square_avg"};
      if (hp("centered", 0) != 0)
        slots.push_back("grad_avg");
      if (hp("momentum", 0) > 0)
        slots.push_back("momentum_buffer");
    } else {
      return train.emitError("unknown optimizer '") << opt << "'";
    }
    // Gradient accumulation: the optimizer runs every `accumulate` calls on
    // the mean of their gradients, summed in one more state buffer.
    int64_t accumulate = static_cast<int64_t>(hp("accumulate", 1));
    size_t optSlots = slots.size();
    if (accumulate > 1)
      slots.push_back("grad_sum");

    auto step = cast<func::FuncOp>(grad->clone());
    step.setSymName(name);
    step->removeAttr("mdl.grad_of");
    step->setAttr("mdl.train_step_of",
                  FlatSymbolRefAttr::get(train.getModelAttr().getAttr()));
    symbols.insert(step, std::next(Block::iterator(grad)));

    Block &body = step.getBody().front();
    auto ret = cast<func::ReturnOp>(body.getTerminator());
    SmallVector<unsigned> paramArgs;
    for (unsigned i = 0; i < step.getNumArguments(); ++i)
      if (step.getArgAttr(i, mdl::kParamAttr))
        paramArgs.push_back(i);
    if (paramArgs.size() + 1 != ret.getNumOperands())
      return grad.emitError("gradient function does not return one gradient "
                            "per parameter");
    OpBuilder b(step.getContext());
    Location loc = step.getLoc();

    // Frozen parameters get no state and no update; their gradient is then
    // dead and canonicalization prunes its part of the reverse sweep.
    auto paramName = [&](unsigned k) {
      return step
          .getArgAttrOfType<FlatSymbolRefAttr>(paramArgs[k], mdl::kParamAttr)
          .getValue();
    };
    SmallVector<bool> frozen(paramArgs.size(), false);
    if (auto names = train.getFrozen())
      for (unsigned k = 0; k < paramArgs.size(); ++k)
        frozen[k] = llvm::is_contained(names->getAsValueRange<StringAttr>(),
                                       paramName(k));
    // Buffers (batch-norm running statistics) are never optimized: their
    // new values come from mdl.update_buffer (below).
    for (unsigned k = 0; k < paramArgs.size(); ++k)
      if (step.getArgAttr(paramArgs[k], mdl::kBufferAttr))
        frozen[k] = true;
    // Per-parameter overrides of lr and weight_decay.
    auto override = [&](unsigned k, StringRef key) -> std::optional<double> {
      auto all = train.getParamOptions();
      if (!all)
        return std::nullopt;
      auto mine = all->getAs<DictionaryAttr>(paramName(k));
      if (auto v = mine ? mine.getAs<FloatAttr>(key) : FloatAttr())
        return v.getValueAsDouble();
      return std::nullopt;
    };

    // Optimizer state after the params: the slots of each param in turn.
    SmallVector<SmallVector<unsigned>> stateArgs(paramArgs.size());
    unsigned pos = paramArgs.empty() ? 0 : paramArgs.back() + 1;
    for (auto [k, idx] : llvm::enumerate(paramArgs)) {
      Type t = step.getArgument(idx).getType();
      if (frozen[k])
        continue;
      for (StringRef slot : slots) {
        auto attrs = b.getDictionaryAttr(
            {b.getNamedAttr(kStateAttr, step.getArgAttr(idx, mdl::kParamAttr)),
             b.getNamedAttr(kSlotAttr, b.getStringAttr(slot))});
        if (failed(step.insertArgument(pos, t, attrs, loc)))
          return failure();
        stateArgs[k].push_back(pos++);
      }
    }
    // The step counter (torch.optim's state['step']): a rank-0 i32 state
    // buffer that the train step increments, for optimizers that need it.
    bool scheduled = train.getSchedule() || train.getWarmup();
    // Dropout masks are keyed by it too (mdl.rng_step).
    bool hasRng = !body.getOps<mdl::RngStepOp>().empty();
    bool needsStep = opt == "adam" || opt == "adamw" || opt == "adagrad" ||
                     opt == "rmsprop" || scheduled || accumulate > 1 ||
                     (opt == "sgd" && hp("dampening", 0) != 0) || hasRng;
    int stepIdx = -1;
    if (needsStep) {
      stepIdx = pos;
      auto t = RankedTensorType::get({}, b.getI32Type());
      if (failed(step.insertArgument(
              pos, t,
              b.getDictionaryAttr(b.getNamedAttr(kStepAttr, b.getUnitAttr())),
              loc)))
        return failure();
    }
    // The learning rate, a scalar of the element type, last.
    Type elem =
        cast<RankedTensorType>(ret.getOperand(0).getType()).getElementType();
    unsigned lrIdx = step.getNumArguments();
    if (failed(step.insertArgument(
            lrIdx, elem,
            b.getDictionaryAttr(b.getNamedAttr(kLrAttr, b.getUnitAttr())),
            loc)))
      return failure();
    Value lr = body.getArgument(lrIdx);
    Value stepCount, newStep, applyNow;
    if (needsStep) {
      b.setInsertionPointToStart(&body);
      Value counter = body.getArgument(stepIdx);
      // The dropout step is the count before this call (0 for the first).
      for (auto rng :
           llvm::make_early_inc_range(body.getOps<mdl::RngStepOp>())) {
        rng.getResult().replaceAllUsesWith(counter);
        rng.erase();
      }
      Value old = tensor::ExtractOp::create(b, loc, counter, ValueRange{});
      Value one = arith::ConstantIntOp::create(b, loc, b.getI32Type(), 1);
      Value next = arith::AddIOp::create(b, loc, old, one);
      stepCount = arith::ExtSIOp::create(b, loc, b.getI64Type(), next);
      newStep = tensor::FromElementsOp::create(b, loc, counter.getType(),
                                               ValueRange{next});
      if (accumulate > 1) {
        // The counter counts micro-batches; the optimizer steps every
        // `accumulate` of them.
        Value k =
            arith::ConstantIntOp::create(b, loc, b.getI64Type(), accumulate);
        Value zero = arith::ConstantIntOp::create(b, loc, b.getI64Type(), 0);
        applyNow = arith::CmpIOp::create(
            b, loc, arith::CmpIPredicate::eq,
            arith::RemSIOp::create(b, loc, stepCount, k), zero);
        stepCount = arith::DivSIOp::create(b, loc, stepCount, k);
      }
      if (scheduled)
        lr = scheduledLr(b, loc, lr, stepCount,
                         train.getSchedule().value_or(DictionaryAttr()),
                         train.getWarmup().value_or(DictionaryAttr()));
    }

    auto f64 = [&](StringRef key, double dflt) {
      return b.getNamedAttr(key, b.getF64FloatAttr(hp(key, dflt)));
    };
    auto flag = [&](StringRef key, StringRef attr,
                    SmallVectorImpl<NamedAttribute> &attrs) {
      if (hp(key, 0) != 0)
        attrs.push_back(b.getNamedAttr(attr, b.getUnitAttr()));
    };
    // Gradient clipping. By value: inside each update (stays fused). By
    // global norm: every gradient is needed before any update, so the
    // gradients are kept, the norm computed after the whole reverse sweep,
    // and the updates run on the scaled gradients (exact, not fused).
    double clipValue = 0.0, clipNorm = 0.0;
    if (auto clip = train.getClip()) {
      StringRef kind = clip->getAs<StringAttr>("kind").getValue();
      if (kind == "value")
        clipValue = getF64(*clip, "max");
      else if (kind == "norm")
        clipNorm = getF64(*clip, "max_norm");
      else
        return train.emitError("unknown clipping '") << kind << "'";
    }
    if (clipNorm > 0 && accumulate > 1)
      return train.emitError("clipping by global norm together with gradient "
                             "accumulation is not supported yet");
    SmallVector<Value> grads;
    for (unsigned k = 0; k < paramArgs.size(); ++k)
      grads.push_back(ret.getOperand(k + 1));
    if (clipNorm > 0 && llvm::is_contained(frozen, false)) {
      b.setInsertionPoint(ret);
      Value sumsq = arith::ConstantOp::create(b, loc, b.getFloatAttr(elem, 0));
      for (auto [k, g] : llvm::enumerate(grads)) {
        if (frozen[k])
          continue;
        auto t = cast<RankedTensorType>(g.getType());
        SmallVector<int64_t> all;
        for (int64_t d = 0; d < t.getRank(); ++d)
          all.push_back(d);
        Value sq = mdl::MulOp::create(b, loc, t, g, g);
        Value s = mdl::SumOp::create(b, loc, RankedTensorType::get({}, elem),
                                     sq, b.getDenseI64ArrayAttr(all));
        sumsq = arith::AddFOp::create(
            b, loc, sumsq, tensor::ExtractOp::create(b, loc, s, ValueRange{}));
      }
      // clip_coef = max_norm / (norm + 1e-6), clamped to at most 1.
      Value norm = math::SqrtOp::create(b, loc, sumsq);
      Value denom = arith::AddFOp::create(
          b, loc, norm,
          arith::ConstantOp::create(b, loc, b.getFloatAttr(elem, 1e-6)));
      Value coef = arith::DivFOp::create(
          b, loc,
          arith::ConstantOp::create(b, loc, b.getFloatAttr(elem, clipNorm)),
          denom);
      coef = arith::MinimumFOp::create(
          b, loc, coef,
          arith::ConstantOp::create(b, loc, b.getFloatAttr(elem, 1.0)));
      Value coefT = tensor::FromElementsOp::create(
          b, loc, RankedTensorType::get({}, elem), ValueRange{coef});
      for (Value &g : grads)
        g = mdl::MulOp::create(b, loc, g.getType(), g, coefT);
    }

    SmallVector<std::pair<Value, unsigned>> newParams; // (value, arg index)
    SmallVector<SmallVector<Value>> newState(paramArgs.size());
    // With accumulation the updates are built in a detached block and moved
    // into the then-branch of an scf.if on `applyNow`.
    std::unique_ptr<Block> deferred;
    SmallVector<Value> totals(paramArgs.size());
    if (accumulate > 1)
      deferred = std::make_unique<Block>();
    for (unsigned k = 0; k < paramArgs.size(); ++k) {
      unsigned idx = paramArgs[k];
      if (frozen[k])
        continue;
      Value param = body.getArgument(idx);
      Value g = grads[k];
      // This parameter's hyper-parameters: the group's, then its overrides.
      auto hpK = [&](StringRef key, double dflt) {
        return override(k, key).value_or(hp(key, dflt));
      };
      auto f64K = [&](StringRef key, double dflt) {
        return b.getNamedAttr(key, b.getF64FloatAttr(hpK(key, dflt)));
      };
      Value lrK = lr;
      if (deferred) {
        b.setInsertionPoint(ret);
        Value acc = body.getArgument(stateArgs[k].back());
        totals[k] = mdl::AddOp::create(b, loc, g.getType(), acc, g);
        Value inv = mdl::splatConstant(b, loc, RankedTensorType::get({}, elem),
                                       1.0 / double(accumulate));
        g = mdl::MulOp::create(b, loc, g.getType(), totals[k], inv);
        b.setInsertionPointToEnd(deferred.get());
      } else if (noFuse || clipNorm > 0) {
        b.setInsertionPoint(ret);
      } else if (Operation *after = lastDependency(body, param, g)) {
        b.setInsertionPointAfter(after);
      } else {
        b.setInsertionPointToStart(&body);
      }
      SmallVector<Value> state;
      for (unsigned a : ArrayRef<unsigned>(stateArgs[k]).take_front(optSlots))
        state.push_back(body.getArgument(a));
      if (std::optional<double> own = override(k, "lr")) {
        OpBuilder::InsertionGuard guard(b);
        // After the step count and the group's rate are computed.
        if (Operation *def = lr.getDefiningOp())
          b.setInsertionPointAfter(def);
        else
          b.setInsertionPointToStart(&body);
        lrK = arith::ConstantOp::create(b, loc, b.getFloatAttr(elem, *own));
        if (scheduled)
          lrK = scheduledLr(b, loc, lrK, stepCount,
                            train.getSchedule().value_or(DictionaryAttr()),
                            train.getWarmup().value_or(DictionaryAttr()));
      }
      Operation *upd;
      SmallVector<NamedAttribute> attrs;
      if (opt == "sgd" && optSlots == 0) {
        upd = optim::SgdOp::create(b, loc, param.getType(), param, g, lrK,
                                   b.getF64FloatAttr(hpK("weight_decay", 0)),
                                   b.getF64FloatAttr(0.0));
      } else if (opt == "sgd") {
        auto m = optim::SgdMomentumOp::create(
            b, loc, param.getType(), param.getType(), param, g, state[0], lrK,
            stepCount, b.getF64FloatAttr(hp("momentum", 0)),
            hp("nesterov", 0) != 0 ? b.getUnitAttr() : UnitAttr(),
            b.getF64FloatAttr(hp("dampening", 0)),
            b.getF64FloatAttr(hpK("weight_decay", 0)), b.getF64FloatAttr(0.0));
        upd = m;
      } else if (opt == "adam" || opt == "adamw") {
        attrs = {f64("beta1", 0.9), f64("beta2", 0.999), f64("eps", 1e-8),
                 f64K("weight_decay", opt == "adamw" ? 1e-2 : 0.0)};
        flag("amsgrad", "amsgrad", attrs);
        if (opt == "adamw")
          attrs.push_back(b.getNamedAttr("decoupled", b.getUnitAttr()));
        upd = optim::AdamOp::create(b, loc, param, g, state, lrK, stepCount,
                                    attrs);
      } else if (opt == "adagrad") {
        attrs = {f64("eps", 1e-10), f64("lr_decay", 0), f64K("weight_decay", 0),
                 f64("initial_accumulator_value", 0)};
        upd = optim::AdagradOp::create(b, loc, param, g, state, lrK, stepCount,
                                       attrs);
      } else {
        attrs = {f64("alpha", 0.99), f64("eps", 1e-8), f64K("weight_decay", 0),
                 f64("momentum", 0)};
        flag("centered", "centered", attrs);
        upd = optim::RmspropOp::create(b, loc, param, g, state, lrK, stepCount,
                                       attrs);
      }
      if (clipValue > 0)
        upd->setAttr("clip_value", b.getF64FloatAttr(clipValue));
      newParams.push_back({upd->getResult(0), idx});
      for (Value r : llvm::drop_begin(upd->getResults()))
        newState[k].push_back(r);
    }

    if (deferred) {
      // scf.if applyNow { updates; yield new params, state, zero sums }
      //        else     { yield params, state, running sums }
      SmallVector<Type> types;
      SmallVector<Value> thenValues, elseValues;
      unsigned n = 0;
      for (auto [k, idx] : llvm::enumerate(paramArgs)) {
        if (frozen[k])
          continue;
        Value param = body.getArgument(idx);
        types.push_back(param.getType());
        thenValues.push_back(newParams[n++].first);
        elseValues.push_back(param);
        for (auto [s, a] : llvm::zip(newState[k], stateArgs[k])) {
          types.push_back(s.getType());
          thenValues.push_back(s);
          elseValues.push_back(body.getArgument(a));
        }
        types.push_back(totals[k].getType());
        thenValues.push_back(Value()); // zero sum, built in the then-branch
        elseValues.push_back(totals[k]);
      }
      b.setInsertionPoint(ret);
      auto ifOp = scf::IfOp::create(b, loc, types, applyNow,
                                    /*withElseRegion=*/true);
      Block *thenBlock = &ifOp.getThenRegion().front();
      thenBlock->getOperations().splice(thenBlock->end(),
                                        deferred->getOperations());
      b.setInsertionPointToEnd(thenBlock);
      for (auto [i, v] : llvm::enumerate(thenValues))
        if (!v)
          thenValues[i] =
              mdl::splatConstant(b, loc, cast<RankedTensorType>(types[i]), 0);
      scf::YieldOp::create(b, loc, thenValues);
      b.setInsertionPointToEnd(&ifOp.getElseRegion().front());
      scf::YieldOp::create(b, loc, elseValues);
      // The if's results replace the update results.
      unsigned r = 0;
      n = 0;
      for (auto [k, idx] : llvm::enumerate(paramArgs)) {
        if (frozen[k])
          continue;
        newParams[n++].first = ifOp.getResult(r++);
        for (Value &st : newState[k])
          st = ifOp.getResult(r++);
        newState[k].push_back(ifOp.getResult(r++));
      }
    }

    // Buffer updates become in-place results of their arguments.
    SmallVector<std::pair<Value, unsigned>> newBuffers;
    for (auto upd :
         llvm::make_early_inc_range(body.getOps<mdl::UpdateBufferOp>())) {
      auto arg = cast<BlockArgument>(upd.getBuffer());
      for (auto &[v, idx] : newBuffers)
        if (idx == arg.getArgNumber())
          return upd.emitOpError("updates a buffer that is already updated");
      newBuffers.push_back({upd.getValue(), arg.getArgNumber()});
      upd.erase();
    }

    SmallVector<Value> results{ret.getOperand(0)};
    for (auto &[v, idx] : newParams)
      results.push_back(v);
    for (auto &st : newState)
      results.append(st);
    if (newStep)
      results.push_back(newStep);
    for (auto &[v, idx] : newBuffers)
      results.push_back(v);
    b.setInsertionPoint(ret);
    func::ReturnOp::create(b, ret.getLoc(), results);
    ret.erase();
    SmallVector<Type> types;
    for (Value v : results)
      types.push_back(v.getType());
    step.setType(
        FunctionType::get(step.getContext(), step.getArgumentTypes(), types));
    step.setResultAttrs(0, b.getDictionaryAttr(b.getNamedAttr(
                               kLossValueAttr, b.getUnitAttr())));
    auto inplace = [&](unsigned res, unsigned arg) {
      step.setResultAttrs(res, b.getDictionaryAttr(b.getNamedAttr(
                                   kInplaceAttr, b.getI64IntegerAttr(arg))));
    };
    unsigned res = 1;
    for (auto &[v, idx] : newParams)
      inplace(res++, idx);
    for (auto &st : stateArgs)
      for (unsigned idx : st)
        inplace(res++, idx);
    if (newStep)
      inplace(res++, stepIdx);
    for (auto &[v, idx] : newBuffers)
      inplace(res++, idx);
    return success();
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    SmallVector<mdl::TrainOp> trains(module.getOps<mdl::TrainOp>());
    for (mdl::TrainOp train : trains)
      if (failed(buildTrainStep(train, symbols)))
        return signalPassFailure();
    if (noFuse)
      module->setAttr(kNoFuseAttr, UnitAttr::get(module.getContext()));
  }
};

} // namespace
