//===- OptimToLinalg.cpp - Lower optimizer updates to linalg --------------===//
//
// Each update is an elementwise linalg.generic whose destinations are the
// parameter (and state) tensors themselves; bufferization then writes them in
// place, and code generation can fuse the generic into the producer of the
// gradient.
//
//===----------------------------------------------------------------------===//

#include "compiler/Passes.h"
#include "compiler/conversion/LinalgBuilders.h"

#include "mlir/IR/PatternMatch.h"

namespace adjoint {
#define GEN_PASS_DEF_CONVERTOPTIMTOLINALG
#include "compiler/Passes.h.inc"
} // namespace adjoint

using namespace mlir;
using namespace adjoint;

namespace {

/// Marks update generics so code generation can find them.
constexpr llvm::StringLiteral kUpdateAttr = "adjoint.update";

void lowerSgd(IRRewriter &rw, optim::SgdOp op) {
  auto t = cast<RankedTensorType>(op.getType());
  Value lr = op.getLr();
  AffineMap id = rw.getMultiDimIdentityMap(t.getRank());
  Value r = elementwise(
      rw, op.getLoc(), t, ValueRange{op.getGrad()}, {id},
      [&](OpBuilder &b, Location l, ValueRange a) -> Value {
        Value step = arith::MulFOp::create(b, l, lr, a[0]);
        return arith::SubFOp::create(b, l, a[1], step);
      },
      op.getParam());
  r.getDefiningOp()->setAttr(kUpdateAttr, rw.getUnitAttr());
  rw.replaceOp(op, r);
}

void lowerSgdMomentum(IRRewriter &rw, optim::SgdMomentumOp op) {
  auto t = cast<RankedTensorType>(op.getParam().getType());
  Location loc = op.getLoc();
  Value lr = op.getLr();
  Value mu = floatConst(rw, loc, t.getElementType(),
                        op.getMomentum().convertToDouble());
  bool nesterov = op.getNesterov();
  AffineMap id = rw.getMultiDimIdentityMap(t.getRank());
  SmallVector<utils::IteratorType> iters(t.getRank(),
                                         utils::IteratorType::parallel);
  auto g = linalg::GenericOp::create(
      rw, loc, TypeRange{t, t}, ValueRange{op.getGrad()},
      ValueRange{op.getParam(), op.getBuf()}, {id, id, id}, iters,
      [&](OpBuilder &b, Location l, ValueRange a) {
        // a = (grad, param, buf)
        Value buf = arith::AddFOp::create(
            b, l, arith::MulFOp::create(b, l, mu, a[2]), a[0]);
        Value dir = buf;
        if (nesterov)
          dir = arith::AddFOp::create(b, l, a[0],
                                      arith::MulFOp::create(b, l, mu, buf));
        Value p = arith::SubFOp::create(b, l, a[1],
                                        arith::MulFOp::create(b, l, lr, dir));
        linalg::YieldOp::create(b, l, ValueRange{p, buf});
      });
  g->setAttr(kUpdateAttr, rw.getUnitAttr());
  rw.replaceOp(op, g.getResults());
}

struct OptimToLinalgPass
    : public adjoint::impl::ConvertOptimToLinalgBase<OptimToLinalgPass> {
  void runOnOperation() override {
    SmallVector<Operation *> ops;
    getOperation().walk([&](Operation *op) {
      if (isa<optim::OptimDialect>(op->getDialect()))
        ops.push_back(op);
    });
    IRRewriter rw(&getContext());
    for (Operation *op : ops) {
      rw.setInsertionPoint(op);
      if (auto sgd = dyn_cast<optim::SgdOp>(op))
        lowerSgd(rw, sgd);
      else if (auto m = dyn_cast<optim::SgdMomentumOp>(op))
        lowerSgdMomentum(rw, m);
      else {
        op->emitError("no lowering to linalg for '") << op->getName() << "'";
        return signalPassFailure();
      }
    }
  }
};

} // namespace
