//===- Autodiff.cpp - Reverse-mode differentiation of loss functions ------===//
//
// Builds `<f>_grad` for every function `f` marked `mdl.loss`: a copy of the
// forward body followed by the reverse sweep, which returns the loss and the
// gradient of every parameter argument.
//
//===----------------------------------------------------------------------===//

#include "compiler/Passes.h"

#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/DenseSet.h"

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

  // Activity: forward from the parameters...
  llvm::DenseSet<Value> varied;
  SmallVector<unsigned> paramArgs;
  for (BlockArgument arg : body.getArguments())
    if (grad.getArgAttr(arg.getArgNumber(), mdl::kParamAttr)) {
      varied.insert(arg);
      paramArgs.push_back(arg.getArgNumber());
    }
  for (Operation &op : body.without_terminator())
    if (llvm::any_of(op.getOperands(),
                     [&](Value v) { return varied.contains(v); }))
      for (Value r : op.getResults())
        varied.insert(r);
  // ...and backward from the loss.
  llvm::DenseSet<Value> useful;
  useful.insert(loss);
  for (Operation &op : llvm::reverse(body.without_terminator()))
    if (llvm::any_of(op.getResults(),
                     [&](Value v) { return useful.contains(v); }))
      for (Value v : op.getOperands())
        useful.insert(v);
  auto active = [&](Value v) {
    return varied.contains(v) && useful.contains(v) && isFloatTensor(v);
  };

  OpBuilder b(ret);
  llvm::DenseMap<Value, Value> adjoints;
  auto accumulate = [&](Value v, Value adj, Location loc) {
    auto [it, inserted] = adjoints.try_emplace(v, adj);
    if (!inserted)
      it->second = mdl::AddOp::create(b, loc, v.getType(), it->second, adj);
  };
  if (active(loss)) {
    adjoints[loss] = mdl::splatConstant(
        b, grad.getLoc(), cast<RankedTensorType>(loss.getType()), 1.0);
  }

  SmallVector<Operation *> forward;
  for (Operation &op : body.without_terminator())
    forward.push_back(&op);
  for (Operation *op : llvm::reverse(forward)) {
    if (llvm::none_of(op->getResults(),
                      [&](Value r) { return adjoints.count(r); }))
      continue;
    auto iface = dyn_cast<mdl::AdjointOpInterface>(op);
    if (!iface)
      return op->emitError("cannot differentiate '")
             << op->getName() << "': it has no adjoint rule";
    SmallVector<Value> resultAdjoints;
    for (Value r : op->getResults()) {
      Value a = adjoints.lookup(r);
      resultAdjoints.push_back(a ? a : zerosLike(b, op->getLoc(), r.getType()));
    }
    SmallVector<bool> needed;
    for (Value v : op->getOperands())
      needed.push_back(active(v));
    SmallVector<Value> operandAdjoints;
    if (failed(iface.buildAdjoint(b, resultAdjoints, needed, operandAdjoints)))
      return failure();
    if (operandAdjoints.size() != op->getNumOperands())
      return op->emitError("adjoint rule returned ")
             << operandAdjoints.size() << " adjoints for "
             << op->getNumOperands() << " operands";
    for (auto [v, adj] : llvm::zip(op->getOperands(), operandAdjoints))
      if (adj && active(v))
        accumulate(v, adj, op->getLoc());
  }

  SmallVector<Value> results{loss};
  for (unsigned idx : paramArgs) {
    Value arg = body.getArgument(idx);
    Value g = adjoints.lookup(arg);
    results.push_back(g ? g : zerosLike(b, grad.getLoc(), arg.getType()));
  }
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
