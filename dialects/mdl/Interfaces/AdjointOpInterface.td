//===- AdjointOpInterface.td - Vector-Jacobian products ----*- tablegen -*-===//
//
// Each differentiable op states its vector-Jacobian product: given the
// adjoints of its results it builds the adjoints of its operands out of mdl
// ops. The adjoint-autodiff pass walks the forward graph backwards and asks
// every active op for this rule.
//
//===----------------------------------------------------------------------===//

#ifndef ADJOINT_MDL_ADJOINT_OP_INTERFACE
#define ADJOINT_MDL_ADJOINT_OP_INTERFACE

include "mlir/IR/OpBase.td"

def AdjointOpInterface : OpInterface<"AdjointOpInterface"> {
  let description = [{
    Reverse-mode differentiation rule of an op. `buildAdjoint` receives one
    adjoint per result (never null: results without a use in the reverse
    sweep are not differentiated) and `needed`, one flag per operand telling
    which operand adjoints the caller wants. It appends one value per operand
    to `operandAdjoints`: the adjoint (same type as the operand) or a null
    value when the operand is not needed or not differentiable (integer
    labels, masks).
  }];
  let cppNamespace = "::adjoint::mdl";
  let methods = [
    InterfaceMethod<
      "Build the adjoints of the operands from the adjoints of the results",
      "::llvm::LogicalResult", "buildAdjoint",
      (ins "::mlir::OpBuilder &":$builder,
           "::mlir::ArrayRef<::mlir::Value>":$resultAdjoints,
           "::llvm::ArrayRef<bool>":$needed,
           "::llvm::SmallVectorImpl<::mlir::Value> &":$operandAdjoints)>
  ];
}

#endif // ADJOINT_MDL_ADJOINT_OP_INTERFACE
