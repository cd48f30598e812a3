//===- OptimOps.h - Optimizer dialect ---------------------------*- C++ -*-===//

#ifndef ADJOINT_OPTIM_IR_OPTIMOPS_H
#define ADJOINT_OPTIM_IR_OPTIMOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "dialects/optim/IR/OptimDialect.h.inc"

#define GET_OP_CLASSES
#include "dialects/optim/IR/OptimOps.h.inc"

#endif // ADJOINT_OPTIM_IR_OPTIMOPS_H
