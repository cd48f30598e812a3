//===- MdlOps.h - Model dialect ---------------------------------*- C++ -*-===//

#ifndef ADJOINT_MDL_IR_MDLOPS_H
#define ADJOINT_MDL_IR_MDLOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "dialects/mdl/Interfaces/AdjointOpInterface.h.inc"

#include "dialects/mdl/IR/MdlDialect.h.inc"

#define GET_OP_CLASSES
#include "dialects/mdl/IR/MdlOps.h.inc"

namespace adjoint::mdl {

/// NumPy broadcast of two shapes; std::nullopt when incompatible.
std::optional<llvm::SmallVector<int64_t>>
broadcastShapes(llvm::ArrayRef<int64_t> a, llvm::ArrayRef<int64_t> b);

/// An arith.constant of float tensor type `type` with every element `value`
/// (seeds, zero adjoints, scale factors).
mlir::Value splatConstant(mlir::OpBuilder &b, mlir::Location loc,
                          mlir::RankedTensorType type, double value);

/// Names of the function argument attributes that describe a model function.
constexpr llvm::StringLiteral kParamAttr = "mdl.param";
constexpr llvm::StringLiteral kInputAttr = "mdl.input";
constexpr llvm::StringLiteral kMaskAttr = "mdl.mask";
/// A parameter argument that is a non-trainable buffer (running statistics):
/// it also carries `mdl.param`, gets no optimizer update, and its new value
/// comes from `mdl.update_buffer`.
constexpr llvm::StringLiteral kBufferAttr = "mdl.buffer";

} // namespace adjoint::mdl

#endif // ADJOINT_MDL_IR_MDLOPS_H
