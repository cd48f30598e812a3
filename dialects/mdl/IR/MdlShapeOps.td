//===- MdlShapeOps.td - Tensor manipulation ops of mdl -----*- tablegen -*-===//
//
// Transposes, strided slices and concatenations. Included from MdlOps.td;
// verifiers in MdlShapeOps.cpp, adjoints in MdlShapeAdjoints.cpp, linalg
// lowering in compiler/conversion/MdlToLinalg/ShapeOps.cpp.
//
//===----------------------------------------------------------------------===//

#ifndef ADJOINT_MDL_SHAPE_OPS
#define ADJOINT_MDL_SHAPE_OPS

def Mdl_TransposeOp : Mdl_Op<"transpose", [Pure,
    DeclareOpInterfaceMethods<AdjointOpInterface>]> {
  let summary = "permutation of the axes";
  let description = [{
    Result dimension `i` is operand dimension `perm[i]`:
    `result[i0, ..., in] = input[j]` with `j[perm[k]] = ik`. The adjoint is
    the transpose by the inverse permutation.

    ```mlir
    %t = mdl.transpose %x perm = [1, 0] : tensor<4x3xf32> -> tensor<3x4xf32>
    ```
  }];
  let arguments = (ins Mdl_FloatTensor:$input, DenseI64ArrayAttr:$perm);
  let results = (outs Mdl_FloatTensor:$result);
  let assemblyFormat = [{
    $input `perm` `=` $perm attr-dict `:` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Mdl_SliceOp : Mdl_Op<"slice", [Pure,
    DeclareOpInterfaceMethods<AdjointOpInterface>]> {
  let summary = "strided slice of the same rank";
  let description = [{
    `result[i] = input[start + i * step]` (per axis); the result shape gives
    the slice sizes. Every selected index must be inside the operand. Indexing
    that drops an axis is a slice of size 1 followed by `mdl.reshape`. The
    adjoint is `mdl.unslice`.

    ```mlir
    %s = mdl.slice %x start = [0, 1] step = [1, 2]
        : tensor<8x10xf32> -> tensor<8x5xf32>
    ```
  }];
  let arguments = (ins Mdl_FloatTensor:$input, DenseI64ArrayAttr:$start,
                       DenseI64ArrayAttr:$step);
  let results = (outs Mdl_FloatTensor:$result);
  let assemblyFormat = [{
    $input `start` `=` $start `step` `=` $step attr-dict `:` type($input)
    `->` type($result)
  }];
  let hasVerifier = 1;
}

def Mdl_UnsliceOp : Mdl_Op<"unslice", [Pure,
    DeclareOpInterfaceMethods<AdjointOpInterface>]> {
  let summary = "a strided slice placed into zeros (the adjoint of slice)";
  let description = [{
    The transpose of `mdl.slice` with the same `start` and `step`: a tensor
    of the result type that is `input[i]` at `start + i * step` and 0
    elsewhere. Its adjoint is `mdl.slice`.
  }];
  let arguments = (ins Mdl_FloatTensor:$input, DenseI64ArrayAttr:$start,
                       DenseI64ArrayAttr:$step);
  let results = (outs Mdl_FloatTensor:$result);
  let assemblyFormat = [{
    $input `start` `=` $start `step` `=` $step attr-dict `:` type($input)
    `->` type($result)
  }];
  let hasVerifier = 1;
}

def Mdl_ConcatOp : Mdl_Op<"concat", [Pure,
    DeclareOpInterfaceMethods<AdjointOpInterface>]> {
  let summary = "concatenation along one axis";
  let description = [{
    The operands, of equal rank and element type and equal sizes except
    along `axis`, one after the other along `axis`. The adjoint of each
    operand is the slice of the result gradient that it occupies.

    ```mlir
    %c = mdl.concat %a, %b axis = 1
        : tensor<8x3xf32>, tensor<8x5xf32> -> tensor<8x8xf32>
    ```
  }];
  let arguments = (ins Variadic<Mdl_FloatTensor>:$inputs, I64Attr:$axis);
  let results = (outs Mdl_FloatTensor:$result);
  let assemblyFormat = [{
    $inputs `axis` `=` $axis attr-dict `:` type($inputs) `->` type($result)
  }];
  let hasVerifier = 1;
}

#endif // ADJOINT_MDL_SHAPE_OPS
