//===- Report.cpp - Compile report: memory of a train step ----------------===//
//
// Exact byte counts of what a compiled train step keeps: parameters and
// optimizer state (from the train-level IR), the forward values the reverse
// sweep reads (saved activations), and the temporary buffers the bufferized
// train step allocates (scratch), among them any buffer of a parameter's
// shape (a materialized weight gradient; zero when every update is fused).
//
//===----------------------------------------------------------------------===//

#include "compiler/Passes.h"
#include "compiler/codegen/Codegen.h"

#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/SetVector.h"

using namespace mlir;
using namespace adjoint;

namespace {

int64_t bytesOf(Type t) {
  auto shaped = dyn_cast<ShapedType>(t);
  if (!shaped || !shaped.hasStaticShape())
    return 0;
  return shaped.getNumElements() * ((shaped.getElementTypeBitWidth() + 7) / 8);
}

func::FuncOp trainStep(ModuleOp module) {
  for (auto fn : module.getOps<func::FuncOp>())
    if (fn->hasAttr("mdl.train_step_of"))
      return fn;
  return nullptr;
}

std::string human(int64_t bytes) {
  char buf[64];
  if (bytes >= (1 << 20))
    std::snprintf(buf, sizeof(buf), "%lld bytes (%.2f MiB)", (long long)bytes,
                  bytes / 1048576.0);
  else if (bytes >= 1024)
    std::snprintf(buf, sizeof(buf), "%lld bytes (%.1f KiB)", (long long)bytes,
                  bytes / 1024.0);
  else
    std::snprintf(buf, sizeof(buf), "%lld bytes", (long long)bytes);
  return buf;
}

} // namespace

void adjoint::collectTrainReport(ModuleOp module, MemoryReport &r) {
  func::FuncOp step = trainStep(module);
  if (!step)
    return;
  for (unsigned i = 0; i < step.getNumArguments(); ++i) {
    int64_t b = bytesOf(step.getArgumentTypes()[i]);
    if (step.getArgAttr(i, mdl::kBufferAttr))
      r.modelBuffers += b;
    else if (step.getArgAttr(i, mdl::kParamAttr))
      r.params += b;
    else if (step.getArgAttr(i, kStateAttr) || step.getArgAttr(i, kStepAttr))
      r.state += b;
    else if (step.getArgAttr(i, mdl::kInputAttr) ||
             step.getArgAttr(i, mdl::kMaskAttr))
      r.inputs += b;
  }
  // Forward values: the ops the loss depends on. A forward value read by any
  // other op is kept alive for the reverse sweep.
  Block &body = step.getBody().front();
  Value loss = body.getTerminator()->getOperand(0);
  llvm::DenseSet<Operation *> forward;
  SmallVector<Value> work{loss};
  while (!work.empty()) {
    Value v = work.pop_back_val();
    Operation *def = v.getDefiningOp();
    if (!def || !forward.insert(def).second)
      continue;
    for (Value o : def->getOperands())
      work.push_back(o);
  }
  auto readByReverse = [&](Value v) {
    return llvm::any_of(v.getUsers(), [&](Operation *u) {
      return !forward.contains(u) && !isa<func::ReturnOp>(u);
    });
  };
  // In block order, so the report is deterministic.
  llvm::SetVector<Value> saved;
  for (Operation &op : body.without_terminator())
    if (forward.contains(&op))
      for (Value res : op.getResults())
        if (readByReverse(res))
          saved.insert(res);
  for (Value v : saved)
    r.saved += bytesOf(v.getType());

  // What each rematerialization choice would keep instead: the values of
  // the recomputed kinds are replaced by their forward operands (inputs and
  // parameters are kept anyway).
  auto savedIf = [&](llvm::function_ref<bool(Operation *)> chosen) {
    llvm::SetVector<Value> kept;
    for (Value v : saved) {
      Operation *def = v.getDefiningOp();
      if (!isRecomputable(def) || !chosen(def)) {
        kept.insert(v);
        continue;
      }
      for (Value o : def->getOperands())
        if (o.getDefiningOp() && forward.contains(o.getDefiningOp()))
          kept.insert(o);
    }
    // Recomputing an operand's kind too drops it again (one level).
    int64_t bytes = 0;
    for (Value v : kept)
      if (saved.contains(v) || !isRecomputable(v.getDefiningOp()) ||
          !chosen(v.getDefiningOp()))
        bytes += bytesOf(v.getType());
    return bytes;
  };
  llvm::SetVector<StringRef> kinds;
  for (Value v : saved)
    if (isRecomputable(v.getDefiningOp()))
      kinds.insert(v.getDefiningOp()->getName().stripDialect());
  for (StringRef k : kinds)
    r.rematChoices.emplace_back(k.str(), savedIf([&](Operation *op) {
                                  return op->getName().stripDialect() == k;
                                }));
  if (kinds.size() > 1)
    r.rematChoices.emplace_back("all",
                                savedIf([](Operation *) { return true; }));
  if (auto train = *module.getOps<mdl::TrainOp>().begin()) {
    if (auto clip = train.getClip())
      if (clip->getAs<StringAttr>("kind").getValue() == "norm")
        r.clipNorm = true;
  }
}

