//===- ConvSchedules.cpp - Transform scripts for convolutions -------------===//
//
// Direct convolution schedules (no im2col, no packing copies), after the
// recipes measured in /work/shared/reference/conv2d:
//
//  * conv_2d_nhwc_hwcf (forward, and the input gradient, which the mdl
//    lowering writes as a convolution with the flipped filter): one image
//    per iteration of an scf.forall (threads split the batch) with only the
//    zero fill fused into it (structured.fuse would also pull in the
//    producers of the input, bias add, relu, pooling, and recompute them
//    for every register tile), then the register tile [1, 1, OWt, Ft] of
//    the output with its zero fill fused in by structured.fuse (the
//    accumulators start as zero vectors: no store and reload of the fill;
//    the input is a slice of a slice there, which it does not trace
//    through), unit steps over kh, kw and c, decomposed to a 1-D convolution
//    and vectorized: per step, OWt x Ft / lanes FMAs of a broadcast input
//    element with filter vectors;
//  * the filter gradient (a contraction generic with the input indexed
//    (n, oh sh + kh dh, ow sw + kw dw, c)): the batch blocked for L2, the
//    register tile (kh, kw, c, f) of the gradient in vector accumulators,
//    unit steps over n, oh, ow; an outer product of input channels with
//    output-gradient vectors per step.
//
// Tiles divide their dimension (a tile larger than the dimension, or a
// partial one, disables vectorization) and the accumulators fit in the 32
// vector registers with room for the operands.
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/ConvSchedules.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "llvm/Support/FormatVariadic.h"

using namespace mlir;
using namespace adjoint;

