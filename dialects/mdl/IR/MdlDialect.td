//===- MdlDialect.td - The model dialect -------------------*- tablegen -*-===//

#ifndef ADJOINT_MDL_DIALECT
#define ADJOINT_MDL_DIALECT

include "mlir/IR/OpBase.td"

def Mdl_Dialect : Dialect {
  let name = "mdl";
  let summary = "Tensor operations of the Adjoint model language";
  let description = [{
    The `mdl` dialect holds the forward graph of a model as value-semantic
    tensor operations with static shapes, the declarations of its trainable
    parameters, and its training configuration. Every op that the model
    language maps to states its vector-Jacobian product through
    `AdjointOpInterface`, which the `adjoint-autodiff` pass uses to build the
    reverse sweep.

    A model is a module holding `mdl.param` declarations, one `mdl.train`
    configuration and functions whose arguments carry `mdl.param`
    (a symbol reference to the declaration), `mdl.input` (the input name) or
    `mdl.mask` (per-row validity of a partial batch) attributes.
  }];
  let cppNamespace = "::adjoint::mdl";
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

class Mdl_Op<string mnemonic, list<Trait> traits = []>
    : Op<Mdl_Dialect, mnemonic, traits>;

#endif // ADJOINT_MDL_DIALECT
