//===- MdlNormOps.td - Normalization, embedding, dropout ----*- tablegen -*-===//
//
// Layer and batch normalization, embedding lookup and inverted dropout, and
// the two pieces of model state they need: running-statistics buffers
// (`update_buffer`) and the dropout step counter (`rng_step`).
//
//===----------------------------------------------------------------------===//

#ifndef ADJOINT_MDL_NORM_OPS
#define ADJOINT_MDL_NORM_OPS

def Mdl_StepTensor : 0DTensorOf<[I32]>;

def Mdl_LayerNormOp : Mdl_Op<"layer_norm", [Pure,
    DeclareOpInterfaceMethods<AdjointOpInterface>]> {
  let summary = "layer normalization over axes, with its statistics";
  let description = [{
    `y = (x - mean) * rstd * gamma + beta` where `mean` and
    `rstd = 1 / sqrt(var + eps)` are taken over `axes` (sorted, unique, in
    range; `var` is the population variance), as
    torch.nn.functional.layer_norm over trailing axes. `gamma` and `beta`
    have the shape of the normalized axes (their sizes in order) or are
    scalars; they broadcast along the other axes. The results `mean` and
    `rstd` have the shape of `x` without `axes`; the adjoint reuses them:
    with `xhat = (x - mean) * rstd`, `g = dy * gamma`,
    `dx = rstd * (g - mean(g) - xhat * mean(g * xhat))` over `axes`,
    `dgamma = sum(dy * xhat)`, `dbeta = sum(dy)` over the other axes.

    ```mlir
    %y, %mu, %rs = mdl.layer_norm %x, %g, %b axes = [1] eps = 1.0e-05
        : tensor<4x8xf32>, tensor<8xf32>, tensor<8xf32>
        -> tensor<4x8xf32>, tensor<4xf32>, tensor<4xf32>
    ```
  }];
  let arguments = (ins Mdl_FloatTensor:$input, Mdl_FloatTensor:$gamma,
                       Mdl_FloatTensor:$beta, DenseI64ArrayAttr:$axes,
                       F64Attr:$eps);
  let results = (outs Mdl_FloatTensor:$result, Mdl_FloatTensor:$mean,
                      Mdl_FloatTensor:$rstd);
  let assemblyFormat = [{
    $input `,` $gamma `,` $beta `axes` `=` $axes `eps` `=` $eps attr-dict `:`
    type($input) `,` type($gamma) `,` type($beta) `->` type($result) `,`
    type($mean) `,` type($rstd)
  }];
  let hasVerifier = 1;
}

def Mdl_BatchNormOp : Mdl_Op<"batch_norm", [Pure,
    DeclareOpInterfaceMethods<AdjointOpInterface>]> {
  let summary = "batch normalization with batch statistics (training mode)";
  let description = [{
    Normalizes every channel (the last axis) over all the other axes with
    the statistics of the batch: `y = (x - mean) * rsqrt(var + eps) * gamma
    + beta`, `mean` and the population (biased) variance `var` of shape
    `[C]` are results too (for the running averages). `gamma` and `beta`
    are `[C]` or scalars. With a `mask` (one weight per row of axis 0, 1 for
    valid rows, 0 for the padding rows of a partial batch), the statistics
    count the valid rows only: `n = sum(mask) * (other non-channel sizes)`;
    `y` is still computed for every row.

    The adjoint is exact, padding rows included: with `m` the broadcast
    mask, `xhat = (x - mean) * rstd` and per-channel sums over all rows,
    `dx = gamma rstd (dy - m sum(dy) / n - m xhat sum(dy xhat) / n)
    + m dmean / n + 2 m (x - mean) dvar / n`,
    `dgamma = sum(dy xhat)`, `dbeta = sum(dy)`.
  }];
  let arguments = (ins Mdl_FloatTensor:$input, Mdl_FloatTensor:$gamma,
                       Mdl_FloatTensor:$beta, Optional<Mdl_FloatTensor>:$mask,
                       F64Attr:$eps);
  let results = (outs Mdl_FloatTensor:$result, Mdl_FloatTensor:$mean,
                      Mdl_FloatTensor:$var);
  let assemblyFormat = [{
    $input `,` $gamma `,` $beta (`mask` $mask^)? `eps` `=` $eps attr-dict `:`
    type($input) `,` type($gamma) `,` type($beta) (`,` type($mask)^)? `->`
    type($result) `,` type($mean) `,` type($var)
  }];
  let hasVerifier = 1;
}

