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
    Declares a trainable tensor, or with `buffer` a non-trainable one (the
    running statistics of a batch norm: no gradient is used and no optimizer
    update, `mdl.update_buffer` gives its new value). Functions receive parameters as arguments
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
                       DefaultValuedAttr<DenseF64ArrayAttr, "{}">:$init_args,
                       UnitAttr:$buffer);
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
def Mdl_PowOp : Mdl_BinaryOp<"pow"> {
  let summary = "broadcasting power lhs ^ rhs";
  let description = [{
    Elementwise `lhs ^ rhs` with NumPy broadcasting. The adjoint of `lhs` is
    `grad * rhs * lhs^(rhs - 1)`, taken as 0 where that power is not finite
    (at `lhs = 0` with `rhs < 1`); the adjoint of `rhs` is
    `grad * lhs^rhs * log(lhs)`, which assumes `lhs > 0` and is taken as 0
    where `lhs <= 0`.
  }];
}
// Not Commutative: the operand order decides which one gets the adjoint on
// ties, so canonicalization must not swap them.
def Mdl_MaximumOp : Mdl_BinaryOp<"maximum"> {
  let summary = "broadcasting elementwise maximum";
  let description = [{
    The adjoint goes to the selected operand; on ties, to `lhs`.
  }];
}
def Mdl_MinimumOp : Mdl_BinaryOp<"minimum"> {
  let summary = "broadcasting elementwise minimum";
  let description = [{
    The adjoint goes to the selected operand; on ties, to `lhs`.
  }];
}

class Mdl_CompareOp<string mnemonic, string summ>
    : Mdl_BinaryOp<mnemonic> {
  let summary = summ;
  let description = [{
    Elementwise comparison with NumPy broadcasting; the result is a float
    mask of the broadcast shape, 1.0 where the comparison holds and 0.0
    elsewhere (an ordered comparison: false for NaN, except `not_equal`).
    A mask is piecewise constant: no adjoint flows through it.
  }];
}

def Mdl_GreaterOp : Mdl_CompareOp<"greater", "lhs > rhs as a 0/1 mask">;
def Mdl_GreaterEqualOp : Mdl_CompareOp<"greater_equal", "lhs >= rhs as a 0/1 mask">;
def Mdl_LessOp : Mdl_CompareOp<"less", "lhs < rhs as a 0/1 mask">;
def Mdl_LessEqualOp : Mdl_CompareOp<"less_equal", "lhs <= rhs as a 0/1 mask">;
def Mdl_EqualOp : Mdl_CompareOp<"equal", "lhs == rhs as a 0/1 mask">;
def Mdl_NotEqualOp : Mdl_CompareOp<"not_equal", "lhs != rhs as a 0/1 mask">;

def Mdl_WhereOp : Mdl_Op<"where", [Pure,
    DeclareOpInterfaceMethods<AdjointOpInterface>]> {
  let summary = "elementwise select: on_true where cond != 0, else on_false";
  let description = [{
    The three operands broadcast together (NumPy rules); the result has the
    broadcast shape. `cond` is a float tensor, typically a comparison mask;
    it gets no adjoint. The adjoint of `on_true` is `grad` where `cond != 0`
    and 0 elsewhere, and the other way round for `on_false`.
  }];
  let arguments = (ins Mdl_FloatTensor:$cond, Mdl_FloatTensor:$on_true,
                       Mdl_FloatTensor:$on_false);
  let results = (outs Mdl_FloatTensor:$result);
  let assemblyFormat = [{
    $cond `,` $on_true `,` $on_false attr-dict `:` type($cond) `,`
    type($on_true) `,` type($on_false) `->` type($result)
  }];
  let hasVerifier = 1;
}

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
def Mdl_ExpOp : Mdl_UnaryOp<"exp", "exponential">;
def Mdl_LogOp : Mdl_UnaryOp<"log", "natural logarithm"> {
  let description = [{
    The adjoint `grad / x` is taken as 0 where `x <= 0` (where the forward is
    not finite), so that a logarithm that `where` discards cannot turn the
    reverse sweep into NaN.
  }];
}
def Mdl_Log1pOp : Mdl_UnaryOp<"log1p", "log(1 + x), accurate for small x"> {
  let description = [{
    The adjoint `grad / (1 + x)` is taken as 0 where `x <= -1`.
  }];
}
def Mdl_SqrtOp : Mdl_UnaryOp<"sqrt", "square root"> {
  let description = [{
    The adjoint `grad / (2 sqrt(x))` is taken as 0 where `sqrt(x)` is 0 (the
    derivative is infinite there; this is the subgradient convention that
    keeps `sqrt(x * x)` at 0 free of NaN) or not positive.
  }];
}
def Mdl_RsqrtOp : Mdl_UnaryOp<"rsqrt", "reciprocal square root 1 / sqrt(x)"> {
  let description = [{
    The adjoint `-grad / (2 x sqrt(x))` is taken as 0 where `x <= 0`.
  }];
}
def Mdl_AbsOp : Mdl_UnaryOp<"abs", "absolute value"> {
  let description = [{ The adjoint is `grad * sign(x)`, 0 at 0. }];
}
def Mdl_ReciprocalOp : Mdl_UnaryOp<"reciprocal", "1 / x"> {
  let description = [{ The adjoint `-grad / x^2` is taken as 0 at `x = 0`. }];
}
def Mdl_SinOp : Mdl_UnaryOp<"sin", "sine">;
def Mdl_CosOp : Mdl_UnaryOp<"cos", "cosine">;
def Mdl_SoftplusOp : Mdl_UnaryOp<"softplus", "log(1 + exp(x))"> {
  let description = [{
    Computed as `max(x, 0) + log1p(exp(-|x|))`, which neither overflows for
    large `x` nor loses `exp(x)` for very negative `x`. The adjoint is
    `grad * sigmoid(x)`.
  }];
}
def Mdl_SiluOp : Mdl_UnaryOp<"silu", "x * sigmoid(x) (swish)">;

