//===- MdlOps.cpp - Model dialect verifiers -------------------------------===//

#include "dialects/mdl/IR/MdlOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/StringSwitch.h"

#include <cmath>

using namespace mlir;
using namespace adjoint::mdl;

std::optional<SmallVector<int64_t>>
adjoint::mdl::broadcastShapes(ArrayRef<int64_t> a, ArrayRef<int64_t> b) {
  size_t rank = std::max(a.size(), b.size());
  SmallVector<int64_t> out(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < a.size() ? a[a.size() - 1 - i] : 1;
    int64_t db = i < b.size() ? b[b.size() - 1 - i] : 1;
    if (da != db && da != 1 && db != 1)
      return std::nullopt;
    out[rank - 1 - i] = da == 1 ? db : da;
  }
  return out;
}

Value adjoint::mdl::splatConstant(OpBuilder &b, Location loc,
                                  RankedTensorType type, double value) {
  return arith::ConstantOp::create(
      b, loc, type,
      DenseElementsAttr::get(type,
                             b.getFloatAttr(type.getElementType(), value)));
}

//===----------------------------------------------------------------------===//
// Declarations
//===----------------------------------------------------------------------===//

LogicalResult ParamOp::verify() {
  auto type = cast<RankedTensorType>(getType());
  if (!type.hasStaticShape())
    return emitOpError("parameter type must have a static shape");
  size_t nargs = getInitArgs().size();
  int expected = llvm::StringSwitch<int>(getInit())
                     .Cases({"zeros", "ones", "glorot_uniform", "glorot_normal",
                             "he_uniform", "he_normal"},
                            0)
                     .Cases({"uniform", "normal"}, 2)
                     .Default(-1);
  if (expected < 0)
    return emitOpError("unknown initializer '") << getInit() << "'";
  if (static_cast<int>(nargs) != expected)
    return emitOpError("initializer '") << getInit() << "' takes " << expected
                                        << " arguments, got " << nargs;
  // The same constraints as the frontend: the runtime rejects these at init.
  ArrayRef<double> args = getInitArgs();
  if (getInit() == "uniform" && !(args[0] < args[1]))
    return emitOpError("initializer 'uniform' requires low < high, got [")
           << args[0] << ", " << args[1] << "]";
  if (getInit() == "normal" && !(args[1] > 0))
    return emitOpError("initializer 'normal' requires stddev > 0, got ")
           << args[1];
  return success();
}

