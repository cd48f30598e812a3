//===- ProfileInstrument.cpp - Time the loop nests of the entry points ----===//
//
// Second half of --profile: after tiling, fusion, bufferization and static
// scratch, the body of an entry point is a sequence of top-level loop nests
// and linalg ops. Each one that does work becomes a profiled region:
//
//   func.call @adj_prof_enter(%name, %flops) : (!llvm.ptr, i64) -> ()
//   <the loop nest>
//   func.call @adj_prof_exit(%name) : (!llvm.ptr) -> ()
//
// The name is a constant string "function | kernels | file:line:col",
// where the kernels are the ones adjoint-profile-mark named and whose
// locations occur inside the region (a weight-gradient matmul fused into
// its optimizer update shows as "update ... + matmul_tn ..."), and flops is
// the sum of their floating-point operations. The runtime accumulates time
// per name (runtime/src/profile.c).
//
//===----------------------------------------------------------------------===//

#include "compiler/Passes.h"
#include "compiler/codegen/Profile.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"

namespace adjoint {
#define GEN_PASS_DEF_ADJOINTPROFILEINSTRUMENT
#include "compiler/Passes.h.inc"
} // namespace adjoint

using namespace mlir;
using namespace adjoint;

namespace {

/// Kernel number of a "adjoint.kernel.N" name, or -1.
int64_t kernelId(NameLoc loc) {
  StringRef name = loc.getName().getValue();
  int64_t id;
  if (!name.consume_front(profile::kKernelLocPrefix) ||
      name.getAsInteger(10, id))
    return -1;
  return id;
}

/// Collects the kernel numbers and the first file location inside `loc`.
void scanLoc(Location loc, llvm::SetVector<int64_t> &ids,
             std::optional<FileLineColLoc> &file) {
  loc->walk([&](Location l) {
    if (auto n = dyn_cast<NameLoc>(l)) {
      if (int64_t id = kernelId(n); id >= 0)
        ids.insert(id);
    } else if (auto f = dyn_cast<FileLineColLoc>(l)) {
      if (!file)
        file = f;
    }
    return WalkResult::advance();
  });
}

/// `loc` without the kernel names.
Location stripKernelNames(Location loc) {
  if (auto n = dyn_cast<NameLoc>(loc)) {
    Location child = stripKernelNames(n.getChildLoc());
    if (kernelId(n) >= 0)
      return child;
    return NameLoc::get(n.getName(), child);
  }
  if (auto f = dyn_cast<FusedLoc>(loc)) {
    SmallVector<Location> parts;
    for (Location p : f.getLocations())
      parts.push_back(stripKernelNames(p));
    return FusedLoc::get(loc->getContext(), parts, f.getMetadata());
  }
  if (auto c = dyn_cast<CallSiteLoc>(loc))
    return CallSiteLoc::get(stripKernelNames(c.getCallee()),
                            stripKernelNames(c.getCaller()));
  return loc;
}

/// Whether a top-level op of an entry point is worth a region.
bool doesWork(Operation *op) {
  return op->getNumRegions() > 0 || isa<linalg::LinalgOp>(op) ||
         isa<memref::CopyOp>(op);
}

struct ProfileInstrumentPass
    : public adjoint::impl::AdjointProfileInstrumentBase<
          ProfileInstrumentPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    auto kernels = module->getAttrOfType<ArrayAttr>(profile::kKernelsAttr);
    if (!kernels) {
      module.emitError("adjoint-profile-instrument needs the kernels named "
                       "by adjoint-profile-mark");
      return signalPassFailure();
    }
    auto kernelField = [&](int64_t id, StringRef field) -> Attribute {
      if (id < 0 || id >= (int64_t)kernels.size())
        return nullptr;
      auto d = dyn_cast<DictionaryAttr>(kernels[id]);
      return d ? d.get(field) : nullptr;
    };

    OpBuilder b(ctx);
    auto ptrTy = LLVM::LLVMPointerType::get(ctx);
    auto i64 = IntegerType::get(ctx, 64);
    SymbolTable symbols(module);
    auto declare = [&](StringRef name, TypeRange args) {
      if (auto f = symbols.lookup<func::FuncOp>(name))
        return f;
      b.setInsertionPointToEnd(module.getBody());
      auto f = func::FuncOp::create(b, module.getLoc(), name,
                                    b.getFunctionType(args, {}));
      f.setPrivate();
      symbols.insert(f);
      return f;
    };
    func::FuncOp enter = declare("adj_prof_enter", {ptrTy, i64});
    func::FuncOp exit = declare("adj_prof_exit", {ptrTy});

    SmallVector<func::FuncOp> entries;
    for (auto fn : module.getOps<func::FuncOp>())
      if (!fn.isPrivate() && !fn.isExternal())
        entries.push_back(fn);
    unsigned regionCount = 0;
    for (func::FuncOp fn : entries) {
      for (Operation &op : llvm::make_early_inc_range(fn.front())) {
        if (!doesWork(&op))
          continue;
        llvm::SetVector<int64_t> ids;
        std::optional<FileLineColLoc> file;
        op.walk([&](Operation *inner) { scanLoc(inner->getLoc(), ids, file); });
        std::string what;
        int64_t flops = 0;
        unsigned shown = 0;
        for (int64_t id : ids) {
          auto name = dyn_cast_or_null<StringAttr>(kernelField(id, "name"));
          auto f = dyn_cast_or_null<IntegerAttr>(kernelField(id, "flops"));
          if (f)
            flops += f.getInt();
          // Fills fused into a contraction are not worth naming.
          if (!name || (ids.size() > 1 && name.getValue().starts_with("fill")))
            continue;
          if (shown < 3)
            what += (what.empty() ? "" : " + ") + name.getValue().str();
          else if (shown == 3)
            what += " + ...";
          ++shown;
        }
        if (what.empty())
          what = op.getName().getStringRef().str();
        std::string where =
            file ? llvm::formatv("{0}:{1}:{2}",
                                 llvm::sys::path::filename(
                                     file->getFilename().getValue()),
                                 file->getLine(), file->getColumn())
                       .str()
                 : std::string("?");
        std::string label =
            (fn.getSymName() + " | " + what + " | " + where).str();

        // A constant NUL-terminated string per region.
        b.setInsertionPointToStart(module.getBody());
        auto strTy = LLVM::LLVMArrayType::get(IntegerType::get(ctx, 8),
                                              label.size() + 1);
        std::string sym = "__adj_prof_region_" + std::to_string(regionCount++);
        auto global = LLVM::GlobalOp::create(
            b, op.getLoc(), strTy, /*isConstant=*/true, LLVM::Linkage::Internal,
            sym, b.getStringAttr(label + std::string(1, '\0')));
        symbols.insert(global);

        b.setInsertionPoint(&op);
        Location loc = op.getLoc();
        Value name = LLVM::AddressOfOp::create(b, loc, global);
        Value f = arith::ConstantOp::create(b, loc, i64,
                                            b.getIntegerAttr(i64, flops));
        func::CallOp::create(b, loc, enter, ValueRange{name, f});
        b.setInsertionPointAfter(&op);
        func::CallOp::create(b, loc, exit, ValueRange{name});
      }
    }

    module.walk(
        [](Operation *op) { op->setLoc(stripKernelNames(op->getLoc())); });
    module->removeAttr(profile::kKernelsAttr);
  }
};

} // namespace
