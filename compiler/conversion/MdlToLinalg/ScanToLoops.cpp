//===- ScanToLoops.cpp - Lower mdl.scan to scf.for ------------------------===//
//
// One loop iteration per step: the step slice of every sequence operand is a
// rank-reducing tensor.extract_slice at `t` (t = i, or length - 1 - i for a
// reverse scan), the carries are iter_args, and every per-step output is
// inserted at `t` into an iter_arg that starts as tensor.empty (so that
// bufferization writes the stacked result in place); the new carries are
// copied into the iter_args.
//
//===----------------------------------------------------------------------===//

#include "compiler/conversion/MdlToLinalg/ScanToLoops.h"

#include "dialects/mdl/IR/MdlOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;

namespace {

/// Offsets, sizes and strides of the slice at `t` along `axis` of a tensor
/// of `shape`.
void stepSlice(OpBuilder &b, ArrayRef<int64_t> shape, int64_t axis, Value t,
               SmallVectorImpl<OpFoldResult> &offsets,
               SmallVectorImpl<OpFoldResult> &sizes,
               SmallVectorImpl<OpFoldResult> &strides) {
  for (int64_t d = 0; d < int64_t(shape.size()); ++d) {
    offsets.push_back(d == axis ? OpFoldResult(t) : b.getIndexAttr(0));
    sizes.push_back(b.getIndexAttr(d == axis ? 1 : shape[d]));
    strides.push_back(b.getIndexAttr(1));
  }
}

void lowerScan(IRRewriter &rewriter, adjoint::mdl::ScanOp scan) {
  Location loc = scan.getLoc();
  rewriter.setInsertionPoint(scan);
  int64_t axis = scan.getAxis(), length = scan.getLength();
  Value lb = arith::ConstantIndexOp::create(rewriter, loc, 0);
  Value ub = arith::ConstantIndexOp::create(rewriter, loc, length);
  Value step = arith::ConstantIndexOp::create(rewriter, loc, 1);
  SmallVector<Value> inits(scan.getInits());
  for (Value out : scan.getOutputs()) {
    auto type = cast<RankedTensorType>(out.getType());
    inits.push_back(tensor::EmptyOp::create(rewriter, loc, type.getShape(),
                                            type.getElementType()));
  }
  unsigned numCarries = scan.getNumCarries();
  Block &body = scan.getBodyBlock();
  Value t;
  SmallVector<Value> args;
  auto loop = scf::ForOp::create(
      rewriter, loc, lb, ub, step, inits,
      [&](OpBuilder &b, Location l, Value iv, ValueRange iterArgs) {
        t = iv;
        if (scan.getReverse()) {
          Value last = arith::ConstantIndexOp::create(b, l, length - 1);
          t = arith::SubIOp::create(b, l, last, iv);
        }
        for (auto [x, arg] : llvm::zip(scan.getXs(), body.getArguments())) {
          SmallVector<OpFoldResult> offsets, sizes, strides;
          stepSlice(b, cast<RankedTensorType>(x.getType()).getShape(), axis, t,
                    offsets, sizes, strides);
          args.push_back(tensor::ExtractSliceOp::create(
              b, l, cast<RankedTensorType>(arg.getType()), x, offsets, sizes,
              strides));
        }
        for (Value c : iterArgs.take_front(numCarries))
          args.push_back(c);
        scf::YieldOp::create(b, l, iterArgs);
      });
  Operation *placeholder = loop.getBody()->getTerminator();
  auto yield = cast<adjoint::mdl::YieldOp>(body.getTerminator());
  rewriter.inlineBlockBefore(&body, placeholder, args);
  rewriter.setInsertionPoint(yield);
  // The per-step outputs first: they may read the old carries.
  SmallVector<Value> outs;
  for (auto [v, acc] :
       llvm::zip(yield.getValues().drop_front(numCarries),
                 loop.getRegionIterArgs().drop_front(numCarries))) {
    SmallVector<OpFoldResult> offsets, sizes, strides;
    stepSlice(rewriter, cast<RankedTensorType>(acc.getType()).getShape(), axis,
              t, offsets, sizes, strides);
    // Written straight into the step's slice of the stacked buffer (a
    // matching extract/insert pair bufferizes in place, without memref.copy
    // into a strided view).
    Value slot = tensor::ExtractSliceOp::create(
        rewriter, loc, cast<RankedTensorType>(v.getType()), acc, offsets, sizes,
        strides);
    Value w = linalg::CopyOp::create(rewriter, loc, v, slot).getResult(0);
    outs.push_back(tensor::InsertSliceOp::create(rewriter, loc, w, acc, offsets,
                                                 sizes, strides));
  }
  // Each new carry is copied into the buffer of the old one (which the step
  // has finished reading): the loop then bufferizes in place, without an
  // allocation per step.
  SmallVector<Value> next;
  for (auto [v, acc] :
       llvm::zip(yield.getValues().take_front(numCarries),
                 loop.getRegionIterArgs().take_front(numCarries)))
    next.push_back(linalg::CopyOp::create(rewriter, loc, v, acc).getResult(0));
  next.append(outs);
  scf::YieldOp::create(rewriter, loc, next);
  rewriter.eraseOp(yield);
  rewriter.eraseOp(placeholder);
  rewriter.replaceOp(scan, loop.getResults());
}

} // namespace

void adjoint::lowerScansToLoops(Operation *root) {
  SmallVector<mdl::ScanOp> scans;
  root->walk([&](mdl::ScanOp scan) { scans.push_back(scan); });
  IRRewriter rewriter(root->getContext());
  for (mdl::ScanOp scan : scans)
    lowerScan(rewriter, scan);
}