def Mdl_UpdateBufferOp : Mdl_Op<"update_buffer",
    [AllTypesMatch<["buffer", "value"]>]> {
  let summary = "the new value of a non-trainable buffer after a train step";
  let description = [{
    `buffer` is a function argument that is a buffer parameter (`mdl.param`
    with `mdl.buffer`; running statistics of a batch norm) and `value` its
    new value. adjoint-fuse-optimizer turns it into an in-place result of
    the train step; in every other function (loss, grad) it has no effect
    and the lowering drops it. It has no result, so it is kept until then.
  }];
  let arguments = (ins Mdl_FloatTensor:$buffer, Mdl_FloatTensor:$value);
  let assemblyFormat = [{
    $buffer `,` $value attr-dict `:` type($buffer)
  }];
  let hasVerifier = 1;
}

def Mdl_RngStepOp : Mdl_Op<"rng_step", [Pure]> {
  let summary = "the train step count that keys the dropout masks";
  let description = [{
    The 0-based count of train-step calls (an i32 scalar). In the train step
    adjoint-fuse-optimizer replaces it by the step counter state before its
    increment; elsewhere (loss, grad: `adjoint check`, the C entry points)
    it lowers to 0, so those functions are deterministic.
  }];
  let results = (outs Mdl_StepTensor:$result);
  let assemblyFormat = "attr-dict `:` type($result)";
}

def Mdl_DropoutOp : Mdl_Op<"dropout", [Pure,
    DeclareOpInterfaceMethods<AdjointOpInterface>]> {
  let summary = "inverted dropout with a counter-based mask";
  let description = [{
    `y = x * keep / (1 - p)` with `keep` 0 or 1 per element: element `i`
    (row-major index) is kept when `u >= p`, with
    `u = (h(seed, stream, step, i) >> 8) * 2^-24` and `h` the counter-based
    hash documented in LANGUAGE.md (murmur3's 32-bit finalizer chained over
    `seed`, `stream`, `step`, then applied to `key ^ (i * 0x9E3779B9)`).
    `step` is an i32 scalar (see `mdl.rng_step`), `stream` tells apart the
    dropouts of one model. The mask depends only on these numbers: it is
    reproducible, independent of the thread count, and the same when a
    checkpoint is resumed. The adjoint is the same dropout of the result
    adjoint (the mask is recomputed, not stored).
  }];
  let arguments = (ins Mdl_FloatTensor:$input, Mdl_StepTensor:$step,
                       F64Attr:$p, I64Attr:$seed, I64Attr:$stream);
  let results = (outs Mdl_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $step `p` `=` $p `seed` `=` $seed `stream` `=` $stream
    attr-dict `:` type($input) `,` type($step) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Mdl_EmbeddingOp : Mdl_Op<"embedding", [Pure,
    DeclareOpInterfaceMethods<AdjointOpInterface>]> {
  let summary = "rows of a table gathered by integer ids";
  let description = [{
    `result[i..., d] = table[ids[i...], d]` for a table `[V, D]`; the result
    has the shape of `ids` followed by `D`. An id outside `[0, V)` selects a
    row of zeros (nothing is read out of bounds) and gets no gradient. The
    adjoint of `table` is `mdl.embedding_grad` (a scatter-add: repeated ids
    accumulate); `ids` get none.
  }];
  let arguments = (ins Mdl_LabelTensor:$ids, Mdl_FloatTensor:$table);
  let results = (outs Mdl_FloatTensor:$result);
  let assemblyFormat = [{
    $ids `,` $table attr-dict `:` type($ids) `,` type($table) `->`
    type($result)
  }];
  let hasVerifier = 1;
}

def Mdl_EmbeddingGradOp : Mdl_Op<"embedding_grad", [Pure]> {
  let summary = "scatter-add of row adjoints into a table adjoint";
  let description = [{
    `result[v, d] = sum over i... with ids[i...] = v of grad[i..., d]` for
    `v` in `[0, V)` (`V` from the result type); ids outside `[0, V)` are
    skipped.
  }];
  let arguments = (ins Mdl_FloatTensor:$grad, Mdl_LabelTensor:$ids);
  let results = (outs Mdl_FloatTensor:$result);
  let assemblyFormat = [{
    $grad `,` $ids attr-dict `:` type($grad) `,` type($ids) `->`
    type($result)
  }];
  let hasVerifier = 1;
}

#endif // ADJOINT_MDL_NORM_OPS
