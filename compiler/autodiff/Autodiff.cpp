//===- Autodiff.cpp - Reverse-mode differentiation of loss functions ------===//
//
// Builds `<f>_grad` for every function `f` marked `mdl.loss`: a copy of the
// forward body followed by the reverse sweep, which returns the loss and the
// gradient of every parameter argument. An mdl.scan is differentiated as a
// loop: the forward scan saves the carries of every step, a reverse scan
// recomputes each step body from them and runs its reverse sweep.
//
//===----------------------------------------------------------------------===//

#include "compiler/Passes.h"

#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/SetVector.h"

namespace adjoint {
#define GEN_PASS_DEF_ADJOINTAUTODIFF
#include "compiler/Passes.h.inc"
} // namespace adjoint

using namespace mlir;
using namespace adjoint;

namespace {

bool isFloatTensor(Value v) {
  auto t = dyn_cast<RankedTensorType>(v.getType());
  return t && isa<FloatType>(t.getElementType());
}

Value zerosLike(OpBuilder &b, Location loc, Type type) {
  return mdl::splatConstant(b, loc, cast<RankedTensorType>(type), 0.0);
}

/// The values an op reads: its operands, then the values defined above it
/// that its regions use (the parameters a scan body refers to).
SmallVector<Value> inputsOf(Operation *op) {
  SmallVector<Value> inputs(op->getOperands());
  if (op->getNumRegions() == 0)
    return inputs;
  llvm::SetVector<Value> captured;
  op->walk([&](Operation *inner) {
    if (inner == op)
      return;
    for (Value v : inner->getOperands())
      if (llvm::none_of(op->getRegions(), [&](Region &r) {
            return r.isAncestor(v.getParentRegion());
          }))
        captured.insert(v);
  });
  inputs.append(captured.begin(), captured.end());
  return inputs;
}

/// The values defined above `op` that its regions use.
SmallVector<Value> capturedBy(Operation *op) {
  return SmallVector<Value>(
      ArrayRef<Value>(inputsOf(op)).drop_front(op->getNumOperands()));
}

/// Activity: a value needs an adjoint when it depends on a varied value
/// (forward from the parameters) and the result depends on it (backward).
struct Activity {
  llvm::DenseSet<Value> varied, useful;

  void propagateForward(ArrayRef<Operation *> ops) {
    for (Operation *op : ops)
      if (llvm::any_of(inputsOf(op),
                       [&](Value v) { return varied.contains(v); }))
        for (Value r : op->getResults())
          varied.insert(r);
  }
  void propagateBackward(ArrayRef<Operation *> ops) {
    for (Operation *op : llvm::reverse(ops))
      if (llvm::any_of(op->getResults(),
                       [&](Value v) { return useful.contains(v); }))
        for (Value v : inputsOf(op))
          useful.insert(v);
  }
  bool active(Value v) const {
    return varied.contains(v) && useful.contains(v) && isFloatTensor(v);
  }
};

SmallVector<Operation *> opsOf(Block &block) {
  SmallVector<Operation *> ops;
  for (Operation &op : block.without_terminator())
    ops.push_back(&op);
  return ops;
}

/// The reverse sweep over a list of operations: `adjoints` holds the
/// adjoints of their results (seeded by the caller); walking the list
/// backwards, every op with a result adjoint adds the adjoints of its active
/// inputs. Used for a function body and, recursively, for a scan body.
struct ReverseSweep {
  OpBuilder &b;
  const Activity &act;
  llvm::DenseMap<Value, Value> adjoints;
  /// Forward scans replaced by their state-saving copy (erased at the end).
  SmallVectorImpl<Operation *> &dead;

  void accumulate(Value v, Value adj, Location loc) {
    auto [it, inserted] = adjoints.try_emplace(v, adj);
    if (!inserted)
      it->second = mdl::AddOp::create(b, loc, v.getType(), it->second, adj);
  }
  Value adjointOr0(Value v, Location loc) {
    Value a = adjoints.lookup(v);
    return a ? a : zerosLike(b, loc, v.getType());
  }