void adjoint::collectBufferReport(ModuleOp module, MemoryReport &r) {
  func::FuncOp step = trainStep(module);
  if (!step)
    return;
  step.walk([&](memref::AllocOp alloc) {
    r.scratch += bytesOf(alloc.getType());
    ++r.allocations;
  });
  // An update that was not fused into its gradient kernel is still a
  // linalg.generic reading a whole gradient buffer; a fused one became the
  // vector epilogue of the matmul tile loop.
  step.walk([&](linalg::GenericOp g) {
    if (!g->hasAttr("adjoint.update"))
      return;
    for (Value in : g.getDpsInputs()) {
      int64_t b = bytesOf(in.getType());
      auto t = cast<MemRefType>(in.getType());
      r.paramShaped += b;
      if (t.getRank() >= 2)
        r.weightGradients += b;
    }
  });
}

void adjoint::collectScratchReport(ModuleOp module, MemoryReport &r) {
  func::FuncOp step = trainStep(module);
  if (!step)
    return;
  std::string prefix = ("__adjoint_scratch_" + step.getSymName() + "_").str();
  for (auto g : module.getOps<memref::GlobalOp>())
    if (g.getSymName().starts_with(prefix)) {
      r.staticScratch += bytesOf(g.getType());
      ++r.staticBuffers;
    }
}

void adjoint::printReport(const MemoryReport &r, llvm::raw_ostream &os) {
  os << "memory of the train step:\n";
  os << "  parameters:          " << human(r.params) << "\n";
  os << "  optimizer state:     " << human(r.state) << "\n";
  if (r.modelBuffers)
    os << "  model buffers:       " << human(r.modelBuffers)
       << " (batch-norm running statistics; not trained)\n";
  os << "  inputs and mask:     " << human(r.inputs) << "\n";
  os << "  saved activations:   " << human(r.saved)
     << " (forward values the reverse sweep reads)\n";
  for (const auto &[kind, bytes] : r.rematChoices)
    os << "    with --remat=" << kind << ": " << human(bytes) << "\n";
  os << "  scratch:             " << human(r.staticScratch) << " in "
     << r.staticBuffers << " static buffers (" << r.allocations
     << " temporaries of " << human(r.scratch)
     << ", sharing storage where their lifetimes do not overlap)\n";
  os << "  gradient buffers:    " << human(r.paramShaped)
     << " (gradients materialized for an unfused update), of which "
     << human(r.weightGradients) << " for matrices";
  if (r.weightGradients == 0)
    os << ": every weight update runs inside its gradient kernel";
  os << "\n";
  if (r.clipNorm)
    os << "  clipping by global norm: the gradients are kept until the norm "
          "of all of them is known, then scaled and applied (exact; the "
          "updates are not fused, the gradient buffers above are its "
          "cost)\n";
}
