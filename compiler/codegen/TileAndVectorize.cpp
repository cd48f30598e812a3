//===- TileAndVectorize.cpp - Schedules for contractions ------------------===//
//
// Chooses a schedule for every linalg.matmul and writes it as a transform
// dialect script, which is then interpreted on the module:
//
//  * a matmul whose only user is an optimizer update (the dW of a weight)
//    is fused under the update: the update is tiled at the register tile,
//    the matmul and its zero fill are fused into those loops, and the k loop
//    steps by one. The gradient tile then lives in vector registers and the
//    update is its epilogue; no gradient buffer of the weight's size exists;
//  * every other matmul is blocked over k (when k is large) and tiled at the
//    register tile [rows, vector lanes x 2, 1];
//  * a batched product (the contraction generic of a batched mdl.matmul) is
//    tiled to one batch element and the same register tile.
//
// Tile sizes are divisors of the dimensions so every tile is static and
// vectorizes without masks. Elementwise ops are left to the loop vectorizer.
//
//===----------------------------------------------------------------------===//

#include "compiler/Passes.h"
#include "compiler/codegen/ConvSchedules.h"

#include "mlir/Dialect/Transform/IR/TransformOps.h"
#include "mlir/Dialect/Transform/Transforms/TransformInterpreterUtils.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/FormatVariadic.h"

namespace adjoint {
#define GEN_PASS_DEF_ADJOINTTILEANDVECTORIZE
#include "compiler/Passes.h.inc"
} // namespace adjoint

using namespace mlir;
using namespace adjoint;

