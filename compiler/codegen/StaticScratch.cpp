//===- StaticScratch.cpp - Temporary buffers in static storage ------------===//
//
// Every statically shaped allocation of a public function moves to a private
// memref.global. Allocations of the same type whose live ranges (from the
// first to the last use of the buffer or of a view of it, measured on the
// function's top-level operations) do not overlap share one global: the
// transposed-weight workspaces of consecutive layers, for example.
//
//===----------------------------------------------------------------------===//

#include "compiler/Passes.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "llvm/Support/FormatVariadic.h"

namespace adjoint {
#define GEN_PASS_DEF_ADJOINTSTATICSCRATCH
#include "compiler/Passes.h.inc"
} // namespace adjoint

using namespace mlir;
using namespace adjoint;

namespace {

/// [first, last] top-level operation index touching `alloc` or its views.
std::pair<int64_t, int64_t>
liveRange(memref::AllocOp alloc, Block &top,
          const llvm::DenseMap<Operation *, int64_t> &index) {
  int64_t first = index.lookup(alloc), last = first;
  SmallVector<Value> work{alloc.getResult()};
  while (!work.empty()) {
    Value v = work.pop_back_val();
    for (Operation *user : v.getUsers()) {
      Operation *anchor = top.findAncestorOpInBlock(*user);
      if (anchor) {
        int64_t i = index.lookup(anchor);
        first = std::min(first, i);
        last = std::max(last, i);
      }
      if (isa<ViewLikeOpInterface>(user))
        for (Value r : user->getResults())
          work.push_back(r);
    }
  }
  return {first, last};
}

struct StaticScratchPass
    : public adjoint::impl::AdjointStaticScratchBase<StaticScratchPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    OpBuilder top = OpBuilder::atBlockBegin(module.getBody());
    for (auto fn : module.getOps<func::FuncOp>()) {
      if (fn.isDeclaration() || fn.isPrivate() || !fn.getBody().hasOneBlock())
        continue;
      Block &body = fn.getBody().front();
      llvm::DenseMap<Operation *, int64_t> index;
      int64_t n = 0;
      for (Operation &op : body)
        index[&op] = n++;
      SmallVector<memref::AllocOp> allocs;
      fn.walk([&](memref::AllocOp a) {
        // A buffer allocated inside a parallel loop is per iteration (per
        // thread): it must not become shared static storage.
        if (a.getType().hasStaticShape() &&
            a.getType().getLayout().isIdentity() &&
            !a->getParentOfType<scf::ParallelOp>() &&
            !a->getParentOfType<scf::ForallOp>())
          allocs.push_back(a);
      });
      // Greedy interval sharing per type: a global is free again once the
      // last buffer placed in it is dead.
      struct Slot {
        memref::GlobalOp global;
        int64_t busyUntil;
      };
      llvm::DenseMap<Type, SmallVector<Slot>> slots;
      SmallVector<std::pair<std::pair<int64_t, int64_t>, memref::AllocOp>>
          ordered;
      for (memref::AllocOp a : allocs)
        ordered.push_back({liveRange(a, body, index), a});
      // Allocations come in program order; sort by start (ties keep it).
      llvm::DenseMap<Operation *, unsigned> walkOrder;
      for (auto [i, a] : llvm::enumerate(allocs))
        walkOrder[a] = i;
      llvm::sort(ordered, [&](auto &x, auto &y) {
        if (x.first.first != y.first.first)
          return x.first.first < y.first.first;
        return walkOrder.lookup(x.second) < walkOrder.lookup(y.second);
      });
      unsigned count = 0;
      for (auto &[range, alloc] : ordered) {
        MemRefType type = alloc.getType();
        int64_t align = std::max<int64_t>(64, alloc.getAlignment().value_or(0));
        Slot *slot = nullptr;
        for (Slot &s : slots[type])
          if (s.busyUntil < range.first &&
              static_cast<int64_t>(s.global.getAlignment().value_or(0)) >=
                  align) {
            slot = &s;
            break;
          }
        if (!slot) {
          std::string name = llvm::formatv("__adjoint_scratch_{0}_{1}",
                                           fn.getSymName(), count++)
                                 .str();
          auto global = memref::GlobalOp::create(
              top, alloc.getLoc(), name, top.getStringAttr("private"), type,
              top.getUnitAttr(), /*constant=*/false,
              top.getI64IntegerAttr(align));
          symbols.insert(global);
          slots[type].push_back({global, range.second});
          slot = &slots[type].back();
        }
        slot->busyUntil = range.second;
        OpBuilder b(alloc);
        Value view = memref::GetGlobalOp::create(b, alloc.getLoc(), type,
                                                 slot->global.getSymName());
        // A fresh allocation has undefined contents; so may the storage.
        for (Operation *user : llvm::make_early_inc_range(alloc->getUsers()))
          if (isa<memref::DeallocOp>(user))
            user->erase();
        alloc.replaceAllUsesWith(view);
        alloc.erase();
      }
    }
  }
};

} // namespace
