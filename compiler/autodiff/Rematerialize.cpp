//===- Rematerialize.cpp - Recompute chosen activations in the reverse ----===//
//
// By default the reverse sweep reads the forward values it needs, so each
// one stays alive from the forward pass to its last use in the reverse
// sweep (a saved activation). For the chosen op kinds this pass instead
// recomputes the value right before its first reverse-sweep use, from the
// same operands: the forward value then dies in the forward pass, and the
// storage it held is free for the rest of the step. The operands become
// reverse-sweep reads instead, which only saves memory when they are kept
// anyway (e.g. relu(z): the relu adjoint reads z already).
//
// The recomputed op carries `mdl.remat`; the lowering copies it to the ops
// it creates, so CSE never merges a recomputation with its original.
//
//===----------------------------------------------------------------------===//

#include "compiler/Passes.h"

#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringSet.h"

namespace adjoint {
#define GEN_PASS_DEF_ADJOINTREMATERIALIZE
#include "compiler/Passes.h.inc"
} // namespace adjoint

using namespace mlir;
using namespace adjoint;

bool adjoint::isRecomputable(Operation *op) {
  return op && isa<mdl::MdlDialect>(op->getDialect()) && isPure(op) &&
         op->getNumResults() == 1 && op->getNumRegions() == 0 &&
         !isa<mdl::MatmulOp>(op) && !op->hasAttr(kRematAttr);
}

namespace {

struct RematerializePass
    : public adjoint::impl::AdjointRematerializeBase<RematerializePass> {
  using Base::Base;

  void runOnOperation() override {
    llvm::StringSet<> kinds;
    bool all = false;
    for (const std::string &o : ops) {
      if (o == "all")
        all = true;
      else
        kinds.insert(o);
    }
    if (!all && kinds.empty())
      return;
    for (const auto &k : kinds)
      if (!RegisteredOperationName::lookup(("mdl." + k.getKey()).str(),
                                           &getContext())) {
        getOperation().emitError("adjoint-rematerialize: unknown op '")
            << k.getKey() << "'";
        return signalPassFailure();
      }
    for (auto fn : getOperation().getOps<func::FuncOp>())
      if (fn->hasAttr("mdl.grad_of"))
        rematerialize(fn, all, kinds);
  }

  void rematerialize(func::FuncOp fn, bool all,
                     const llvm::StringSet<> &kinds) {
    Block &body = fn.getBody().front();
    // The forward ops: those the loss (the first result) depends on.
    Value loss = body.getTerminator()->getOperand(0);
    llvm::DenseSet<Operation *> forward;
    SmallVector<Value> work{loss};
    while (!work.empty()) {
      Operation *def = work.pop_back_val().getDefiningOp();
      if (!def || !forward.insert(def).second)
        continue;
      for (Value o : def->getOperands())
        work.push_back(o);
    }
    SmallVector<Operation *> chosen;
    for (Operation &op : body.without_terminator())
      if (forward.contains(&op) && isRecomputable(&op) &&
          (all || kinds.contains(op.getName().stripDialect())))
        chosen.push_back(&op);

    // Forward order, so a recomputed operand is available to the ops
    // recomputed after it.
    IRMapping recomputed;
    OpBuilder b(fn.getContext());
    for (Operation *op : chosen) {
      Value v = op->getResult(0);
      SmallVector<OpOperand *> reverseUses;
      Operation *first = nullptr;
      for (OpOperand &use : v.getUses()) {
        Operation *user = use.getOwner();
        if (forward.contains(user) || isa<func::ReturnOp>(user))
          continue;
        reverseUses.push_back(&use);
        if (!first || user->isBeforeInBlock(first))
          first = user;
      }
      if (reverseUses.empty())
        continue;
      b.setInsertionPoint(first);
      Operation *copy = b.clone(*op);
      for (OpOperand &operand : copy->getOpOperands()) {
        Value r = recomputed.lookupOrNull(operand.get());
        if (r && r.getDefiningOp()->isBeforeInBlock(copy))
          operand.set(r);
      }
      copy->setAttr(kRematAttr, b.getUnitAttr());
      for (OpOperand *use : reverseUses)
        use->set(copy->getResult(0));
      recomputed.map(v, copy->getResult(0));
    }
  }
};

} // namespace
