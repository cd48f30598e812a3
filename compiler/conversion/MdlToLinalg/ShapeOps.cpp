//===- ShapeOps.cpp - Lower the mdl tensor manipulation ops to linalg -----===//
//
// Each op moves data with linalg.generic (loops after bufferization, like
// every elementwise op) and tensor slices that bufferize to views, never
// to memref.copy:
//  * transpose: a generic reading the operand through the permutation;
//  * slice: a generic copying a strided tensor.extract_slice of the operand;
//  * unslice: a generic over the result computing each element from its
//    indices: the operand's element it receives (tensor.extract) or 0;
//  * concat: likewise, the element of the operand whose range along the
//    axis holds the index.
//
//===----------------------------------------------------------------------===//

#include "compiler/conversion/MdlToLinalg/ShapeOps.h"

#include "compiler/conversion/LinalgBuilders.h"
#include "dialects/mdl/IR/MdlOps.h"

#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace adjoint;

namespace {

SmallVector<OpFoldResult> indexAttrs(OpBuilder &b, ArrayRef<int64_t> v) {
  SmallVector<OpFoldResult> out;
  for (int64_t x : v)
    out.push_back(b.getIndexAttr(x));
  return out;
}

/// A generic over `resultType` without inputs whose body computes each
/// element from its indices (linalg.index) with `body`, which may read other
/// tensors with tensor.extract (a gather: bufferizes to loads, no copies).
Value gather(
    OpBuilder &b, Location loc, RankedTensorType resultType,
    llvm::function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  unsigned rank = resultType.getRank();
  Value init = tensor::EmptyOp::create(b, loc, resultType.getShape(),
                                       resultType.getElementType());
  SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, TypeRange{resultType}, ValueRange{}, ValueRange{init},
             {b.getMultiDimIdentityMap(rank)}, iters,
             [&](OpBuilder &nb, Location nl, ValueRange) {
               SmallVector<Value> idx;
               for (unsigned d = 0; d < rank; ++d)
                 idx.push_back(linalg::IndexOp::create(nb, nl, d));
               linalg::YieldOp::create(nb, nl, body(nb, nl, idx));
             })
      .getResult(0);
}

Value indexConst(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

/// For index `i` of an axis of size `n` of the slice at `start` by `step`:
/// whether `i` is in the slice, and the slice index (clamped into [0, n)).
std::pair<Value, Value> sliceIndex(OpBuilder &b, Location loc, Value i,
                                   int64_t start, int64_t step, int64_t n) {
  Value rel = arith::SubIOp::create(b, loc, i, indexConst(b, loc, start));
  Value zero = indexConst(b, loc, 0);
  Value inside =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, rel, zero);
  Value q = rel;
  if (step != 1) {
    Value s = indexConst(b, loc, step);
    Value r = arith::RemSIOp::create(b, loc, rel, s);
    inside = arith::AndIOp::create(
        b, loc, inside,
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, r, zero));
    q = arith::DivSIOp::create(b, loc, rel, s);
  }
  inside = arith::AndIOp::create(
      b, loc, inside,
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, q,
                            indexConst(b, loc, n)));
  Value clamped = arith::MaxSIOp::create(
      b, loc, zero,
      arith::MinSIOp::create(b, loc, q, indexConst(b, loc, n - 1)));
  return {inside, clamped};
}

Value copyBody(OpBuilder &, Location, ValueRange a) { return a[0]; }

} // namespace

Value adjoint::lowerShapeOp(OpBuilder &b, Operation *op) {
  MLIRContext *ctx = b.getContext();
  return llvm::TypeSwitch<Operation *, Value>(op)
      .Case([&](mdl::TransposeOp o) {
        SmallVector<AffineExpr> exprs(o.getPerm().size());
        for (auto [i, p] : llvm::enumerate(o.getPerm()))
          exprs[p] = getAffineDimExpr(i, ctx);
        AffineMap map = AffineMap::get(exprs.size(), 0, exprs, ctx);
        return elementwise(b, o.getLoc(), o.getType(), ValueRange{o.getInput()},
                           {map}, copyBody);
      })
      .Case([&](mdl::SliceOp o) {
        // A strided view of the operand, copied into a tensor of its own.
        RankedTensorType rt = o.getType();
        Value view = tensor::ExtractSliceOp::create(
            b, o.getLoc(), rt, o.getInput(), indexAttrs(b, o.getStart()),
            indexAttrs(b, rt.getShape()), indexAttrs(b, o.getStep()));
        return elementwise(b, o.getLoc(), rt, ValueRange{view},
                           {b.getMultiDimIdentityMap(rt.getRank())}, copyBody);
      })
      .Case([&](mdl::UnsliceOp o) {
        // Each element: the operand's element it receives, or 0.
        auto in = cast<RankedTensorType>(o.getInput().getType());
        return gather(
            b, o.getLoc(), o.getType(),
            [&](OpBuilder &nb, Location l, ValueRange idx) {
              Value inside;
              SmallVector<Value> src;
              for (auto [d, i] : llvm::enumerate(idx)) {
                if (o.getStart()[d] == 0 && o.getStep()[d] == 1 &&
                    in.getDimSize(d) == o.getType().getDimSize(d)) {
                  src.push_back(i); // a whole axis
                  continue;
                }
                auto [ok, j] = sliceIndex(nb, l, i, o.getStart()[d],
                                          o.getStep()[d], in.getDimSize(d));
                inside = inside ? arith::AndIOp::create(nb, l, inside, ok) : ok;
                src.push_back(j);
              }
              Value v = tensor::ExtractOp::create(nb, l, o.getInput(), src);
              Value zero = floatConst(nb, l, in.getElementType(), 0);
              if (!inside)
                return v;
              return arith::SelectOp::create(nb, l, inside, v, zero)
                  .getResult();
            });
      })
      .Case([&](mdl::ConcatOp o) {
        // Each element: from the operand whose range along the axis holds
        // it.
        RankedTensorType rt = o.getType();
        int64_t axis = o.getAxis();
        return gather(
            b, o.getLoc(), rt, [&](OpBuilder &nb, Location l, ValueRange idx) {
              Value result;
              int64_t offset = 0;
              for (Value in : o.getInputs()) {
                int64_t n =
                    cast<RankedTensorType>(in.getType()).getDimSize(axis);
                auto [ok, j] = sliceIndex(nb, l, idx[axis], offset, 1, n);
                SmallVector<Value> src(idx.begin(), idx.end());
                src[axis] = j;
                Value v = tensor::ExtractOp::create(nb, l, in, src);
                result = result ? arith::SelectOp::create(nb, l, ok, v, result)
                                      .getResult()
                                : v;
                offset += n;
              }
              return result;
            });
      })
      .Default([](Operation *) { return Value(); });
}