def Mdl_LeakyReluOp : Mdl_Op<"leaky_relu", [Pure, SameOperandsAndResultType,
    DeclareOpInterfaceMethods<AdjointOpInterface>]> {
  let summary = "x where x > 0, else negative_slope * x";
  let description = [{
    torch.nn.functional.leaky_relu: the adjoint at 0 uses the negative slope.
  }];
  let arguments = (ins Mdl_FloatTensor:$input, F64Attr:$negative_slope);
  let results = (outs Mdl_FloatTensor:$result);
  let assemblyFormat = [{
    $input `negative_slope` `=` $negative_slope attr-dict `:` type($input)
  }];
}

def Mdl_EluOp : Mdl_Op<"elu", [Pure, SameOperandsAndResultType,
    DeclareOpInterfaceMethods<AdjointOpInterface>]> {
  let summary = "x where x > 0, else alpha * (exp(x) - 1)";
  let description = [{
    torch.nn.functional.elu (computed with expm1). The adjoint at 0 is
    `alpha * grad`, like torch's.
  }];
  let arguments = (ins Mdl_FloatTensor:$input, F64Attr:$alpha);
  let results = (outs Mdl_FloatTensor:$result);
  let assemblyFormat = [{
    $input `alpha` `=` $alpha attr-dict `:` type($input)
  }];
}

def Mdl_GeluOp : Mdl_Op<"gelu", [Pure, SameOperandsAndResultType,
    DeclareOpInterfaceMethods<AdjointOpInterface>]> {
  let summary = "Gaussian error linear unit";
  let description = [{
    `x * Phi(x) = 0.5 x (1 + erf(x / sqrt(2)))`; with `tanh`, torch's
    `approximate='tanh'` form `0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))`.
  }];
  let arguments = (ins Mdl_FloatTensor:$input, UnitAttr:$tanh);
  let results = (outs Mdl_FloatTensor:$result);
  let assemblyFormat = "$input (`tanh` $tanh^)? attr-dict `:` type($input)";
}

def Mdl_GeluGradOp : Mdl_Op<"gelu_grad", [Pure,
    AllTypesMatch<["input", "grad", "result"]>]> {
  let summary = "adjoint of gelu: grad * gelu'(input)";
  let description = [{
    `grad * (Phi(x) + x phi(x))` (erf form, phi the standard normal density)
    or the derivative of the tanh form when `tanh` is set.
  }];
  let arguments = (ins Mdl_FloatTensor:$input, Mdl_FloatTensor:$grad,
                       UnitAttr:$tanh);
  let results = (outs Mdl_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $grad (`tanh` $tanh^)? attr-dict `:` type($input)
  }];
}

