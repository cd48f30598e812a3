//===- OptimOps.cpp - Optimizer dialect -----------------------------------===//

#include "dialects/optim/IR/OptimOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

using namespace mlir;
using namespace adjoint::optim;

#include "dialects/optim/IR/OptimDialect.cpp.inc"

void OptimDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialects/optim/IR/OptimOps.cpp.inc"
      >();
}

static LogicalResult verifyLearningRate(Operation *op, Type tensorType,
                                        Type lrType) {
  Type elem = cast<RankedTensorType>(tensorType).getElementType();
  if (elem != lrType)
    return op->emitOpError("learning rate type ")
           << lrType << " does not match the element type " << elem;
  return success();
}

static LogicalResult verifyUnitInterval(Operation *op, const char *name,
                                        double v) {
  if (!(v >= 0.0 && v < 1.0))
    return op->emitOpError("'") << name << "' must be in [0, 1), got " << v;
  return success();
}

static LogicalResult verifyNonNegative(Operation *op, const char *name,
                                       double v) {
  if (!(v >= 0.0))
    return op->emitOpError("'") << name << "' must be >= 0, got " << v;
  return success();
}

LogicalResult SgdOp::verify() {
  if (failed(verifyNonNegative(*this, "weight_decay",
                               getWeightDecay().convertToDouble())))
    return failure();
  return verifyLearningRate(*this, getParam().getType(), getLr().getType());
}

LogicalResult SgdMomentumOp::verify() {
  double m = getMomentum().convertToDouble();
  if (!(m >= 0.0 && m < 1.0))
    return emitOpError("momentum must be in [0, 1), got ") << m;
  double dampening = getDampening().convertToDouble();
  if (!(dampening >= 0.0 && dampening <= 1.0))
    return emitOpError("'dampening' must be in [0, 1], got ") << dampening;
  if (failed(verifyNonNegative(*this, "weight_decay",
                               getWeightDecay().convertToDouble())))
    return failure();
  // As torch.optim.SGD (and the frontend): Nesterov needs a momentum and no
  // dampening.
  if (getNesterov() && (m <= 0.0 || dampening != 0.0))
    return emitOpError("nesterov momentum requires a momentum and zero "
                       "dampening");
  if (dampening != 0.0 && !getStep())
    return emitOpError("dampening needs the step operand (the first step "
                       "is not dampened)");
  return verifyLearningRate(*this, getParam().getType(), getLr().getType());
}

/// Checks the state operands of a stateful update: `expected` buffers, each
/// of the parameter's type.
static LogicalResult verifyState(Operation *op, Value param, ValueRange state,
                                 unsigned expected, const char *what) {
  if (state.size() != expected)
    return op->emitOpError("expects ") << expected << " state buffers (" << what
                                       << "), got " << state.size();
  for (Value s : state)
    if (s.getType() != param.getType())
      return op->emitOpError("state buffer type ")
             << s.getType() << " differs from the parameter type "
             << param.getType();
  // One updated buffer per state buffer, of the same type (result 0 is the
  // parameter).
  auto newState = op->getResults().drop_front();
  if (newState.size() != state.size())
    return op->emitOpError("expects one new state result per state buffer (")
           << state.size() << "), got " << newState.size();
  for (auto [s, n] : llvm::zip(state, newState))
    if (s.getType() != n.getType())
      return op->emitOpError("new state type ")
             << n.getType() << " differs from the state buffer type "
             << s.getType();
  return success();
}

LogicalResult AdamOp::verify() {
  if (getParam().getType() != getGrad().getType())
    return emitOpError("gradient type differs from the parameter type");
  if (failed(verifyState(*this, getParam(), getState(), getAmsgrad() ? 3 : 2,
                         getAmsgrad() ? "m, v, v_max" : "m, v")) ||
      failed(
          verifyUnitInterval(*this, "beta1", getBeta1().convertToDouble())) ||
      failed(
          verifyUnitInterval(*this, "beta2", getBeta2().convertToDouble())) ||
      failed(verifyNonNegative(*this, "eps", getEps().convertToDouble())) ||
      failed(verifyNonNegative(*this, "weight_decay",
                               getWeightDecay().convertToDouble())))
    return failure();
  return verifyLearningRate(*this, getParam().getType(), getLr().getType());
}

LogicalResult AdagradOp::verify() {
  if (getParam().getType() != getGrad().getType())
    return emitOpError("gradient type differs from the parameter type");
  if (failed(verifyState(*this, getParam(), getState(), 1, "sum")) ||
      failed(verifyNonNegative(*this, "eps", getEps().convertToDouble())) ||
      failed(verifyNonNegative(*this, "lr_decay",
                               getLrDecay().convertToDouble())) ||
      failed(verifyNonNegative(*this, "weight_decay",
                               getWeightDecay().convertToDouble())) ||
      failed(verifyNonNegative(*this, "initial_accumulator_value",
                               getInitialAccumulatorValue().convertToDouble())))
    return failure();
  return verifyLearningRate(*this, getParam().getType(), getLr().getType());
}

LogicalResult RmspropOp::verify() {
  if (getParam().getType() != getGrad().getType())
    return emitOpError("gradient type differs from the parameter type");
  double momentum = getMomentum().convertToDouble();
  unsigned expected = 1 + (getCentered() ? 1 : 0) + (momentum > 0 ? 1 : 0);
  if (failed(verifyState(*this, getParam(), getState(), expected,
                         "v, then g_avg if centered, then buf if momentum")) ||
      failed(
          verifyUnitInterval(*this, "alpha", getAlpha().convertToDouble())) ||
      failed(verifyUnitInterval(*this, "momentum", momentum)) ||
      failed(verifyNonNegative(*this, "eps", getEps().convertToDouble())) ||
      failed(verifyNonNegative(*this, "weight_decay",
                               getWeightDecay().convertToDouble())))
    return failure();
  return verifyLearningRate(*this, getParam().getType(), getLr().getType());
}

#define GET_OP_CLASSES
#include "dialects/optim/IR/OptimOps.cpp.inc"