  LogicalResult run(ArrayRef<Operation *> ops) {
    for (Operation *op : llvm::reverse(ops)) {
      if (llvm::none_of(op->getResults(),
                        [&](Value r) { return adjoints.count(r); }))
        continue;
      SmallVector<Value> resultAdjoints;
      for (Value r : op->getResults())
        resultAdjoints.push_back(adjointOr0(r, op->getLoc()));
      if (auto scan = dyn_cast<mdl::ScanOp>(op)) {
        if (failed(scanAdjoint(scan, resultAdjoints)))
          return failure();
        continue;
      }
      auto iface = dyn_cast<mdl::AdjointOpInterface>(op);
      if (!iface)
        return op->emitError("cannot differentiate '")
               << op->getName() << "': it has no adjoint rule";
      SmallVector<bool> needed;
      for (Value v : op->getOperands())
        needed.push_back(act.active(v));
      SmallVector<Value> operandAdjoints;
      if (failed(
              iface.buildAdjoint(b, resultAdjoints, needed, operandAdjoints)))
        return failure();
      if (operandAdjoints.size() != op->getNumOperands())
        return op->emitError("adjoint rule returned ")
               << operandAdjoints.size() << " adjoints for "
               << op->getNumOperands() << " operands";
      for (auto [v, adj] : llvm::zip(op->getOperands(), operandAdjoints))
        if (adj && act.active(v))
          accumulate(v, adj, op->getLoc());
    }
    return success();
  }

