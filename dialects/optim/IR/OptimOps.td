//===- OptimOps.td - Optimizer update operations -----------*- tablegen -*-===//

#ifndef ADJOINT_OPTIM_OPS
#define ADJOINT_OPTIM_OPS

include "mlir/IR/OpBase.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Optim_Dialect : Dialect {
  let name = "optim";
  let summary = "Optimizer updates, fused into the reverse sweep";
  let description = [{
    Value-semantic parameter updates: each op takes a parameter, its
    gradient, optimizer state and hyper-parameters and yields the new
    parameter and state. `adjoint-fuse-optimizer` places each update right
    after the gradient it consumes is complete; lowering turns it into the
    epilogue of the kernel that computes the gradient, and bufferization
    updates the parameter and state in place. Semantics follow torch.optim.
  }];
  let cppNamespace = "::adjoint::optim";
}

class Optim_Op<string mnemonic, list<Trait> traits = []>
    : Op<Optim_Dialect, mnemonic, !listconcat(traits, [Pure])>;

def Optim_FloatTensor : RankedTensorOf<[F32, F64]>;

def Optim_SgdOp : Optim_Op<"sgd", [AllTypesMatch<["param", "grad", "result"]>]> {
  let summary = "stochastic gradient descent step: param - lr * grad";
  let description = [{
    ```mlir
    %w1 = optim.sgd %w, %g, %lr : tensor<784x256xf32>, f32
    ```
  }];
  let arguments = (ins Optim_FloatTensor:$param, Optim_FloatTensor:$grad,
                       AnyFloat:$lr);
  let results = (outs Optim_FloatTensor:$result);
  let assemblyFormat = [{
    $param `,` $grad `,` $lr attr-dict `:` type($param) `,` type($lr)
  }];
  let hasVerifier = 1;
}

def Optim_SgdMomentumOp : Optim_Op<"sgd_momentum",
    [AllTypesMatch<["param", "grad", "buf", "new_param", "new_buf"]>]> {
  let summary = "SGD with momentum (torch.optim.SGD, dampening 0)";
  let description = [{
    `buf' = momentum * buf + grad`; `param' = param - lr * buf'`, or with
    `nesterov`: `param' = param - lr * (grad + momentum * buf')`. The buffer
    starts at zero, which matches torch.optim.SGD's first step.
  }];
  let arguments = (ins Optim_FloatTensor:$param, Optim_FloatTensor:$grad,
                       Optim_FloatTensor:$buf, AnyFloat:$lr,
                       F64Attr:$momentum, UnitAttr:$nesterov);
  let results = (outs Optim_FloatTensor:$new_param, Optim_FloatTensor:$new_buf);
  let assemblyFormat = [{
    $param `,` $grad `,` $buf `,` $lr attr-dict `:` type($param) `,` type($lr)
  }];
  let hasVerifier = 1;
}

#endif // ADJOINT_OPTIM_OPS
