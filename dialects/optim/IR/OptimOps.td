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
    Every update has `clip_value`: when positive, the gradient is first
    clamped to [-clip_value, clip_value] (torch.nn.utils.clip_grad_value_)
    inside the update, so clipping by value stays fused.
  }];
  let cppNamespace = "::adjoint::optim";
}

class Optim_Op<string mnemonic, list<Trait> traits = []>
    : Op<Optim_Dialect, mnemonic, !listconcat(traits, [Pure])>;

def Optim_FloatTensor : RankedTensorOf<[F32, F64]>;

def Optim_SgdOp : Optim_Op<"sgd", [AllTypesMatch<["param", "grad", "result"]>]> {
  let summary = "stochastic gradient descent step";
  let description = [{
    `param - lr * (grad + weight_decay * param)`.

    ```mlir
    %w1 = optim.sgd %w, %g, %lr : tensor<784x256xf32>, f32
    ```
  }];
  let arguments = (ins Optim_FloatTensor:$param, Optim_FloatTensor:$grad,
                       AnyFloat:$lr,
                       DefaultValuedAttr<F64Attr, "0.0">:$weight_decay,
                       DefaultValuedAttr<F64Attr, "0.0">:$clip_value);
  let results = (outs Optim_FloatTensor:$result);
  let assemblyFormat = [{
    $param `,` $grad `,` $lr attr-dict `:` type($param) `,` type($lr)
  }];
  let hasVerifier = 1;
}

def Optim_SgdMomentumOp : Optim_Op<"sgd_momentum",
    [AllTypesMatch<["param", "grad", "buf", "new_param", "new_buf"]>]> {
  let summary = "SGD with momentum (torch.optim.SGD)";
  let description = [{
    With `g = grad + weight_decay * param`: `buf' = g` on the first step
    (`step` = 1) and `momentum * buf + (1 - dampening) * g` after it;
    `param' = param - lr * buf'`, or with `nesterov`:
    `param' = param - lr * (g + momentum * buf')`. Without a `step` operand
    the buffer is assumed to start at zero and dampening must be 0 (the
    first step is then the same).
  }];
  let arguments = (ins Optim_FloatTensor:$param, Optim_FloatTensor:$grad,
                       Optim_FloatTensor:$buf, AnyFloat:$lr,
                       Optional<I64>:$step,
                       F64Attr:$momentum, UnitAttr:$nesterov,
                       DefaultValuedAttr<F64Attr, "0.0">:$dampening,
                       DefaultValuedAttr<F64Attr, "0.0">:$weight_decay,
                       DefaultValuedAttr<F64Attr, "0.0">:$clip_value);
  let results = (outs Optim_FloatTensor:$new_param, Optim_FloatTensor:$new_buf);
  let assemblyFormat = [{
    $param `,` $grad `,` $buf `,` $lr (`step` $step^)? attr-dict `:`
    type($param) `,` type($lr)
  }];
  let hasVerifier = 1;
}

class Optim_StatefulOp<string mnemonic, string summ>
    : Optim_Op<mnemonic,
        [AllTypesMatch<["param", "grad", "new_param"]>]> {
  let summary = summ;
  let results = (outs Optim_FloatTensor:$new_param,
                      Variadic<Optim_FloatTensor>:$new_state);
  let assemblyFormat = [{
    $param `,` $grad `state` `(` $state `)` `lr` $lr `step` $step attr-dict
    `:` type($param) `,` type($lr) `,` `(` type($state) `)` `->` `(`
    type($new_state) `)`
  }];
  let hasVerifier = 1;
  let builders = [
    OpBuilder<(ins "::mlir::Value":$param, "::mlir::Value":$grad,
                   "::mlir::ValueRange":$state, "::mlir::Value":$lr,
                   "::mlir::Value":$step,
                   "::llvm::ArrayRef<::mlir::NamedAttribute>":$attrs), [{
      $_state.addOperands({param, grad});
      $_state.addOperands(state);
      $_state.addOperands({lr, step});
      $_state.addAttributes(attrs);
      $_state.addTypes(param.getType());
      for (::mlir::Value s : state)
        $_state.addTypes(s.getType());
    }]>
  ];
}

