//===- FuseOptimizer.cpp - Optimizer updates inside the reverse sweep -----===//
//
// Builds `<model>_train_step` from `<model>_grad`: every parameter gradient
// feeds an optim update placed as early as exact semantics allow, that is
// right after the gradient is complete and after the last reader of the old
// parameter value.
//
//===----------------------------------------------------------------------===//

#include "compiler/Passes.h"

namespace adjoint {
#define GEN_PASS_DEF_ADJOINTFUSEOPTIMIZER
#include "compiler/Passes.h.inc"
} // namespace adjoint

using namespace mlir;
using namespace adjoint;

namespace {

/// The last operation of `block` (before the terminator) that defines `grad`
/// or reads `param`; null when there is none.
Operation *lastDependency(Block &block, Value param, Value grad) {
  Operation *last = grad.getDefiningOp();
  if (last && last->getBlock() != &block)
    last = nullptr;
  for (Operation *user : param.getUsers()) {
    if (user->getBlock() != &block || user == block.getTerminator())
      continue;
    if (!last || last->isBeforeInBlock(user))
      last = user;
  }
  return last;
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

    double momentum = 0.0;
    if (auto m = train.getHyper().getAs<FloatAttr>("momentum"))
      momentum = m.getValueAsDouble();
    bool nesterov = train.getHyper().get("nesterov") != nullptr;

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

    // Optimizer state: one momentum buffer per parameter, after the params.
    SmallVector<unsigned> stateArgs;
    if (momentum > 0.0) {
      unsigned pos = paramArgs.empty() ? 0 : paramArgs.back() + 1;
      for (auto [k, idx] : llvm::enumerate(paramArgs)) {
        Type t = step.getArgument(idx).getType();
        auto attrs = b.getDictionaryAttr(
            b.getNamedAttr(kStateAttr, step.getArgAttr(idx, mdl::kParamAttr)));
        if (failed(step.insertArgument(pos + k, t, attrs, loc)))
          return failure();
        stateArgs.push_back(pos + k);
      }
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

    SmallVector<Value> newParams, newState;
    for (auto [k, idx] : llvm::enumerate(paramArgs)) {
      Value param = body.getArgument(idx);
      Value g = ret.getOperand(k + 1);
      if (noFuse) {
        b.setInsertionPoint(ret);
      } else if (Operation *after = lastDependency(body, param, g)) {
        b.setInsertionPointAfter(after);
      } else {
        b.setInsertionPointToStart(&body);
      }
      if (momentum > 0.0) {
        auto upd = optim::SgdMomentumOp::create(
            b, loc, param.getType(), param.getType(), param, g,
            body.getArgument(stateArgs[k]), lr, b.getF64FloatAttr(momentum),
            nesterov ? b.getUnitAttr() : UnitAttr());
        newParams.push_back(upd.getNewParam());
        newState.push_back(upd.getNewBuf());
      } else {
        newParams.push_back(
            optim::SgdOp::create(b, loc, param.getType(), param, g, lr)
                .getResult());
      }
    }

    SmallVector<Value> results{ret.getOperand(0)};
    results.append(newParams);
    results.append(newState);
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
    for (auto [k, idx] : llvm::enumerate(paramArgs))
      inplace(1 + k, idx);
    for (auto [k, idx] : llvm::enumerate(stateArgs))
      inplace(1 + paramArgs.size() + k, idx);
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