namespace {

constexpr llvm::StringLiteral kSchedAttr = "adjoint.sched";

/// Largest divisor of `n` that is at most `cap`.
int64_t divisorAtMost(int64_t n, int64_t cap) {
  for (int64_t t = std::min(n, cap); t > 1; --t)
    if (n % t == 0)
      return t;
  return 1;
}

/// The update generic that is the only user of `mm`'s result, reading it
/// elementwise, if any.
linalg::GenericOp fusableUpdate(linalg::MatmulOp mm) {
  Value r = mm.getResult(0);
  if (!r.hasOneUse())
    return nullptr;
  auto g = dyn_cast<linalg::GenericOp>(*r.getUsers().begin());
  if (!g || !g->hasAttr("adjoint.update"))
    return nullptr;
  for (OpOperand *in : g.getDpsInputOperands())
    if (!g.getMatchingIndexingMap(in).isIdentity())
      return nullptr;
  return g;
}

struct TileAndVectorizePass
    : public adjoint::impl::AdjointTileAndVectorizeBase<TileAndVectorizePass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    bool fuse = fuseEpilogues && !module->hasAttr(kNoFuseAttr);
    std::string body;
    llvm::raw_string_ostream os(body);
    unsigned id = 0;
    module.walk([&](linalg::MatmulOp mm) {
      auto c = cast<RankedTensorType>(mm.getResult(0).getType());
      if (!c.hasStaticShape())
        return;
      unsigned bits = c.getElementType().getIntOrFloatBitWidth();
      int64_t lanes = 512 / bits; // one zmm register
      int64_t m = c.getDimSize(0), n = c.getDimSize(1);
      auto aType = cast<RankedTensorType>(mm.getDpsInputs()[0].getType());
      AffineMap aMap = mm.getIndexingMapsArray()[0];
      int64_t k = aType.getDimSize(
          aMap.getResult(0) == getAffineDimExpr(2, &getContext()) ? 0 : 1);
      std::string tag = llvm::formatv("mm{0}", id++).str();
      mm->setAttr(kSchedAttr, StringAttr::get(&getContext(), tag));
      int64_t tm = divisorAtMost(m, 8);
      if (linalg::GenericOp upd = fuse ? fusableUpdate(mm) : nullptr) {
        // Accumulators plus the epilogue's live values must fit in the
        // register file: one zmm of columns, 8 rows.
        int64_t tn = divisorAtMost(n, lanes);
        std::string utag = tag + "_update";
        upd->setAttr(kSchedAttr, StringAttr::get(&getContext(), utag));
        os << llvm::formatv(
            R"(    // {0}: {1}x{2}x{3} {4}, update fused at register tile [{5}, {6}]
    %{0}_u = transform.structured.match attributes{{adjoint.sched = "{7}"} in %root : (!transform.any_op) -> !transform.any_op
    %{0}_mm = transform.structured.match attributes{{adjoint.sched = "{0}"} in %root : (!transform.any_op) -> !transform.any_op
    %{0}_fill = transform.get_producer_of_operand %{0}_mm[2] : (!transform.any_op) -> !transform.any_op
    %{0}_t, %{0}_l = transform.structured.tile_using_forall %{0}_u tile_sizes [{5}, {6}] : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    %{0}_fm, %{0}_l2 = transform.structured.fuse_into_containing_op %{0}_mm into %{0}_l : (!transform.any_op, !transform.any_op) -> (!transform.any_op, !transform.any_op)
    %{0}_ff, %{0}_l3 = transform.structured.fuse_into_containing_op %{0}_fill into %{0}_l2 : (!transform.any_op, !transform.any_op) -> (!transform.any_op, !transform.any_op)
    %{0}_k, %{0}_kl = transform.structured.tile_using_for %{0}_fm tile_sizes [0, 0, 1] : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    %{0}_v = transform.structured.match ops{{["linalg.matmul", "linalg.fill", "linalg.generic"]} in %{0}_l3 : (!transform.any_op) -> !transform.any_op
    transform.structured.vectorize %{0}_v : !transform.any_op
)",
            tag, m, n, k, c.getElementType(), tm, tn, utag);
        return;
      }
      int64_t tn = divisorAtMost(n, 2 * lanes);
      int64_t kc = k > 256 ? divisorAtMost(k, 256) : 0;
      os << llvm::formatv(
          R"(    // {0}: {1}x{2}x{3} {4}, k block {5}, register tile [{6}, {7}, 1]
    %{0} = transform.structured.match attributes{{adjoint.sched = "{0}"} in %root : (!transform.any_op) -> !transform.any_op
)",
          tag, m, n, k, c.getElementType(), kc ? kc : k, tm, tn);
      std::string cur = "%" + tag;
      // Threads: split the output columns (else rows) into `threads`
      // parallel blocks of whole register tiles. Every output element is
      // still accumulated in the same order, so results do not depend on the
      // thread count.
      if (threads > 1) {
        int64_t split[2] = {0, 0};
        if (n % (threads * tn) == 0)
          split[1] = n / threads;
        else if (m % (threads * tm) == 0)
          split[0] = m / threads;
        if (split[0] || split[1]) {
          os << llvm::formatv(
              "    {0}_p, {0}_pf = transform.structured.tile_using_forall {0} "
              "tile_sizes [{1}, {2}] : (!transform.any_op) -> "
              "(!transform.any_op, !transform.any_op)\n",
              cur, split[0], split[1]);
          cur += "_p";
        }
      }
      if (kc) {
        os << llvm::formatv(
            "    {0}_kb, {0}_kbl = transform.structured.tile_using_for {0} "
            "tile_sizes [0, 0, {1}] : (!transform.any_op) -> "
            "(!transform.any_op, !transform.any_op)\n",
            cur, kc);
        cur += "_kb";
      }
      os << llvm::formatv(
          "    {0}_r, {0}_rl:3 = transform.structured.tile_using_for {0} "
          "tile_sizes [{1}, {2}, 1] : (!transform.any_op) -> "
          "(!transform.any_op, !transform.any_op, !transform.any_op, "
          "!transform.any_op)\n"
          "    transform.structured.vectorize {0}_r : !transform.any_op\n",
          cur, tm, tn);
    });
    // Batched products (mdl.matmul with batch dimensions, a contraction
    // generic over (batch..., m, n, k)): every batch element is one
    // register-tiled 2-D product; the unit batch dims of the vectors are cast
    // away below. With threads, the first batch dimension is split.
    bool bmms = false;
    module.walk([&](linalg::GenericOp g) {
      if (g->hasAttr(kSchedAttr) || !linalg::isaContractionOpInterface(g))
        return;
      // The loops are (batch..., m, n, k): only k reduces and the result is
      // indexed by all others in order. (inferContractionDims would call a
      // batch dimension that one operand broadcasts an m or n dimension.)
      int64_t loops = g.getNumLoops();
      AffineMap out = g.getMatchingIndexingMap(g.getDpsInitOperand(0));
      if (loops < 4 || g.getNumReductionLoops() != 1 ||
          g.getIteratorTypesArray().back() != utils::IteratorType::reduction ||
          out != AffineMap::getMultiDimIdentityMap(loops, &getContext())
                     .getMajorSubMap(loops - 1))
        return;
      SmallVector<int64_t> range = g.getStaticLoopRanges();
      if (llvm::any_of(range, ShapedType::isDynamic))
        return;
      auto c = cast<RankedTensorType>(g.getResult(0).getType());
      unsigned bits = c.getElementType().getIntOrFloatBitWidth();
      int64_t lanes = 512 / bits;
      int64_t m = range[loops - 3], n = range[loops - 2], k = range[loops - 1];
      // Row accumulators of at most one register, or of whole registers: a
      // 28-wide row (1.75 zmm) runs ~10x slower than two 14-wide tiles.
      int64_t tm = divisorAtMost(m, 8), tn = divisorAtMost(n, 2 * lanes);
      if (tn > lanes && tn % lanes)
        tn = divisorAtMost(n, lanes);
      std::string tag = llvm::formatv("bmm{0}", id++).str();
      g->setAttr(kSchedAttr, StringAttr::get(&getContext(), tag));
      bmms = true;
      std::string shape;
      for (int64_t i = 0; i < loops - 3; ++i)
        shape += std::to_string(range[i]) + "x";
      os << llvm::formatv(
          R"(    // {0}: batched {1}{2}x{3}x{4} {5}, register tile [{6}, {7}, 1]
    %{0} = transform.structured.match attributes{{adjoint.sched = "{0}"} in %root : (!transform.any_op) -> !transform.any_op
)",
          tag, shape, m, n, k, c.getElementType(), tm, tn);
      std::string cur = "%" + tag;
      if (threads > 1 && range[0] % threads == 0 && range[0] > 1) {
        os << llvm::formatv(
            "    {0}_p, {0}_pf = transform.structured.tile_using_forall {0} "
            "tile_sizes [{1}] : (!transform.any_op) -> "
            "(!transform.any_op, !transform.any_op)\n",
            cur, range[0] / threads);
        cur += "_p";
      }
      std::string sizes, results;
      for (int64_t i = 0; i < loops - 3; ++i)
        sizes += "1, ";
      for (int64_t i = 0; i < loops; ++i)
        results += ", !transform.any_op";
      os << llvm::formatv(
          "    {0}_r, {0}_rl:{1} = transform.structured.tile_using_for {0} "
          "tile_sizes [{2}{3}, {4}, 1] : (!transform.any_op) -> "
          "(!transform.any_op{5})\n"
          "    transform.structured.vectorize {0}_r : !transform.any_op\n",
          cur, loops, sizes, tm, tn, results);
    });
    // Transposes (of the right operand of dX = dY·Wᵀ): square register
    // tiles, vectorized into shuffles.
    module.walk([&](linalg::TransposeOp tr) {
      auto t = cast<RankedTensorType>(tr.getInit().getType());
      if (!t.hasStaticShape() || t.getRank() != 2)
        return;
      unsigned bits = t.getElementType().getIntOrFloatBitWidth();
      int64_t lanes = 512 / bits;
      std::string tag = llvm::formatv("tr{0}", id++).str();
      tr->setAttr(kSchedAttr, StringAttr::get(&getContext(), tag));
      int64_t t0 = divisorAtMost(t.getDimSize(0), lanes);
      int64_t t1 = divisorAtMost(t.getDimSize(1), lanes);
      os << llvm::formatv(
          R"(    // {0}: transpose to {1}x{2} {3}, tile [{4}, {5}]
    %{0} = transform.structured.match attributes{{adjoint.sched = "{0}"} in %root : (!transform.any_op) -> !transform.any_op
    %{0}_t, %{0}_l:2 = transform.structured.tile_using_for %{0} tile_sizes [{4}, {5}] : (!transform.any_op) -> (!transform.any_op, !transform.any_op, !transform.any_op)
    transform.structured.vectorize %{0}_t : !transform.any_op
)",
          tag, t.getDimSize(0), t.getDimSize(1), t.getElementType(), t0, t1);
    });
    // Convolutions (ConvSchedules.cpp): their unit vector dims are cast
    // away, or accumulators are stored and reloaded every step.
    bool convs = emitConvSchedules(module, os, id) > 0;
    if (id == 0)
      return;

    std::string script =
        "module attributes {transform.with_named_sequence} {\n"
        "  transform.named_sequence @__transform_main(%root: !transform.any_op "
        "{transform.readonly}) {\n" +
        body +
        R"(    %funcs = transform.structured.match ops{["func.func"]} in %root : (!transform.any_op) -> !transform.any_op
    transform.apply_patterns to %funcs {
      transform.apply_patterns.canonicalization
      transform.apply_patterns.tensor.fold_tensor_subset_ops_into_vector_transfers
    } : !transform.any_op
)" +
        std::string(convs || bmms ? R"(    transform.apply_patterns to %funcs {
      transform.apply_patterns.vector.cast_away_vector_leading_one_dim
      transform.apply_patterns.canonicalization
    } : !transform.any_op
)"
                                  : "") +
        R"(    transform.apply_cse to %funcs : !transform.any_op
    %hoisted = transform.apply_registered_pass "loop-invariant-subset-hoisting" to %funcs : (!transform.any_op) -> !transform.any_op
    transform.apply_patterns to %hoisted {
      transform.apply_patterns.canonicalization
      transform.apply_patterns.tensor.fold_tensor_subset_ops_into_vector_transfers
    } : !transform.any_op
    transform.apply_cse to %hoisted : !transform.any_op
    transform.yield
  }
}
)";
    if (printSchedule)
      llvm::errs() << script;

    OwningOpRef<ModuleOp> schedule =
        parseSourceString<ModuleOp>(script, &getContext());
    if (!schedule) {
      module.emitError("internal error: invalid transform schedule");
      return signalPassFailure();
    }
    auto entry = transform::detail::findTransformEntryPoint(
        schedule->getOperation(), *schedule,
        transform::TransformDialect::kTransformEntryPointSymbolName);
    if (!entry || failed(transform::applyTransformNamedSequence(
                      module, entry, *schedule, transform::TransformOptions())))
      return signalPassFailure();
    module.walk([](Operation *op) { op->removeAttr(kSchedAttr); });
  }
};

} // namespace