def Optim_AdamOp : Optim_StatefulOp<"adam", "Adam, AdamW and AMSGrad (torch.optim.Adam / AdamW)"> {
  let description = [{
    State: `m`, `v` and, with `amsgrad`, `v_max`; `step` counts from 1.
    `g = grad + weight_decay * param` (Adam) or, with `decoupled`,
    `param *= 1 - lr * weight_decay` first (AdamW).
    `m' = beta1 m + (1 - beta1) g`, `v' = beta2 v + (1 - beta2) g^2`,
    `param' = param - lr / (1 - beta1^step) * m' /
    (sqrt(v_hat) / sqrt(1 - beta2^step) + eps)` where `v_hat` is `v'` or,
    with `amsgrad`, `max(v_max, v')`.
  }];
  let arguments = (ins Optim_FloatTensor:$param, Optim_FloatTensor:$grad,
                       Variadic<Optim_FloatTensor>:$state, AnyFloat:$lr,
                       I64:$step, F64Attr:$beta1, F64Attr:$beta2,
                       F64Attr:$eps,
                       DefaultValuedAttr<F64Attr, "0.0">:$weight_decay,
                       DefaultValuedAttr<F64Attr, "0.0">:$clip_value,
                       UnitAttr:$amsgrad, UnitAttr:$decoupled);
}

def Optim_AdagradOp : Optim_StatefulOp<"adagrad", "Adagrad (torch.optim.Adagrad)"> {
  let description = [{
    State: the sum of squares `s` (stored minus `initial_accumulator_value`,
    so it starts at zero). `g = grad + weight_decay * param`,
    `s' = s + g^2`, `clr = lr / (1 + (step - 1) lr_decay)`,
    `param' = param - clr * g / (sqrt(s' + initial_accumulator_value) + eps)`.
  }];
  let arguments = (ins Optim_FloatTensor:$param, Optim_FloatTensor:$grad,
                       Variadic<Optim_FloatTensor>:$state, AnyFloat:$lr,
                       I64:$step, F64Attr:$eps,
                       DefaultValuedAttr<F64Attr, "0.0">:$lr_decay,
                       DefaultValuedAttr<F64Attr, "0.0">:$weight_decay,
                       DefaultValuedAttr<F64Attr, "0.0">:$clip_value,
                       DefaultValuedAttr<F64Attr, "0.0">:$initial_accumulator_value);
}

def Optim_RmspropOp : Optim_StatefulOp<"rmsprop", "RMSprop, plain, centered and with momentum (torch.optim.RMSprop)"> {
  let description = [{
    State: `v`, then `g_avg` when `centered`, then `buf` when
    `momentum > 0`. `g = grad + weight_decay * param`,
    `v' = alpha v + (1 - alpha) g^2`; centered: `g_avg' = alpha g_avg +
    (1 - alpha) g`, `avg = sqrt(v' - g_avg'^2) + eps`, else
    `avg = sqrt(v') + eps`. With momentum: `buf' = momentum buf + g / avg`,
    `param' = param - lr buf'`; otherwise `param' = param - lr g / avg`.
  }];
  let arguments = (ins Optim_FloatTensor:$param, Optim_FloatTensor:$grad,
                       Variadic<Optim_FloatTensor>:$state, AnyFloat:$lr,
                       I64:$step, F64Attr:$alpha, F64Attr:$eps,
                       DefaultValuedAttr<F64Attr, "0.0">:$weight_decay,
                       DefaultValuedAttr<F64Attr, "0.0">:$clip_value,
                       DefaultValuedAttr<F64Attr, "0.0">:$momentum,
                       UnitAttr:$centered);
}

#endif // ADJOINT_OPTIM_OPS
