//===- LowerVectors.cpp - Vector lowering after bufferization -------------===//
//
// Hoists the accumulator transfers of the matmul register tiles out of the
// k loops (they stay in registers), then lowers the vector ops produced by
// vectorization in separate, ordered greedy rewrites (one huge pattern set
// is slow and can blow up), and replaces math functions by polynomial
// approximations so the loop vectorizer can vectorize them.
//
//===----------------------------------------------------------------------===//

#include "compiler/Passes.h"

#include "mlir/Conversion/VectorToSCF/VectorToSCF.h"
#include "mlir/Dialect/Linalg/Transforms/Hoisting.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace adjoint {
#define GEN_PASS_DEF_ADJOINTLOWERVECTORS
#include "compiler/Passes.h.inc"
} // namespace adjoint

using namespace mlir;
using namespace adjoint;

namespace {

struct LowerVectorsPass
    : public adjoint::impl::AdjointLowerVectorsBase<LowerVectorsPass> {
  void runOnOperation() override {
    func::FuncOp fn = getOperation();
    MLIRContext *ctx = &getContext();
    linalg::hoistRedundantVectorTransfers(fn);

    using Populate = std::function<void(RewritePatternSet &)>;
    vector::VectorTransformsOptions split;
    split.vectorTransferSplit = vector::VectorTransferSplit::LinalgCopy;
    SmallVector<Populate> stages = {
        [](RewritePatternSet &p) {
          vector::populateVectorContractLoweringPatterns(
              p, vector::VectorContractLowering::OuterProduct);
        },
        [](RewritePatternSet &p) {
          vector::populateVectorTransferPermutationMapLoweringPatterns(p);
        },
        [](RewritePatternSet &p) {
          vector::populateVectorMultiReductionLoweringPatterns(
              p, vector::VectorMultiReductionLowering::InnerParallel);
        },
        [&](RewritePatternSet &p) {
          vector::populateVectorTransferFullPartialPatterns(p, split);
        },
        [](RewritePatternSet &p) {
          populateVectorToSCFConversionPatterns(
              p,
              VectorTransferToSCFOptions().enableFullUnroll().setTargetRank(1));
        },
        [](RewritePatternSet &p) {
          vector::populateVectorTransferLoweringPatterns(p, 1);
        },
        [](RewritePatternSet &p) {
          vector::populateVectorShapeCastLoweringPatterns(p);
        },
        [](RewritePatternSet &p) {
          vector::populateVectorTransposeLoweringPatterns(
              p, vector::VectorTransposeLowering::Shuffle1D);
        },
        [](RewritePatternSet &p) {
          vector::populateVectorOuterProductLoweringPatterns(p);
        },
        [](RewritePatternSet &p) {
          vector::populateVectorBroadcastLoweringPatterns(p);
        },
        [](RewritePatternSet &p) {
          populateMathPolynomialApproximationPatterns(p);
        },
    };
    for (Populate &populate : stages) {
      RewritePatternSet patterns(ctx);
      populate(patterns);
      if (failed(applyPatternsGreedily(fn, std::move(patterns))))
        return signalPassFailure();
    }
  }
};

} // namespace
