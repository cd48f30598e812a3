//===- MdlScanOps.td - Loops over a sequence axis ----------*- tablegen -*-===//
//
// Included from MdlOps.td. `mdl.scan` runs its body once per position of a
// sequence axis, threading carried state (recurrent models); the reverse
// sweep of autodiff differentiates it as a reverse-order loop.
//
//===----------------------------------------------------------------------===//

#ifndef ADJOINT_MDL_SCAN_OPS
#define ADJOINT_MDL_SCAN_OPS

def Mdl_ScanOp : Mdl_Op<"scan", [AttrSizedOperandSegments,
    RecursiveMemoryEffects, SingleBlock]> {
  let summary = "loop over the positions of a sequence axis with carries";
  let description = [{
    Runs the body `length` times, for `t = 0 .. length - 1` (or
    `length - 1 .. 0` with `reverse`). The body's block arguments are the
    slices `xs[i][..., t, ...]` of every sequence operand along `axis` (the
    axis dropped), then the carries: `inits` at the first step, afterwards
    the first yielded values of the previous step. `mdl.yield` returns the
    new carries followed by per-step outputs. The results are the final
    carries followed by every per-step output stacked along `axis` (the
    output of step `t` at position `t`). The body may use values defined
    above it (parameters): they are the same at every step.

    ```mlir
    %h = mdl.scan (%x : tensor<4x28x28xf32>) init(%h0 : tensor<4x8xf32>)
        axis = 1 length = 28 -> tensor<4x8xf32> {
    ^bb0(%xt: tensor<4x28xf32>, %h: tensor<4x8xf32>):
      ...
      mdl.yield %h2 : tensor<4x8xf32>
    }
    ```
  }];
  let arguments = (ins Variadic<Mdl_FloatTensor>:$xs,
                       Variadic<Mdl_FloatTensor>:$inits, I64Attr:$axis,
                       I64Attr:$length, UnitAttr:$reverse);
  let results = (outs Variadic<Mdl_FloatTensor>:$results);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    `(` ($xs^ `:` type($xs))? `)` `init` `(` ($inits^ `:` type($inits))? `)`
    `axis` `=` $axis `length` `=` $length (`reverse` $reverse^)?
    (`->` type($results)^)? $body attr-dict-with-keyword
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    unsigned getNumCarries() { return getInits().size(); }
    /// The stacked per-step outputs (after the final carries).
    ::mlir::ResultRange getOutputs() {
      return getResults().drop_front(getNumCarries());
    }
    ::mlir::Block &getBodyBlock() { return getBody().front(); }
  }];
}

def Mdl_YieldOp : Mdl_Op<"yield", [Pure, Terminator, HasParent<"ScanOp">]> {
  let summary = "ends a scan step: the new carries, then per-step outputs";
  let arguments = (ins Variadic<Mdl_FloatTensor>:$values);
  let assemblyFormat = "($values^ `:` type($values))? attr-dict";
}

#endif // ADJOINT_MDL_SCAN_OPS
