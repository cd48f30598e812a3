//===- ProfileMark.cpp - Name the kernels of the entry points -------------===//
//
// First half of --profile: before the schedules tile and fuse them, every
// linalg op of a public function is a kernel with a known iteration space.
// Give each a NameLoc "adjoint.kernel.N" around its source location and
// record what it is (op, loop ranges) and how many floating-point
// operations it performs (2 per multiply-add for contractions and
// convolutions; 0 otherwise: elementwise ops are memory-bound and are
// reported by time only).
//
//===----------------------------------------------------------------------===//

#include "compiler/Passes.h"
#include "compiler/codegen/Profile.h"

#include "llvm/Support/FormatVariadic.h"

namespace adjoint {
#define GEN_PASS_DEF_ADJOINTPROFILEMARK
#include "compiler/Passes.h.inc"
} // namespace adjoint

using namespace mlir;
using namespace adjoint;

namespace {

/// "matmul 128x512x784", "generic 128x512 update", "transpose 512x10".
std::string describe(linalg::LinalgOp op, int64_t &flops) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  std::string dims;
  int64_t points = 1;
  bool known = true;
  for (int64_t r : ranges) {
    if (!dims.empty())
      dims += "x";
    if (ShapedType::isDynamic(r)) {
      dims += "?";
      known = false;
    } else {
      dims += std::to_string(r);
      points *= r;
    }
  }
  StringRef name = op->getName().stripDialect();
  std::string kind = name.str();
  flops = 0;
  bool contraction = linalg::isaContractionOpInterface(op) ||
                     linalg::isaConvolutionOpInterface(op);
  if (contraction && known)
    flops = 2 * points;
  if (auto g = dyn_cast<linalg::GenericOp>(op.getOperation())) {
    if (g->hasAttr("adjoint.update"))
      kind = "update";
    else if (contraction)
      kind = "contraction";
    else if (g.getNumReductionLoops() > 0)
      kind = "reduction";
    else
      kind = "elementwise";
  } else if (auto mm = dyn_cast<linalg::MatmulOp>(op.getOperation())) {
    // The weight gradient reads its left operand transposed (Xᵀ·dY).
    AffineMap a = mm.getIndexingMapsArray()[0];
    if (a.getNumResults() == 2 &&
        a.getResult(0) == getAffineDimExpr(2, op->getContext()))
      kind = "matmul_tn";
  }
  return dims.empty() ? kind : kind + " " + dims;
}

struct ProfileMarkPass
    : public adjoint::impl::AdjointProfileMarkBase<ProfileMarkPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    SmallVector<Attribute> kernels;
    for (auto fn : module.getOps<func::FuncOp>()) {
      if (fn.isPrivate() || fn.isExternal())
        continue;
      fn.walk([&](linalg::LinalgOp op) {
        int64_t flops = 0;
        std::string what = describe(op, flops);
        std::string tag =
            (profile::kKernelLocPrefix + std::to_string(kernels.size())).str();
        op->setLoc(NameLoc::get(StringAttr::get(ctx, tag), op->getLoc()));
        NamedAttribute fields[] = {
            NamedAttribute(StringAttr::get(ctx, "name"),
                           StringAttr::get(ctx, what)),
            NamedAttribute(StringAttr::get(ctx, "flops"),
                           IntegerAttr::get(IntegerType::get(ctx, 64), flops))};
        kernels.push_back(DictionaryAttr::get(ctx, fields));
      });
    }
    module->setAttr(profile::kKernelsAttr, ArrayAttr::get(ctx, kernels));
  }
};

} // namespace