LogicalResult TrainOp::verify() {
  // The accessors return the values as unsigned; read them signed so that a
  // negative batch or epoch count is rejected rather than wrapped.
  int64_t batch = getBatchAttr().getInt();
  int64_t epochs = getEpochsAttr().getInt();
  if (batch <= 0)
    return emitOpError("batch must be positive, got ") << batch;
  if (epochs <= 0)
    return emitOpError("epochs must be positive, got ") << epochs;
  if (!llvm::is_contained({"sgd", "adam", "adamw", "adagrad", "rmsprop"},
                          getOptimizer()))
    return emitOpError("unknown optimizer '") << getOptimizer() << "'";
  auto lr = getHyper().getAs<FloatAttr>("lr");
  if (!lr || !(lr.getValueAsDouble() > 0))
    return emitOpError("optimizer needs a positive 'lr'");
  // adjoint-fuse-optimizer turns a positive SGD momentum into
  // optim.sgd_momentum, whose verifier requires [0, 1); reject bad values at
  // the source.
  Attribute m = getHyper().get("momentum");
  if (m && getOptimizer() == "sgd") {
    auto mf = dyn_cast<FloatAttr>(m);
    if (!mf || !(mf.getValueAsDouble() >= 0.0 && mf.getValueAsDouble() < 1.0))
      return emitOpError("'momentum' must be a float in [0, 1)");
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

static LogicalResult verifyBroadcastingOp(Operation *op) {
  auto lhs = cast<RankedTensorType>(op->getOperand(0).getType());
  auto rhs = cast<RankedTensorType>(op->getOperand(1).getType());
  auto res = cast<RankedTensorType>(op->getResult(0).getType());
  if (lhs.getElementType() != rhs.getElementType() ||
      lhs.getElementType() != res.getElementType())
    return op->emitOpError("element types differ: ")
           << lhs << ", " << rhs << " -> " << res;
  auto shape = broadcastShapes(lhs.getShape(), rhs.getShape());
  if (!shape)
    return op->emitOpError("cannot broadcast ") << lhs << " and " << rhs;
  if (ArrayRef<int64_t>(*shape) != res.getShape())
    return op->emitOpError("result type ")
           << res << " is not the broadcast shape of " << lhs << " and " << rhs;
  return success();
}

LogicalResult AddOp::verify() { return verifyBroadcastingOp(*this); }
LogicalResult SubOp::verify() { return verifyBroadcastingOp(*this); }
LogicalResult MulOp::verify() { return verifyBroadcastingOp(*this); }
LogicalResult DivOp::verify() { return verifyBroadcastingOp(*this); }
LogicalResult PowOp::verify() { return verifyBroadcastingOp(*this); }
LogicalResult MaximumOp::verify() { return verifyBroadcastingOp(*this); }
LogicalResult MinimumOp::verify() { return verifyBroadcastingOp(*this); }
LogicalResult GreaterOp::verify() { return verifyBroadcastingOp(*this); }
LogicalResult GreaterEqualOp::verify() { return verifyBroadcastingOp(*this); }
LogicalResult LessOp::verify() { return verifyBroadcastingOp(*this); }
LogicalResult LessEqualOp::verify() { return verifyBroadcastingOp(*this); }
LogicalResult EqualOp::verify() { return verifyBroadcastingOp(*this); }
LogicalResult NotEqualOp::verify() { return verifyBroadcastingOp(*this); }

LogicalResult WhereOp::verify() {
  auto c = cast<RankedTensorType>(getCond().getType());
  auto t = cast<RankedTensorType>(getOnTrue().getType());
  auto f = cast<RankedTensorType>(getOnFalse().getType());
  auto res = cast<RankedTensorType>(getType());
  if (c.getElementType() != t.getElementType() ||
      t.getElementType() != f.getElementType() ||
      t.getElementType() != res.getElementType())
    return emitOpError("element types differ: ")
           << c << ", " << t << ", " << f << " -> " << res;
  auto tf = broadcastShapes(t.getShape(), f.getShape());
  std::optional<SmallVector<int64_t>> shape;
  if (tf)
    shape = broadcastShapes(c.getShape(), *tf);
  if (!shape)
    return emitOpError("cannot broadcast ") << c << ", " << t << " and " << f;
  if (ArrayRef<int64_t>(*shape) != res.getShape())
    return emitOpError("result type ")
           << res << " is not the broadcast shape of " << c << ", " << t
           << " and " << f;
  return success();
}

LogicalResult ClampOp::verify() {
  std::optional<double> lo, hi;
  if (auto a = getMinAttr())
    lo = a.getValueAsDouble();
  if (auto a = getMaxAttr())
    hi = a.getValueAsDouble();
  if (!lo && !hi)
    return emitOpError("needs a 'min' or a 'max' bound");
  if ((lo && std::isnan(*lo)) || (hi && std::isnan(*hi)))
    return emitOpError("bounds must not be NaN");
  if (lo && hi && *lo > *hi)
    return emitOpError("'min' (")
           << *lo << ") is greater than 'max' (" << *hi << ")";
  return success();
}

//===----------------------------------------------------------------------===//
// Linear algebra, shape and reductions
//===----------------------------------------------------------------------===//

LogicalResult MatmulOp::verify() {
  auto a = cast<RankedTensorType>(getLhs().getType());
  auto b = cast<RankedTensorType>(getRhs().getType());
  auto c = cast<RankedTensorType>(getResult().getType());
  if (a.getRank() < 2 || b.getRank() < 2)
    return emitOpError("operands must have rank >= 2, got ")
           << a << " and " << b;
  if (a.getElementType() != b.getElementType() ||
      a.getElementType() != c.getElementType())
    return emitOpError("element types differ");
  int64_t ra = a.getRank(), rb = b.getRank();
  std::optional<SmallVector<int64_t>> batch =
      broadcastShapes(a.getShape().drop_back(2), b.getShape().drop_back(2));
  if (!batch)
    return emitOpError("batch dimensions of ")
           << a << " and " << b << " do not broadcast";
  bool tl = getTransposeLhs(), tr = getTransposeRhs();
  int64_t m = a.getDimSize(ra - (tl ? 1 : 2));
  int64_t ka = a.getDimSize(ra - (tl ? 2 : 1));
  int64_t kb = b.getDimSize(rb - (tr ? 1 : 2));
  int64_t n = b.getDimSize(rb - (tr ? 2 : 1));
  if (ka != kb)
    return emitOpError("contraction dimensions differ: ")
           << ka << " and " << kb;
  SmallVector<int64_t> expect = *batch;
  expect.push_back(m);
  expect.push_back(n);
  if (c.getShape() != ArrayRef<int64_t>(expect)) {
    InFlightDiagnostic d = emitOpError("result type ")
                           << c << " does not match the product shape ";
    llvm::interleave(
        expect, [&](int64_t x) { d << x; }, [&] { d << "x"; });
    return d;
  }
  return success();
}

static LogicalResult verifyReduce(Operation *op, ArrayRef<int64_t> axes) {
  auto in = cast<RankedTensorType>(op->getOperand(0).getType());
  auto res = cast<RankedTensorType>(op->getResult(0).getType());
  SmallVector<int64_t> expect;
  int64_t prev = -1;
  for (int64_t a : axes) {
    if (a <= prev || a >= in.getRank())
      return op->emitOpError("axes must be sorted, unique and in [0, ")
             << in.getRank() << ")";
    prev = a;
  }
  for (int64_t i = 0; i < in.getRank(); ++i)
    if (!llvm::is_contained(axes, i))
      expect.push_back(in.getDimSize(i));
  if (ArrayRef<int64_t>(expect) != res.getShape() ||
      in.getElementType() != res.getElementType())
    return op->emitOpError("result type ")
           << res << " does not match the reduction of " << in;
  return success();
}

LogicalResult SumOp::verify() { return verifyReduce(*this, getAxes()); }
LogicalResult MeanOp::verify() { return verifyReduce(*this, getAxes()); }
LogicalResult MaxOp::verify() { return verifyReduce(*this, getAxes()); }
LogicalResult MinOp::verify() { return verifyReduce(*this, getAxes()); }
LogicalResult LogSumExpOp::verify() { return verifyReduce(*this, getAxes()); }
LogicalResult VarianceOp::verify() { return verifyReduce(*this, getAxes()); }

static LogicalResult verifyAxis(Operation *op, int64_t axis) {
  auto in = cast<RankedTensorType>(op->getOperand(0).getType());
  if (axis < 0 || axis >= in.getRank())
    return op->emitOpError("axis ")
           << axis << " is out of range [0, " << in.getRank() << ")";
  return success();
}

LogicalResult SoftmaxOp::verify() { return verifyAxis(*this, getAxis()); }
LogicalResult LogSoftmaxOp::verify() { return verifyAxis(*this, getAxis()); }

LogicalResult BroadcastInDimOp::verify() {
  auto in = cast<RankedTensorType>(getInput().getType());
  auto res = cast<RankedTensorType>(getResult().getType());
  ArrayRef<int64_t> dims = getDims();
  if (static_cast<int64_t>(dims.size()) != in.getRank())
    return emitOpError("needs one entry in dims per operand dimension");
  int64_t prev = -1;
  for (auto [i, d] : llvm::enumerate(dims)) {
    if (d <= prev || d >= res.getRank())
      return emitOpError("dims must be increasing and in [0, ")
             << res.getRank() << ")";
    prev = d;
    int64_t s = in.getDimSize(i);
    if (s != 1 && s != res.getDimSize(d))
      return emitOpError("operand dimension ")
             << i << " (" << s << ") cannot broadcast to result dimension " << d
             << " (" << res.getDimSize(d) << ")";
  }
  if (in.getElementType() != res.getElementType())
    return emitOpError("element types differ");
  return success();
}

LogicalResult ReshapeOp::verify() {
  auto in = cast<RankedTensorType>(getInput().getType());
  auto res = cast<RankedTensorType>(getResult().getType());
  if (in.getNumElements() != res.getNumElements() ||
      in.getElementType() != res.getElementType())
    return emitOpError("cannot reshape ") << in << " to " << res;
  return success();
}

//===----------------------------------------------------------------------===//
// Losses
//===----------------------------------------------------------------------===//

static LogicalResult verifyMask(Operation *op, Value mask, Type rowsType,
                                Type resultType) {
  auto rows = cast<RankedTensorType>(rowsType);
  if (cast<ShapedType>(resultType).getElementType() != rows.getElementType())
    return op->emitOpError("result element type must be ")
           << rows.getElementType();
  if (!mask)
    return success();
  auto m = cast<RankedTensorType>(mask.getType());
  if (rows.getRank() < 1)
    return op->emitOpError("a mask needs operands of rank >= 1");
  if (m.getRank() != 1 || m.getDimSize(0) != rows.getDimSize(0) ||
      m.getElementType() != rows.getElementType())
    return op->emitOpError("mask type ")
           << m << " does not match the rows of " << rows;
  return success();
}

LogicalResult MseOp::verify() {
  if (getPred().getType() != getTarget().getType())
    return emitOpError("prediction and target types differ: ")
           << getPred().getType() << " and " << getTarget().getType();
  return verifyMask(*this, getMask(), getPred().getType(), getType());
}

/// Integer labels [N] of rank-2 logits [N, C], or float targets of the
/// logits' type.
static LogicalResult verifyLabels(Operation *op, RankedTensorType logits,
                                  RankedTensorType labels) {
  if (logits.getRank() != 2)
    return op->emitOpError("logits must have rank 2, got ") << logits;
  if (isa<FloatType>(labels.getElementType())) {
    if (labels != logits)
      return op->emitOpError("targets type ")
             << labels << " differs from the logits type " << logits;
    return success();
  }
  if (labels.getRank() != 1 || labels.getDimSize(0) != logits.getDimSize(0))
    return op->emitOpError("labels type ")
           << labels << " does not match the rows of " << logits;
  return success();
}

LogicalResult SoftmaxCrossEntropyOp::verify() {
  auto logits = cast<RankedTensorType>(getLogits().getType());
  auto labels = cast<RankedTensorType>(getLabels().getType());
  if (failed(verifyLabels(*this, logits, labels)))
    return failure();
  return verifyMask(*this, getMask(), logits, getType());
}

static LogicalResult verifyPairLoss(Operation *op, Value pred, Value target,
                                    Value mask, Type result) {
  if (pred.getType() != target.getType())
    return op->emitOpError("prediction and target types differ: ")
           << pred.getType() << " and " << target.getType();
  return verifyMask(op, mask, pred.getType(), result);
}

LogicalResult L1Op::verify() {
  return verifyPairLoss(*this, getPred(), getTarget(), getMask(), getType());
}
LogicalResult HuberOp::verify() {
  if (!(getDelta().convertToDouble() > 0))
    return emitOpError("delta must be positive, got ")
           << getDelta().convertToDouble();
  return verifyPairLoss(*this, getPred(), getTarget(), getMask(), getType());
}
LogicalResult BceWithLogitsOp::verify() {
  return verifyPairLoss(*this, getPred(), getTarget(), getMask(), getType());
}

LogicalResult NllOp::verify() {
  auto logp = cast<RankedTensorType>(getLogProbs().getType());
  auto labels = cast<RankedTensorType>(getLabels().getType());
  if (logp.getRank() != 2)
    return emitOpError("log-probabilities must have rank 2, got ") << logp;
  if (failed(verifyLabels(*this, logp, labels)))
    return failure();
  return verifyMask(*this, getMask(), logp, getType());
}

LogicalResult MseGradOp::verify() {
  auto g = cast<RankedTensorType>(getGrad().getType());
  auto pred = cast<RankedTensorType>(getPred().getType());
  if (g.getElementType() != pred.getElementType())
    return emitOpError("adjoint element type ")
           << g.getElementType() << " differs from " << pred.getElementType();
  return verifyMask(*this, getMask(), pred, g);
}

LogicalResult SoftmaxCrossEntropyGradOp::verify() {
  auto g = cast<RankedTensorType>(getGrad().getType());
  auto logits = cast<RankedTensorType>(getLogits().getType());
  auto labels = cast<RankedTensorType>(getLabels().getType());
  if (logits.getRank() != 2)
    return emitOpError("logits must have rank 2, got ") << logits;
  if (getType() != logits)
    return emitOpError("result type ")
           << getType() << " differs from the logits type " << logits;
  if (failed(verifyLabels(*this, logits, labels)))
    return failure();
  if (getWrtTargets() && !isa<FloatType>(labels.getElementType()))
    return emitOpError("'wrt_targets' needs float targets, got ") << labels;
  return verifyMask(*this, getMask(), logits, g);
}

static LogicalResult verifyPairLossGrad(Operation *op, Value grad, Value pred,
                                        Value mask) {
  auto g = cast<RankedTensorType>(grad.getType());
  auto p = cast<RankedTensorType>(pred.getType());
  if (g.getElementType() != p.getElementType())
    return op->emitOpError("adjoint element type ")
           << g.getElementType() << " differs from " << p.getElementType();
  return verifyMask(op, mask, p, g);
}

LogicalResult L1GradOp::verify() {
  return verifyPairLossGrad(*this, getGrad(), getPred(), getMask());
}
LogicalResult HuberGradOp::verify() {
  if (!(getDelta().convertToDouble() > 0))
    return emitOpError("delta must be positive, got ")
           << getDelta().convertToDouble();
  return verifyPairLossGrad(*this, getGrad(), getPred(), getMask());
}
LogicalResult BceWithLogitsGradOp::verify() {
  return verifyPairLossGrad(*this, getGrad(), getPred(), getMask());
}

LogicalResult NllGradOp::verify() {
  auto g = cast<RankedTensorType>(getGrad().getType());
  auto logp = cast<RankedTensorType>(getLogProbs().getType());
  auto labels = cast<RankedTensorType>(getLabels().getType());
  if (logp.getRank() != 2)
    return emitOpError("log-probabilities must have rank 2, got ") << logp;
  if (getType() != logp)
    return emitOpError("result type ")
           << getType() << " differs from the log-probabilities type " << logp;
  if (failed(verifyLabels(*this, logp, labels)))
    return failure();
  return verifyMask(*this, getMask(), logp, g);
}

#define GET_OP_CLASSES
#include "dialects/mdl/IR/MdlOps.cpp.inc"
