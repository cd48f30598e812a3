//===- StaticScratch.cpp - Temporary buffers in static storage ------------===//

#include "compiler/Passes.h"

#include "llvm/Support/FormatVariadic.h"

namespace adjoint {
#define GEN_PASS_DEF_ADJOINTSTATICSCRATCH
#include "compiler/Passes.h.inc"
} // namespace adjoint

using namespace mlir;
using namespace adjoint;

namespace {

struct StaticScratchPass
    : public adjoint::impl::AdjointStaticScratchBase<StaticScratchPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    OpBuilder top = OpBuilder::atBlockBegin(module.getBody());
    for (auto fn : module.getOps<func::FuncOp>()) {
      if (fn.isDeclaration() || fn.isPrivate())
        continue;
      SmallVector<memref::AllocOp> allocs;
      fn.walk([&](memref::AllocOp a) {
        if (a.getType().hasStaticShape() &&
            a.getType().getLayout().isIdentity())
          allocs.push_back(a);
      });
      for (auto [i, alloc] : llvm::enumerate(allocs)) {
        MemRefType type = alloc.getType();
        std::string name =
            llvm::formatv("__adjoint_scratch_{0}_{1}", fn.getSymName(), i)
                .str();
        auto global = memref::GlobalOp::create(
            top, alloc.getLoc(), name, top.getStringAttr("private"), type,
            top.getUnitAttr(), /*constant=*/false,
            top.getI64IntegerAttr(
                std::max<int64_t>(64, alloc.getAlignment().value_or(0))));
        symbols.insert(global);
        OpBuilder b(alloc);
        Value view = memref::GetGlobalOp::create(b, alloc.getLoc(), type,
                                                 global.getSymName());
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