def Mdl_ClampOp : Mdl_Op<"clamp", [Pure, SameOperandsAndResultType,
    DeclareOpInterfaceMethods<AdjointOpInterface>]> {
  let summary = "min(max(x, min), max)";
  let description = [{
    torch.clamp with either bound optional (at least one is set, and
    `min <= max`). The adjoint passes `grad` where `min <= x <= max` and is 0
    elsewhere (torch's convention at the bounds).
  }];
  let arguments = (ins Mdl_FloatTensor:$input, OptionalAttr<F64Attr>:$min,
                       OptionalAttr<F64Attr>:$max);
  let results = (outs Mdl_FloatTensor:$result);
  let assemblyFormat = [{
    $input (`min` `=` $min^)? (`max` `=` $max^)? attr-dict `:` type($input)
  }];
  let hasVerifier = 1;
}

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
  let summary = "(batched) matrix product, optionally transposed";
  let description = [{
    `result = op(lhs) · op(rhs)` over the last two dimensions, where `op`
    transposes its operand's last two dimensions when `transpose_lhs` /
    `transpose_rhs` is set. The transposed forms are what the reverse sweep
    needs (dA = dC·Bᵀ, dB = Aᵀ·dC).

    Operands have rank >= 2. The dimensions before the last two are batch
    dimensions and broadcast like NumPy's `matmul` (aligned at the end; equal
    sizes, a size 1, or missing): `[B, T, D] · [D, E] -> [B, T, E]` (one
    matrix shared by every batch element), `[B, H, T, K] · [B, H, K, T]`,
    `[B, 1, T, D] · [H, D, E] -> [B, H, T, E]`. The result has the broadcast
    batch dimensions followed by `[m, n]`.

    Lowering: rank 2 maps a transposed left operand to an indexing map (the
    TN form vectorizes at full speed) and copies a transposed right operand
    into a transposed workspace first (the NT form read directly gathers
    along k). A rank-2 right operand shared by a batched, untransposed left
    operand is one 2-D product over the collapsed rows. Every other batched
    product is one contraction generic whose loops are the result's batch
    dimensions, m, n and k (broadcast operand dimensions are not read).
    The adjoint of an operand with broadcast batch dimensions sums over them
    (for a shared rank-2 weight: one 2-D product over the collapsed rows).
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
def Mdl_MaxOp : Mdl_ReduceOp<"max", "maximum over axes"> {
  let description = [{
    Reduces the listed axes (sorted, unique, in range); the result drops
    them. The adjoint goes to the elements equal to the maximum, split evenly
    between ties (like torch.amax).
  }];
}
def Mdl_MinOp : Mdl_ReduceOp<"min", "minimum over axes"> {
  let description = [{
    Reduces the listed axes (sorted, unique, in range); the result drops
    them. The adjoint goes to the elements equal to the minimum, split evenly
    between ties (like torch.amin).
  }];
}
def Mdl_LogSumExpOp : Mdl_ReduceOp<"logsumexp", "log(sum(exp(x))) over axes"> {
  let description = [{
    Reduces the listed axes; computed in the stable form `m + log(sum(exp(x -
    m)))` with `m` the maximum (0 when the maximum is infinite, so a slice of
    -inf gives -inf). The adjoint is `grad * exp(x - result)` (the softmax).
  }];
}

def Mdl_VarianceOp : Mdl_Op<"variance", [Pure,
    DeclareOpInterfaceMethods<AdjointOpInterface>]> {
  let summary = "variance over axes";
  let description = [{
    `sum((x - mean(x))^2) / n` over the listed axes, where `n` is the number
    of reduced elements (population variance), or `max(n - 1, 1)` with
    `unbiased` (Bessel's correction; a single element then has variance 0
    rather than torch's NaN).
  }];
  let arguments = (ins Mdl_FloatTensor:$input, DenseI64ArrayAttr:$axes,
                       UnitAttr:$unbiased);
  let results = (outs Mdl_FloatTensor:$result);
  let assemblyFormat = [{
    $input `axes` `=` $axes (`unbiased` $unbiased^)? attr-dict `:`
    type($input) `->` type($result)
  }];
  let hasVerifier = 1;
}

class Mdl_SoftmaxLikeOp<string mnemonic, string summ>
    : Mdl_Op<mnemonic, [Pure, SameOperandsAndResultType,
        DeclareOpInterfaceMethods<AdjointOpInterface>]> {
  let summary = summ;
  let arguments = (ins Mdl_FloatTensor:$input, I64Attr:$axis);
  let results = (outs Mdl_FloatTensor:$result);
  let assemblyFormat = [{
    $input `axis` `=` $axis attr-dict `:` type($input)
  }];
  let hasVerifier = 1;
}

def Mdl_SoftmaxOp : Mdl_SoftmaxLikeOp<"softmax", "softmax along one axis"> {
  let description = [{
    `exp(x - m) / sum(exp(x - m))` along `axis` (in [0, rank)), with `m` the
    maximum along the axis. The adjoint is `y * (grad - sum(grad * y))`.
  }];
}
def Mdl_LogSoftmaxOp : Mdl_SoftmaxLikeOp<"log_softmax",
    "logarithm of the softmax along one axis"> {
  let description = [{
    `x - m - log(sum(exp(x - m)))` along `axis`, with `m` the maximum along
    the axis. The adjoint is `grad - exp(y) * sum(grad)`.
  }];
}

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

def Mdl_LabelsOrTargets : RankedTensorOf<[I32, F32, F64]>;

def Mdl_SoftmaxCrossEntropyOp : Mdl_Op<"softmax_cross_entropy", [Pure,
    DeclareOpInterfaceMethods<AdjointOpInterface>]> {
  let summary = "softmax cross-entropy of logits against labels or "
                "probabilities";
  let description = [{
    With integer labels `[N]`:
    `mean_i (logsumexp(logits[i, :]) - logits[i, labels[i]])`. With float
    targets of the logits' type (class probabilities, torch's soft targets):
    `mean_i sum_c -targets[i, c] * log_softmax(logits)[i, c]`; the targets
    need not sum to 1 and get an adjoint too. Computed in the stable form
    (the row maximum is subtracted before exponentiating). With a `mask`,
    only rows whose mask is non-zero count and the mean divides by their
    number.
  }];
  let arguments = (ins Mdl_FloatTensor:$logits, Mdl_LabelsOrTargets:$labels,
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
  let summary = "adjoint of softmax_cross_entropy";
  let description = [{
    With respect to the logits: `grad * (softmax(logits) - onehot(labels)) /
    count` per valid row (the stable softmax), zero for masked rows; with
    float targets `grad * (softmax(logits) * sum(targets[i, :]) - targets) /
    count`. With `wrt_targets` (float targets only), the adjoint of the
    targets: `-grad * log_softmax(logits) / count`.
  }];
  let arguments = (ins Mdl_Scalar:$grad, Mdl_FloatTensor:$logits,
                       Mdl_LabelsOrTargets:$labels,
                       Optional<Mdl_FloatTensor>:$mask, UnitAttr:$wrt_targets);
  let results = (outs Mdl_FloatTensor:$result);
  let assemblyFormat = [{
    $grad `,` $logits `,` $labels (`mask` $mask^)? (`wrt_targets` $wrt_targets^)?
    attr-dict `:` type($grad) `,` type($logits) `,` type($labels)
    (`,` type($mask)^)? `->` type($result)
  }];
}

// Losses of a prediction against a target of the same type, averaged over
// every element of the valid rows (like mse).
class Mdl_PairLossOp<string mnemonic, string summ, dag extra = (ins)>
    : Mdl_Op<mnemonic, [Pure, DeclareOpInterfaceMethods<AdjointOpInterface>]> {
  let summary = summ;
  let arguments = !con((ins Mdl_FloatTensor:$pred, Mdl_FloatTensor:$target,
                            Optional<Mdl_FloatTensor>:$mask), extra);
  let results = (outs Mdl_Scalar:$result);
  let assemblyFormat = [{
    $pred `,` $target (`mask` $mask^)? attr-dict `:` type($pred) `,`
    type($target) (`,` type($mask)^)? `->` type($result)
  }];
  let hasVerifier = 1;
}

class Mdl_PairLossGradOp<string mnemonic, string summ, dag extra = (ins)>
    : Mdl_Op<mnemonic, [Pure, AllTypesMatch<["pred", "target", "result"]>]> {
  let summary = summ;
  let arguments = !con((ins Mdl_Scalar:$grad, Mdl_FloatTensor:$pred,
                            Mdl_FloatTensor:$target,
                            Optional<Mdl_FloatTensor>:$mask), extra);
  let results = (outs Mdl_FloatTensor:$result);
  let assemblyFormat = [{
    $grad `,` $pred `,` $target (`mask` $mask^)? attr-dict `:` type($grad) `,`
    type($pred) (`,` type($mask)^)? `->` type($result)
  }];
  let hasVerifier = 1;
}

def Mdl_L1Op : Mdl_PairLossOp<"l1", "mean absolute error"> {
  let description = [{
    `mean(|pred - target|)` over all elements (torch.nn.L1Loss); with a
    `mask`, over the elements of the valid rows. The adjoint is
    `sign(pred - target)` (0 at 0) scaled by the mean.
  }];
}
def Mdl_L1GradOp : Mdl_PairLossGradOp<"l1_grad",
    "adjoint of l1 with respect to pred: grad * sign(pred - target) / count">;

def Mdl_HuberOp : Mdl_PairLossOp<"huber", "Huber loss",
                                 (ins F64Attr:$delta)> {
  let description = [{
    torch.nn.HuberLoss: with `d = pred - target`, the mean over all elements
    (of the valid rows) of `0.5 d^2` where `|d| < delta` and
    `delta (|d| - 0.5 delta)` elsewhere. `delta > 0`.
  }];
  let assemblyFormat = [{
    $pred `,` $target (`mask` $mask^)? `delta` `=` $delta attr-dict `:`
    type($pred) `,` type($target) (`,` type($mask)^)? `->` type($result)
  }];
}
def Mdl_HuberGradOp : Mdl_PairLossGradOp<"huber_grad",
    "adjoint of huber with respect to pred: grad * clamp(d, -delta, delta) / count",
    (ins F64Attr:$delta)> {
  let assemblyFormat = [{
    $grad `,` $pred `,` $target (`mask` $mask^)? `delta` `=` $delta attr-dict
    `:` type($grad) `,` type($pred) (`,` type($mask)^)? `->` type($result)
  }];
}

def Mdl_BceWithLogitsOp : Mdl_PairLossOp<"bce_with_logits",
    "binary cross-entropy of logits against targets"> {
  let description = [{
    torch.nn.BCEWithLogitsLoss: the mean over all elements (of the valid rows)
    of `max(x, 0) - x t + log1p(exp(-|x|))` (the stable form of
    `-(t log sigmoid(x) + (1 - t) log(1 - sigmoid(x)))`) for logits `x` and
    targets `t`. Targets outside [0, 1] are accepted, as torch does.
  }];
}
def Mdl_BceWithLogitsGradOp : Mdl_PairLossGradOp<"bce_with_logits_grad",
    "adjoint of bce_with_logits", (ins UnitAttr:$wrt_target)> {
  let description = [{
    With respect to the logits: `grad * (sigmoid(x) - t) / count`; with
    `wrt_target`, with respect to the targets: `-grad * x / count`.
  }];
  let assemblyFormat = [{
    $grad `,` $pred `,` $target (`mask` $mask^)? (`wrt_target` $wrt_target^)?
    attr-dict `:` type($grad) `,` type($pred) (`,` type($mask)^)? `->`
    type($result)
  }];
}

def Mdl_NllOp : Mdl_Op<"nll", [Pure,
    DeclareOpInterfaceMethods<AdjointOpInterface>]> {
  let summary = "negative log-likelihood of log-probabilities";
  let description = [{
    torch.nn.NLLLoss: `mean_i -log_probs[i, labels[i]]` for `log_probs` of
    shape `[N, C]` and integer labels in `[0, C)`. With a `mask`, only rows
    whose mask is non-zero count and the mean divides by their number.
  }];
  let arguments = (ins Mdl_FloatTensor:$log_probs, Mdl_LabelTensor:$labels,
                       Optional<Mdl_FloatTensor>:$mask);
  let results = (outs Mdl_Scalar:$result);
  let assemblyFormat = [{
    $log_probs `,` $labels (`mask` $mask^)? attr-dict `:` type($log_probs) `,`
    type($labels) (`,` type($mask)^)? `->` type($result)
  }];
  let hasVerifier = 1;
}

def Mdl_NllGradOp : Mdl_Op<"nll_grad", [Pure]> {
  let summary = "adjoint of nll with respect to the log-probabilities";
  let description = [{
    `-grad / count` at `[i, labels[i]]` of every valid row, 0 elsewhere.
  }];
  let arguments = (ins Mdl_Scalar:$grad, Mdl_FloatTensor:$log_probs,
                       Mdl_LabelTensor:$labels, Optional<Mdl_FloatTensor>:$mask);
  let results = (outs Mdl_FloatTensor:$result);
  let assemblyFormat = [{
    $grad `,` $log_probs `,` $labels (`mask` $mask^)? attr-dict `:` type($grad)
    `,` type($log_probs) `,` type($labels) (`,` type($mask)^)? `->`
    type($result)
  }];
  let hasVerifier = 1;
}

include "dialects/mdl/IR/MdlNormOps.td"
include "dialects/mdl/IR/MdlVisionOps.td"
include "dialects/mdl/IR/MdlShapeOps.td"
include "dialects/mdl/IR/MdlScanOps.td"

#endif // ADJOINT_MDL_OPS