  LogicalResult scanAdjoint(mdl::ScanOp scan, ArrayRef<Value> resultAdjoints);
};

/// The adjoint of a scan is a reverse scan (t = T-1 .. 0) whose carries are
/// the adjoints of the carries plus one accumulator per active value the
/// body captures (the parameters: their gradient sums over the steps). The
/// forward scan is rebuilt to also stack its step inputs (the carries at
/// every step: the saved state); each reverse step recomputes its step body
/// from the saved carries and runs the reverse sweep of that copy with the
/// per-op adjoint rules. Neither loop grows with the number of steps.
LogicalResult ReverseSweep::scanAdjoint(mdl::ScanOp scan,
                                        ArrayRef<Value> resultAdjoints) {
  Location loc = scan.getLoc();
  int64_t axis = scan.getAxis(), length = scan.getLength();
  unsigned numXs = scan.getXs().size(), numCarries = scan.getNumCarries();
  unsigned numOutputs = scan.getNumResults() - numCarries;
  auto stacked = [&](Type t) {
    auto type = cast<RankedTensorType>(t);
    SmallVector<int64_t> shape(type.getShape());
    shape.insert(shape.begin() + axis, length);
    return RankedTensorType::get(shape, type.getElementType());
  };
  for (Value init : scan.getInits())
    if (cast<RankedTensorType>(init.getType()).getRank() < axis)
      return scan.emitError("cannot save a carry of rank ")
             << cast<RankedTensorType>(init.getType()).getRank()
             << " along the scan axis " << axis;

  // The forward scan, also stacking the carries every step starts from.
  SmallVector<Type> fwdTypes(scan.getResultTypes());
  for (Value init : scan.getInits())
    fwdTypes.push_back(stacked(init.getType()));
  mdl::ScanOp fwd;
  {
    OpBuilder fb(scan);
    fwd = mdl::ScanOp::create(fb, loc, fwdTypes, scan.getXs(), scan.getInits(),
                              scan.getAxisAttr(), scan.getLengthAttr(),
                              scan.getReverseAttr());
    fwd.getBody().takeBody(scan.getBody());
    auto yield = cast<mdl::YieldOp>(fwd.getBodyBlock().getTerminator());
    yield.getValuesMutable().append(
        fwd.getBodyBlock().getArguments().drop_front(numXs));
    scan.replaceAllUsesWith(fwd.getResults().take_front(scan.getNumResults()));
    dead.push_back(scan);
  }
  Block &body = fwd.getBodyBlock();
  auto yielded = cast<mdl::YieldOp>(body.getTerminator())
                     .getValues()
                     .take_front(numCarries + numOutputs);
  ResultRange saved = fwd.getResults().drop_front(numCarries + numOutputs);

  // Which carries can vary: a fixed point over the steps.
  SmallVector<Value> captured = capturedBy(fwd);
  SmallVector<bool> carryVaried;
  for (Value init : fwd.getInits())
    carryVaried.push_back(act.varied.contains(init));
  Activity inner;
  for (bool changed = true; changed;) {
    inner = Activity();
    for (auto [x, arg] : llvm::zip(fwd.getXs(), body.getArguments()))
      if (act.varied.contains(x))
        inner.varied.insert(arg);
    for (unsigned i = 0; i < numCarries; ++i)
      if (carryVaried[i])
        inner.varied.insert(body.getArgument(numXs + i));
    for (Value c : captured)
      if (act.varied.contains(c))
        inner.varied.insert(c);
    inner.propagateForward(opsOf(body));
    changed = false;
    for (unsigned i = 0; i < numCarries; ++i)
      if (!carryVaried[i] && inner.varied.contains(yielded[i]))
        carryVaried[i] = changed = true;
  }

  // Operands of the reverse scan: the sequences, the saved carries, the
  // adjoints of the per-step outputs; carries: the carry adjoints, then the
  // gradient accumulators of the active captured values.
  SmallVector<Value> revXs(fwd.getXs());
  revXs.append(saved.begin(), saved.end());
  SmallVector<unsigned> outputsWithAdjoint;
  for (unsigned j = 0; j < numOutputs; ++j)
    if (adjoints.count(scan.getResult(numCarries + j))) {
      outputsWithAdjoint.push_back(j);
      revXs.push_back(resultAdjoints[numCarries + j]);
    }
  SmallVector<Value> revInits(resultAdjoints.take_front(numCarries));
  SmallVector<Value> accumulated;
  for (Value c : captured)
    if (act.active(c)) {
      accumulated.push_back(c);
      revInits.push_back(zerosLike(b, loc, c.getType()));
    }
  SmallVector<Value> activeXs;
  for (Value x : fwd.getXs())
    activeXs.push_back(act.active(x) ? x : Value());
  SmallVector<Type> revTypes;
  for (Value v : revInits)
    revTypes.push_back(v.getType());
  for (Value x : activeXs)
    if (x)
      revTypes.push_back(x.getType());
  auto rev = mdl::ScanOp::create(
      b, loc, revTypes, revXs, revInits, fwd.getAxisAttr(), fwd.getLengthAttr(),
      fwd.getReverse() ? UnitAttr() : b.getUnitAttr());
  Block *revBody = new Block();
  rev.getBody().push_back(revBody);
  auto dropAxis = [&](Value v) {
    auto type = cast<RankedTensorType>(v.getType());
    SmallVector<int64_t> shape(type.getShape());
    shape.erase(shape.begin() + axis);
    return RankedTensorType::get(shape, type.getElementType());
  };
  for (Value x : revXs)
    revBody->addArgument(dropAxis(x), loc);
  for (Value v : revInits)
    revBody->addArgument(v.getType(), loc);

  // The step body, recomputed from the saved carries.
  OpBuilder rb = OpBuilder::atBlockEnd(revBody);
  IRMapping map;
  for (unsigned i = 0; i < numXs; ++i)
    map.map(body.getArgument(i), revBody->getArgument(i));
  for (unsigned i = 0; i < numCarries; ++i)
    map.map(body.getArgument(numXs + i), revBody->getArgument(numXs + i));
  SmallVector<Operation *> cloned;
  for (Operation &op : body.without_terminator())
    cloned.push_back(rb.clone(op, map));

  Activity stepAct;
  for (unsigned i = 0; i < numXs; ++i)
    if (inner.varied.contains(body.getArgument(i)))
      stepAct.varied.insert(revBody->getArgument(i));
  for (unsigned i = 0; i < numCarries; ++i)
    if (carryVaried[i])
      stepAct.varied.insert(revBody->getArgument(numXs + i));
  for (Value c : captured)
    if (act.varied.contains(c))
      stepAct.varied.insert(c);
  stepAct.propagateForward(cloned);
  for (unsigned i = 0; i < numCarries; ++i)
    stepAct.useful.insert(map.lookupOrDefault(yielded[i]));
  for (unsigned j : outputsWithAdjoint)
    stepAct.useful.insert(map.lookupOrDefault(yielded[numCarries + j]));
  stepAct.propagateBackward(cloned);

  ReverseSweep step{rb, stepAct, llvm::DenseMap<Value, Value>(), dead};
  unsigned argDy = numXs + numCarries;
  unsigned argCarry = argDy + outputsWithAdjoint.size();
  for (unsigned i = 0; i < numCarries; ++i) {
    Value v = map.lookupOrDefault(yielded[i]);
    if (stepAct.active(v))
      step.accumulate(v, revBody->getArgument(argCarry + i), loc);
  }
  for (auto [k, j] : llvm::enumerate(outputsWithAdjoint)) {
    Value v = map.lookupOrDefault(yielded[numCarries + j]);
    if (stepAct.active(v))
      step.accumulate(v, revBody->getArgument(argDy + k), loc);
  }
  if (failed(step.run(cloned)))
    return failure();
  SmallVector<Value> next;
  for (unsigned i = 0; i < numCarries; ++i)
    next.push_back(step.adjointOr0(revBody->getArgument(numXs + i), loc));
  for (auto [k, c] : llvm::enumerate(accumulated)) {
    Value acc = revBody->getArgument(argCarry + numCarries + k);
    if (Value g = step.adjoints.lookup(c))
      acc = mdl::AddOp::create(rb, loc, acc.getType(), acc, g);
    next.push_back(acc);
  }
  for (auto [i, x] : llvm::enumerate(activeXs))
    if (x)
      next.push_back(step.adjointOr0(revBody->getArgument(i), loc));
  mdl::YieldOp::create(rb, loc, next);

  // The adjoints of the scan's inputs.
  for (unsigned i = 0; i < numCarries; ++i)
    if (act.active(fwd.getInits()[i]))
      accumulate(fwd.getInits()[i], rev.getResult(i), loc);
  for (auto [k, c] : llvm::enumerate(accumulated))
    accumulate(c, rev.getResult(numCarries + k), loc);
  unsigned out = numCarries + accumulated.size();
  for (Value x : activeXs)
    if (x)
      accumulate(x, rev.getResult(out++), loc);
  return success();
}

/// Differentiates `grad` (a copy of the loss function) in place: appends the
/// reverse sweep and makes it return the loss and the parameter gradients.
LogicalResult differentiate(func::FuncOp grad) {
  Block &body = grad.getBody().front();
  auto ret = cast<func::ReturnOp>(body.getTerminator());
  if (ret.getNumOperands() != 1 || !isFloatTensor(ret.getOperand(0)) ||
      cast<RankedTensorType>(ret.getOperand(0).getType()).getRank() != 0)
    return grad.emitError(
        "a loss function must return one floating-point scalar tensor");
  Value loss = ret.getOperand(0);

  // Activity: forward from the parameters, backward from the loss.
  Activity act;
  SmallVector<unsigned> paramArgs;
  for (BlockArgument arg : body.getArguments())
    if (grad.getArgAttr(arg.getArgNumber(), mdl::kParamAttr)) {
      act.varied.insert(arg);
      paramArgs.push_back(arg.getArgNumber());
    }
  SmallVector<Operation *> forward = opsOf(body);
  act.propagateForward(forward);
  act.useful.insert(loss);
  act.propagateBackward(forward);

  OpBuilder b(ret);
  SmallVector<Operation *> dead;
  ReverseSweep sweep{b, act, llvm::DenseMap<Value, Value>(), dead};
  if (act.active(loss)) {
    sweep.adjoints[loss] = mdl::splatConstant(
        b, grad.getLoc(), cast<RankedTensorType>(loss.getType()), 1.0);
  }
  if (failed(sweep.run(forward)))
    return failure();
  for (Operation *op : dead)
    op->erase();

  SmallVector<Value> results{loss};
  for (unsigned idx : paramArgs)
    results.push_back(sweep.adjointOr0(body.getArgument(idx), grad.getLoc()));
  func::ReturnOp::create(b, ret.getLoc(), results);
  ret.erase();

  SmallVector<Type> resultTypes;
  for (Value v : results)
    resultTypes.push_back(v.getType());
  grad.setType(FunctionType::get(grad.getContext(), grad.getArgumentTypes(),
                                 resultTypes));
  grad.setResultAttrs(
      0, b.getDictionaryAttr(b.getNamedAttr(kLossValueAttr, b.getUnitAttr())));
  for (auto [i, idx] : llvm::enumerate(paramArgs))
    grad.setResultAttrs(i + 1,
                        b.getDictionaryAttr(b.getNamedAttr(
                            kGradAttr, grad.getArgAttr(idx, mdl::kParamAttr))));
  return success();
}

struct AutodiffPass : public adjoint::impl::AdjointAutodiffBase<AutodiffPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<func::FuncOp> lossFns;
    for (auto fn : module.getOps<func::FuncOp>())
      if (fn->hasAttr(kLossFnAttr))
        lossFns.push_back(fn);
    SymbolTable symbols(module);
    for (func::FuncOp fn : lossFns) {
      std::string name = (fn.getSymName() + "_grad").str();
      if (symbols.lookup(name)) {
        fn.emitError("cannot create '") << name << "': the name is taken";
        return signalPassFailure();
      }
      if (!fn.getBody().hasOneBlock()) {
        fn.emitError("a loss function must have a single block");
        return signalPassFailure();
      }
      auto grad = cast<func::FuncOp>(fn->clone());
      grad.setSymName(name);
      grad->removeAttr(kLossFnAttr);
      grad->setAttr("mdl.grad_of", FlatSymbolRefAttr::get(fn.getSymNameAttr()));
      symbols.insert(grad, std::next(Block::iterator(fn)));
      if (failed(differentiate(grad)))
        return signalPassFailure();
    }
  }
};

} // namespace
