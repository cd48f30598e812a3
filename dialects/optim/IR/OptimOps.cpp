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

LogicalResult SgdOp::verify() {
  return verifyLearningRate(*this, getParam().getType(), getLr().getType());
}

LogicalResult SgdMomentumOp::verify() {
  double m = getMomentum().convertToDouble();
  if (!(m >= 0.0 && m < 1.0))
    return emitOpError("momentum must be in [0, 1), got ") << m;
  return verifyLearningRate(*this, getParam().getType(), getLr().getType());
}

#define GET_OP_CLASSES
#include "dialects/optim/IR/OptimOps.cpp.inc"
