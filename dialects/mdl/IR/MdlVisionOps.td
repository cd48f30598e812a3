//===- MdlVisionOps.td - Convolution and pooling ops -------*- tablegen -*-===//
//
// Included from MdlOps.td. Activations are NHWC `[B, H, W, C]`, filters are
// HWCF `[KH, KW, C / groups, F]` (PyTorch uses NCHW / OIHW). Every spatial
// attribute is a pair (height, width); output sizes follow PyTorch:
// `OH = (H + 2 padding - dilation (KH - 1) - 1) / stride + 1`.
//
//===----------------------------------------------------------------------===//

#ifndef ADJOINT_MDL_VISION_OPS
#define ADJOINT_MDL_VISION_OPS

def Mdl_Conv2dOp : Mdl_Op<"conv2d", [Pure,
    DeclareOpInterfaceMethods<AdjointOpInterface>]> {
  let summary = "2-D convolution (cross-correlation), NHWC input, HWCF filter";
  let description = [{
    `y[b, oh, ow, g Fg + fg] = sum_{kh, kw, cg} xp[b, oh sh + kh dh,
    ow sw + kw dw, g Cg + cg] * w[kh, kw, cg, g Fg + fg]` where `xp` is the
    input zero-padded by `padding` on both sides, `Cg = C / groups` and
    `Fg = F / groups` (torch.nn.functional.conv2d). The adjoint of the input
    is `conv2d_grad_input`, that of the filter `conv2d_grad_filter`.

    ```mlir
    %y = mdl.conv2d %x, %w stride = [1, 1] padding = [0, 0]
        dilation = [1, 1] groups = 1
        : tensor<64x28x28x1xf32>, tensor<3x3x1x32xf32> -> tensor<64x26x26x32xf32>
    ```
  }];
  let arguments = (ins Mdl_FloatTensor:$input, Mdl_FloatTensor:$filter,
                       DenseI64ArrayAttr:$stride, DenseI64ArrayAttr:$padding,
                       DenseI64ArrayAttr:$dilation, I64Attr:$groups);
  let results = (outs Mdl_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $filter `stride` `=` $stride `padding` `=` $padding
    `dilation` `=` $dilation `groups` `=` $groups attr-dict `:` type($input)
    `,` type($filter) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Mdl_Conv2dGradInputOp : Mdl_Op<"conv2d_grad_input", [Pure]> {
  let summary = "adjoint of conv2d with respect to its input";
  let description = [{
    Given the adjoint `grad` of a conv2d result and its filter, the adjoint
    of the input (of the result type): the transposed convolution of `grad`
    with the filter, with the attributes of the forward convolution.
  }];
  let arguments = (ins Mdl_FloatTensor:$grad, Mdl_FloatTensor:$filter,
                       DenseI64ArrayAttr:$stride, DenseI64ArrayAttr:$padding,
                       DenseI64ArrayAttr:$dilation, I64Attr:$groups);
  let results = (outs Mdl_FloatTensor:$result);
  let assemblyFormat = [{
    $grad `,` $filter `stride` `=` $stride `padding` `=` $padding
    `dilation` `=` $dilation `groups` `=` $groups attr-dict `:` type($grad)
    `,` type($filter) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Mdl_Conv2dGradFilterOp : Mdl_Op<"conv2d_grad_filter", [Pure]> {
  let summary = "adjoint of conv2d with respect to its filter";
  let description = [{
    Given the forward input and the adjoint `grad` of the conv2d result, the
    adjoint of the filter (of the result type): the correlation of the
    padded input with `grad`, summed over the batch and output positions.
  }];
  let arguments = (ins Mdl_FloatTensor:$input, Mdl_FloatTensor:$grad,
                       DenseI64ArrayAttr:$stride, DenseI64ArrayAttr:$padding,
                       DenseI64ArrayAttr:$dilation, I64Attr:$groups);
  let results = (outs Mdl_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $grad `stride` `=` $stride `padding` `=` $padding
    `dilation` `=` $dilation `groups` `=` $groups attr-dict `:` type($input)
    `,` type($grad) `->` type($result)
  }];
  let hasVerifier = 1;
}

class Mdl_Pool2dOp<string mnemonic, string summ>
    : Mdl_Op<mnemonic, [Pure, DeclareOpInterfaceMethods<AdjointOpInterface>]> {
  let summary = summ;
  let arguments = (ins Mdl_FloatTensor:$input, DenseI64ArrayAttr:$size,
                       DenseI64ArrayAttr:$stride, DenseI64ArrayAttr:$padding);
  let results = (outs Mdl_FloatTensor:$result);
  let assemblyFormat = [{
    $input `size` `=` $size `stride` `=` $stride `padding` `=` $padding
    attr-dict `:` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Mdl_MaxPool2dOp : Mdl_Pool2dOp<"max_pool2d", "2-D max pooling, NHWC"> {
  let description = [{
    The maximum of every `size` window of the input (padded with -inf by
    `padding <= size / 2`, so every window holds an input element), taken
    with `stride` (torch.nn.functional.max_pool2d). The adjoint goes to the
    first maximum of each window in row-major window order, like torch.
  }];
}

def Mdl_AvgPool2dOp : Mdl_Pool2dOp<"avg_pool2d", "2-D average pooling, NHWC"> {
  let description = [{
    The mean of every `size` window of the input zero-padded by `padding`;
    the padding counts in the divisor (torch's `count_include_pad=True`).
  }];
}

def Mdl_MaxPool2dGradOp : Mdl_Op<"max_pool2d_grad", [Pure,
    AllTypesMatch<["input", "result"]>]> {
  let summary = "adjoint of max_pool2d";
  let description = [{
    `grad` (the adjoint of the pooled result) routed to the first maximum
    of each window of `input`; windows that overlap add up.
  }];
  let arguments = (ins Mdl_FloatTensor:$input, Mdl_FloatTensor:$grad,
                       DenseI64ArrayAttr:$size, DenseI64ArrayAttr:$stride,
                       DenseI64ArrayAttr:$padding);
  let results = (outs Mdl_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $grad `size` `=` $size `stride` `=` $stride `padding` `=`
    $padding attr-dict `:` type($input) `,` type($grad)
  }];
  let hasVerifier = 1;
}

def Mdl_AvgPool2dGradOp : Mdl_Op<"avg_pool2d_grad", [Pure]> {
  let summary = "adjoint of avg_pool2d";
  let description = [{
    `grad / (size_h size_w)` spread over every window; windows that overlap
    add up. The result has the type of the pooled input.
  }];
  let arguments = (ins Mdl_FloatTensor:$grad, DenseI64ArrayAttr:$size,
                       DenseI64ArrayAttr:$stride, DenseI64ArrayAttr:$padding);
  let results = (outs Mdl_FloatTensor:$result);
  let assemblyFormat = [{
    $grad `size` `=` $size `stride` `=` $stride `padding` `=` $padding
    attr-dict `:` type($grad) `->` type($result)
  }];
  let hasVerifier = 1;
}

#endif // ADJOINT_MDL_VISION_OPS
