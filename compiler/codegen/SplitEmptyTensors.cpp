//===- SplitEmptyTensors.cpp - One tensor.empty per use -------------------===//

#include "compiler/Passes.h"

#include "mlir/IR/IRMapping.h"

namespace adjoint {
#define GEN_PASS_DEF_ADJOINTSPLITEMPTYTENSORS
#include "compiler/Passes.h.inc"
} // namespace adjoint

using namespace mlir;
using namespace adjoint;

namespace {

struct SplitEmptyTensorsPass
    : public adjoint::impl::AdjointSplitEmptyTensorsBase<
          SplitEmptyTensorsPass> {
  void runOnOperation() override {
    // Zero-filled destinations (the init of every matmul and reduction) are
    // merged by CSE too; each use gets its own fill of its own empty tensor.
    SmallVector<linalg::FillOp> fills;
    getOperation().walk([&](linalg::FillOp op) {
      if (op.hasPureTensorSemantics() &&
          op.getOutputs()[0].getDefiningOp<tensor::EmptyOp>())
        fills.push_back(op);
    });
    for (linalg::FillOp fill : fills) {
      Value result = fill->getResult(0);
      SmallVector<OpOperand *> uses;
      for (OpOperand &use : result.getUses())
        uses.push_back(&use);
      for (OpOperand *use : llvm::drop_begin(uses)) {
        OpBuilder b(use->getOwner());
        Operation *empty = b.clone(*fill.getOutputs()[0].getDefiningOp());
        IRMapping map;
        map.map(fill.getOutputs()[0], empty->getResult(0));
        use->set(b.clone(*fill, map)->getResult(0));
      }
    }
    SmallVector<tensor::EmptyOp> empties;
    getOperation().walk([&](tensor::EmptyOp op) { empties.push_back(op); });
    for (tensor::EmptyOp empty : empties) {
      SmallVector<OpOperand *> uses;
      for (OpOperand &use : empty->getUses())
        uses.push_back(&use);
      for (OpOperand *use : llvm::drop_begin(uses)) {
        OpBuilder b(use->getOwner());
        use->set(b.clone(*empty)->getResult(0));
      }
    }
  }
};

} // namespace
