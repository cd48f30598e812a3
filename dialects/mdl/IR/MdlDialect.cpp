//===- MdlDialect.cpp - Model dialect -------------------------------------===//

#include "dialects/mdl/IR/MdlOps.h"

using namespace mlir;
using namespace adjoint::mdl;

#include "dialects/mdl/IR/MdlDialect.cpp.inc"
#include "dialects/mdl/Interfaces/AdjointOpInterface.cpp.inc"

void MdlDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialects/mdl/IR/MdlOps.cpp.inc"
      >();
}
