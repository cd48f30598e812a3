//===- MdlOps.td - Operations of the model dialect ---------*- tablegen -*-===//

#ifndef ADJOINT_MDL_OPS
#define ADJOINT_MDL_OPS

include "dialects/mdl/IR/MdlDialect.td"
include "dialects/mdl/Interfaces/AdjointOpInterface.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/IR/BuiltinAttributes.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/OpBase.td"
include "mlir/Interfaces/InferTypeOpInterface.td"

def Mdl_FloatTensor : RankedTensorOf<[F32, F64]>;
def Mdl_LabelTensor : RankedTensorOf<[I32]>;
def Mdl_Scalar : 0DTensorOf<[F32, F64]>;

//===----------------------------------------------------------------------===//
// Declarations
//===----------------------------------------------------------------------===//

def Mdl_ParamOp : Mdl_Op<"param", [Symbol]> {
  let summary = "declares a trainable parameter and its initializer";
  let description = [{
    Declares a trainable tensor. Functions receive parameters as arguments
    carrying an `mdl.param` attribute that refers to the declaration.
    `init` is one of zeros, ones, uniform (args: low, high), normal (args:
    mean, stddev), glorot_uniform, glorot_normal, he_uniform, he_normal.

    ```mlir
    mdl.param @w1 : tensor<784x256xf32> init "he_normal"
    mdl.param @b : tensor<10xf32> init "uniform" args [-0.1, 0.1]
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name,
                       TypeAttrOf<Mdl_FloatTensor>:$type,
                       StrAttr:$init,
                       DefaultValuedAttr<DenseF64ArrayAttr, "{}">:$init_args);
  let assemblyFormat = [{
    $sym_name `:` $type `init` $init (`args` $init_args^)? attr-dict
  }];
  let hasVerifier = 1;
}

def Mdl_TrainOp : Mdl_Op<"train"> {
  let summary = "training configuration of a model";
  let description = [{
    The `train` section of a model: the loss function to minimize (`model`),
    the optimizer and its hyper-parameters, the learning-rate schedule and
    warm-up (a `kind` and the arguments of torch.optim.lr_scheduler's
    counterpart, stepped once per optimizer step), gradient clipping,
    per-parameter overrides (`param_options`: parameter name to `lr` and/or
    `weight_decay`), the frozen parameters, batch size, epochs and seed.

    ```mlir
    mdl.train @mlp optimizer "sgd" {lr = 1.0e-01 : f64, momentum = 0.0 : f64}
        batch 128 epochs 5 seed 1
    ```
  }];
  let arguments = (ins FlatSymbolRefAttr:$model, StrAttr:$optimizer,
                       DictionaryAttr:$hyper, I64Attr:$batch, I64Attr:$epochs,
                       I64Attr:$seed, OptionalAttr<DictionaryAttr>:$schedule,
                       OptionalAttr<DictionaryAttr>:$warmup,
                       OptionalAttr<DictionaryAttr>:$clip,
                       OptionalAttr<DictionaryAttr>:$param_options,
                       OptionalAttr<StrArrayAttr>:$frozen);
  let assemblyFormat = [{
    $model `optimizer` $optimizer $hyper (`schedule` $schedule^)?
    (`warmup` $warmup^)? (`clip` $clip^)? `batch` $batch `epochs` $epochs
    `seed` $seed attr-dict
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

class Mdl_BinaryOp<string mnemonic, list<Trait> traits = []>
    : Mdl_Op<mnemonic, !listconcat(traits, [Pure,
        DeclareOpInterfaceMethods<AdjointOpInterface>])> {
  let description = [{
    Elementwise with NumPy broadcasting: shapes are aligned at the trailing
    dimension; a dimension of size 1 (or a missing one) is repeated. The
    result has the broadcast shape.
  }];
  let arguments = (ins Mdl_FloatTensor:$lhs, Mdl_FloatTensor:$rhs);
  let results = (outs Mdl_FloatTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Mdl_AddOp : Mdl_BinaryOp<"add", [Commutative]> {
  let summary = "broadcasting addition";
}
def Mdl_SubOp : Mdl_BinaryOp<"sub"> { let summary = "broadcasting subtraction"; }
def Mdl_MulOp : Mdl_BinaryOp<"mul", [Commutative]> {
  let summary = "broadcasting multiplication";
}
def Mdl_DivOp : Mdl_BinaryOp<"div"> { let summary = "broadcasting division"; }

class Mdl_UnaryOp<string mnemonic, string summ>
    : Mdl_Op<mnemonic, [Pure, SameOperandsAndResultType,
        DeclareOpInterfaceMethods<AdjointOpInterface>]> {
  let summary = summ;
  let arguments = (ins Mdl_FloatTensor:$input);
  let results = (outs Mdl_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def Mdl_NegOp : Mdl_UnaryOp<"neg", "elementwise negation">;
def Mdl_ReluOp : Mdl_UnaryOp<"relu", "rectified linear unit, max(x, 0)">;
def Mdl_SigmoidOp : Mdl_UnaryOp<"sigmoid", "logistic sigmoid 1 / (1 + exp(-x))">;
def Mdl_TanhOp : Mdl_UnaryOp<"tanh", "hyperbolic tangent">;

def Mdl_ReluGradOp : Mdl_Op<"relu_grad", [Pure, AllTypesMatch<["input", "grad", "result"]>]> {
  let summary = "adjoint of relu: grad where input > 0, else 0";
  let arguments = (ins Mdl_FloatTensor:$input, Mdl_FloatTensor:$grad);
  let results = (outs Mdl_FloatTensor:$result);
  let assemblyFormat = "$input `,` $grad attr-dict `:` type($input)";
}

//===----------------------------------------------------------------------===//
// Linear algebra, shape and reductions
//===----------------------------------------------------------------------===//

def Mdl_MatmulOp : Mdl_Op<"matmul", [Pure,
    DeclareOpInterfaceMethods<AdjointOpInterface>]> {
  let summary = "matrix product of rank-2 tensors, optionally transposed";
  let description = [{
    `result = op(lhs) · op(rhs)` where `op` transposes its operand when
    `transpose_lhs` / `transpose_rhs` is set. The transposed forms are what
    the reverse sweep needs (dA = dC·Bᵀ, dB = Aᵀ·dC). Lowering maps a
    transposed left operand to an indexing map (the TN form vectorizes at
    full speed) and copies a transposed right operand into a transposed
    workspace first (the NT form read directly gathers along k).
  }];
  let arguments = (ins Mdl_FloatTensor:$lhs, Mdl_FloatTensor:$rhs,
                       UnitAttr:$transpose_lhs, UnitAttr:$transpose_rhs);
  let results = (outs Mdl_FloatTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs) `->` type($result)
  }];
  let hasVerifier = 1;
}

class Mdl_ReduceOp<string mnemonic, string summ>
    : Mdl_Op<mnemonic, [Pure, DeclareOpInterfaceMethods<AdjointOpInterface>]> {
  let summary = summ;
  let description = [{
    Reduces the listed axes (sorted, unique, in range); the result drops
    them.
  }];
  let arguments = (ins Mdl_FloatTensor:$input, DenseI64ArrayAttr:$axes);
  let results = (outs Mdl_FloatTensor:$result);
  let assemblyFormat = [{
    $input `axes` `=` $axes attr-dict `:` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Mdl_SumOp : Mdl_ReduceOp<"sum", "sum over axes">;
def Mdl_MeanOp : Mdl_ReduceOp<"mean", "mean over axes">;

def Mdl_BroadcastInDimOp : Mdl_Op<"broadcast_in_dim", [Pure,
    DeclareOpInterfaceMethods<AdjointOpInterface>]> {
  let summary = "broadcast to a larger shape along given dimensions";
  let description = [{
    Operand dimension `i` maps to result dimension `dims[i]` (strictly
    increasing) and must be equal to it or 1; every other result dimension
    is a repetition.
  }];
  let arguments = (ins Mdl_FloatTensor:$input, DenseI64ArrayAttr:$dims);
  let results = (outs Mdl_FloatTensor:$result);
  let assemblyFormat = [{
    $input `dims` `=` $dims attr-dict `:` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Mdl_ReshapeOp : Mdl_Op<"reshape", [Pure,
    DeclareOpInterfaceMethods<AdjointOpInterface>]> {
  let summary = "row-major reshape to a shape with the same element count";
  let arguments = (ins Mdl_FloatTensor:$input);
  let results = (outs Mdl_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Losses
//===----------------------------------------------------------------------===//

def Mdl_MseOp : Mdl_Op<"mse", [Pure,
    DeclareOpInterfaceMethods<AdjointOpInterface>]> {
  let summary = "mean squared error";
  let description = [{
    `mean((pred - target)^2)` over all elements. With a `mask` (one weight per
    row of dimension 0, 1 for valid rows and 0 for the padding of a partial
    batch) only valid rows count: the sum of their squared errors divided by
    their element count.
  }];
  let arguments = (ins Mdl_FloatTensor:$pred, Mdl_FloatTensor:$target,
                       Optional<Mdl_FloatTensor>:$mask);
  let results = (outs Mdl_Scalar:$result);
  let assemblyFormat = [{
    $pred `,` $target (`mask` $mask^)? attr-dict `:` type($pred) `,`
    type($target) (`,` type($mask)^)? `->` type($result)
  }];
  let hasVerifier = 1;
}

def Mdl_MseGradOp : Mdl_Op<"mse_grad", [Pure,
    AllTypesMatch<["pred", "target", "result"]>]> {
  let hasVerifier = 1;
  let summary = "adjoint of mse with respect to pred";
  let description = [{
    `grad * 2 * (pred - target) / count` (times the row mask), where count is
    the number of elements that the loss averaged over.
  }];
  let arguments = (ins Mdl_Scalar:$grad, Mdl_FloatTensor:$pred,
                       Mdl_FloatTensor:$target, Optional<Mdl_FloatTensor>:$mask);
  let results = (outs Mdl_FloatTensor:$result);
  let assemblyFormat = [{
    $grad `,` $pred `,` $target (`mask` $mask^)? attr-dict `:` type($grad) `,`
    type($pred) (`,` type($mask)^)? `->` type($result)
  }];
}

def Mdl_SoftmaxCrossEntropyOp : Mdl_Op<"softmax_cross_entropy", [Pure,
    DeclareOpInterfaceMethods<AdjointOpInterface>]> {
  let summary = "softmax cross-entropy of logits against integer labels";
  let description = [{
    `mean_i (logsumexp(logits[i, :]) - logits[i, labels[i]])`, computed in the
    stable form (the row maximum is subtracted before exponentiating). With a
    `mask`, only rows whose mask is non-zero count and the mean divides by
    their number.
  }];
  let arguments = (ins Mdl_FloatTensor:$logits, Mdl_LabelTensor:$labels,
                       Optional<Mdl_FloatTensor>:$mask);
  let results = (outs Mdl_Scalar:$result);
  let assemblyFormat = [{
    $logits `,` $labels (`mask` $mask^)? attr-dict `:` type($logits) `,`
    type($labels) (`,` type($mask)^)? `->` type($result)
  }];
  let hasVerifier = 1;
}

def Mdl_SoftmaxCrossEntropyGradOp : Mdl_Op<"softmax_cross_entropy_grad", [Pure]> {
  let hasVerifier = 1;
  let summary = "adjoint of softmax_cross_entropy with respect to the logits";
  let description = [{
    `grad * (softmax(logits) - onehot(labels)) / count` per valid row (the
    stable softmax), zero for masked rows.
  }];
  let arguments = (ins Mdl_Scalar:$grad, Mdl_FloatTensor:$logits,
                       Mdl_LabelTensor:$labels, Optional<Mdl_FloatTensor>:$mask);
  let results = (outs Mdl_FloatTensor:$result);
  let assemblyFormat = [{
    $grad `,` $logits `,` $labels (`mask` $mask^)? attr-dict `:` type($grad)
    `,` type($logits) `,` type($labels) (`,` type($mask)^)? `->` type($result)
  }];
}

#endif // ADJOINT_MDL_OPS