namespace {

constexpr llvm::StringLiteral kSchedAttr = "adjoint.sched";
/// Accumulator registers a register tile may use.
constexpr int64_t kAccumulators = 24;

int64_t divisorAtMost(int64_t n, int64_t cap) {
  for (int64_t t = std::min(n, cap); t > 1; --t)
    if (n % t == 0)
      return t;
  return 1;
}

int64_t vectorsOf(int64_t n, int64_t lanes) { return (n + lanes - 1) / lanes; }

/// Output-channel tile candidates: two vectors, one vector, or the whole
/// (small or unaligned) dimension.
SmallVector<int64_t> channelTiles(int64_t f, int64_t lanes) {
  SmallVector<int64_t> c;
  if (f % (2 * lanes) == 0)
    c.push_back(2 * lanes);
  if (f % lanes == 0)
    c.push_back(lanes);
  if (c.empty())
    c.push_back(f <= 2 * lanes ? f : divisorAtMost(f, lanes));
  return c;
}

void scheduleConv(linalg::Conv2DNhwcHwcfOp conv, llvm::raw_ostream &os,
                  const std::string &tag) {
  auto out = cast<RankedTensorType>(conv.getResult(0).getType());
  int64_t lanes = 512 / out.getElementType().getIntOrFloatBitWidth();
  int64_t ow = out.getDimSize(2), f = out.getDimSize(3);
  // The register tile with the most accumulators within the budget.
  int64_t bestW = 1, bestF = 0, best = 0;
  for (int64_t ft : channelTiles(f, lanes)) {
    int64_t v = vectorsOf(ft, lanes);
    int64_t wt = divisorAtMost(ow, std::max<int64_t>(kAccumulators / v, 1));
    if (wt * v > best) {
      best = wt * v;
      bestW = wt;
      bestF = ft;
    }
  }
  auto in = cast<RankedTensorType>(conv.getDpsInputs()[0].getType());
  auto fl = cast<RankedTensorType>(conv.getDpsInputs()[1].getType());
  os << llvm::formatv(
      R"(    // {0}: conv {1} * {2} -> {3}, one image per forall iteration, register tile [1, 1, {4}, {5}] with the fill fused, unit kh/kw/c steps, 1-D decomposition
    %{0} = transform.structured.match attributes{{adjoint.sched = "{0}"} in %root : (!transform.any_op) -> !transform.any_op
    %{0}_fill = transform.get_producer_of_operand %{0}[2] : (!transform.any_op) -> !transform.any_op
    %{0}_n, %{0}_nl = transform.structured.tile_using_forall %{0} tile_sizes [1] : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    %{0}_nf, %{0}_nl2 = transform.structured.fuse_into_containing_op %{0}_fill into %{0}_nl : (!transform.any_op, !transform.any_op) -> (!transform.any_op, !transform.any_op)
    %{0}_r, %{0}_rl:4 = transform.structured.fuse %{0}_n tile_sizes [1, 1, {4}, {5}, 0, 0, 0] : (!transform.any_op) -> (!transform.any_op, !transform.any_op, !transform.any_op, !transform.any_op, !transform.any_op)
    %{0}_k, %{0}_kl:3 = transform.structured.tile_using_for %{0}_r tile_sizes [0, 0, 0, 0, 1, 1, 1] : (!transform.any_op) -> (!transform.any_op, !transform.any_op, !transform.any_op, !transform.any_op)
    %{0}_d = transform.structured.decompose %{0}_k : (!transform.any_op) -> !transform.any_op
    %{0}_v = transform.structured.match ops{{["linalg.fill", "linalg.conv_1d_nwc_wcf"]} in %{0}_rl#0 : (!transform.any_op) -> !transform.any_op
    transform.structured.vectorize %{0}_v : !transform.any_op
)",
      tag, in, fl, out, bestW, bestF);
}

void scheduleFilterGrad(linalg::GenericOp g, llvm::raw_ostream &os,
                        const std::string &tag) {
  auto dw = cast<RankedTensorType>(g.getResult(0).getType());
  int64_t lanes = 512 / dw.getElementType().getIntOrFloatBitWidth();
  int64_t kh = dw.getDimSize(0), kw = dw.getDimSize(1), c = dw.getDimSize(2),
          f = dw.getDimSize(3);
  int64_t n =
      cast<RankedTensorType>(g.getDpsInputs()[1].getType()).getDimSize(0);
  // All output channels in vectors (up to four), then as many input
  // channels, then filter taps, as the accumulators allow.
  int64_t ft = f <= 4 * lanes ? f : divisorAtMost(f, 4 * lanes);
  if (ft > lanes && ft % lanes)
    ft = divisorAtMost(f, lanes);
  int64_t rows = std::max<int64_t>(20 / vectorsOf(ft, lanes), 1);
  int64_t ct = divisorAtMost(c, rows);
  rows /= ct;
  int64_t kwt = kw <= rows ? kw : 1;
  rows /= kwt;
  int64_t kht = kh <= rows ? kh : 1;
  int64_t nb = divisorAtMost(n, 8);
  os << llvm::formatv(
      R"(    // {0}: conv filter gradient {1}, batch block {2}, register tile [{3}, {4}, {5}, {6}], unit n/oh/ow steps
    %{0} = transform.structured.match attributes{{adjoint.sched = "{0}"} in %root : (!transform.any_op) -> !transform.any_op
    %{0}_b, %{0}_bl = transform.structured.tile_using_for %{0} tile_sizes [0, 0, 0, 0, {2}] : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    %{0}_r, %{0}_rl:4 = transform.structured.tile_using_for %{0}_b tile_sizes [{3}, {4}, {5}, {6}, 0, 0, 0] : (!transform.any_op) -> (!transform.any_op, !transform.any_op, !transform.any_op, !transform.any_op, !transform.any_op)
    %{0}_u, %{0}_ul:3 = transform.structured.tile_using_for %{0}_r tile_sizes [0, 0, 0, 0, 1, 1, 1] : (!transform.any_op) -> (!transform.any_op, !transform.any_op, !transform.any_op, !transform.any_op)
    transform.apply_patterns to %{0}_rl#0 {{
      transform.apply_patterns.linalg.fold_unit_extent_dims_via_slices
      transform.apply_patterns.canonicalization
    } : !transform.any_op
    %{0}_v = transform.structured.match ops{{["linalg.generic"]} in %{0}_rl#0 : (!transform.any_op) -> !transform.any_op
    transform.structured.vectorize %{0}_v : !transform.any_op
)",
      tag, dw, nb, kht, kwt, ct, ft);
}

} // namespace

unsigned adjoint::emitConvSchedules(ModuleOp module, llvm::raw_ostream &os,
                                    unsigned &id) {
  unsigned count = 0;
  MLIRContext *ctx = module.getContext();
  module.walk([&](Operation *op) {
    if (auto conv = dyn_cast<linalg::Conv2DNhwcHwcfOp>(op)) {
      // Dilated 1-D convolutions do not vectorize: left to scalar loops.
      bool dilated = llvm::any_of(conv.getDilations().getValues<int64_t>(),
                                  [](int64_t d) { return d != 1; });
      if (dilated || !conv.hasPureTensorSemantics() ||
          !cast<RankedTensorType>(conv.getResult(0).getType()).hasStaticShape())
        return;
      std::string tag = llvm::formatv("conv{0}", id++).str();
      op->setAttr(kSchedAttr, StringAttr::get(ctx, tag));
      scheduleConv(conv, os, tag);
      ++count;
      return;
    }
    auto g = dyn_cast<linalg::GenericOp>(op);
    if (!g || !g->hasAttr(kConvFilterGradAttr) || g.getNumLoops() != 7 ||
        !g.hasPureTensorSemantics() ||
        !cast<RankedTensorType>(g.getResult(0).getType()).hasStaticShape())
      return;
    std::string tag = llvm::formatv("convw{0}", id++).str();
    op->setAttr(kSchedAttr, StringAttr::get(ctx, tag));
    scheduleFilterGrad(g, os, tag);
    ++count;
  });
  return count;
}
