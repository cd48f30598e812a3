// RUN: adjoint-opt %s -split-input-file -verify-diagnostics

// Verifiers of conv2d, its adjoints and the pooling ops (MdlVisionOps.td).

func.func @conv_result(%x: tensor<2x8x8x3xf32>, %w: tensor<3x3x3x4xf32>) {
  // expected-error @+1 {{'mdl.conv2d' op expects the convolution result to have shape [2, 6, 6, 4], got tensor<2x8x8x4xf32>}}
  %0 = mdl.conv2d %x, %w stride = [1, 1] padding = [0, 0] dilation = [1, 1] groups = 1 : tensor<2x8x8x3xf32>, tensor<3x3x3x4xf32> -> tensor<2x8x8x4xf32>
  return
}

// -----

func.func @conv_channels(%x: tensor<2x8x8x3xf32>, %w: tensor<3x3x2x4xf32>) {
  // expected-error @+1 {{'mdl.conv2d' op expects the filter tensor<3x3x2x4xf32> to have 3 input channels (input channels / groups)}}
  %0 = mdl.conv2d %x, %w stride = [1, 1] padding = [0, 0] dilation = [1, 1] groups = 1 : tensor<2x8x8x3xf32>, tensor<3x3x2x4xf32> -> tensor<2x6x6x4xf32>
  return
}

// -----

func.func @conv_groups(%x: tensor<2x8x8x4xf32>, %w: tensor<3x3x2x3xf32>) {
  // expected-error @+1 {{'mdl.conv2d' op expects groups (2) to be positive and to divide the input channels (4) and the filters (3)}}
  %0 = mdl.conv2d %x, %w stride = [1, 1] padding = [0, 0] dilation = [1, 1] groups = 2 : tensor<2x8x8x4xf32>, tensor<3x3x2x3xf32> -> tensor<2x6x6x3xf32>
  return
}

// -----

func.func @conv_stride(%x: tensor<2x8x8x3xf32>, %w: tensor<3x3x3x4xf32>) {
  // expected-error @+1 {{'mdl.conv2d' op expects 'stride' elements to be at least 1, got 0}}
  %0 = mdl.conv2d %x, %w stride = [0, 1] padding = [0, 0] dilation = [1, 1] groups = 1 : tensor<2x8x8x3xf32>, tensor<3x3x3x4xf32> -> tensor<2x6x6x4xf32>
  return
}

// -----

func.func @conv_pair(%x: tensor<2x8x8x3xf32>, %w: tensor<3x3x3x4xf32>) {
  // expected-error @+1 {{'mdl.conv2d' op expects 'padding' to have 2 elements (height, width), got 1}}
  %0 = mdl.conv2d %x, %w stride = [1, 1] padding = [0] dilation = [1, 1] groups = 1 : tensor<2x8x8x3xf32>, tensor<3x3x3x4xf32> -> tensor<2x6x6x4xf32>
  return
}

// -----

func.func @conv_fit(%x: tensor<2x4x4x3xf32>, %w: tensor<3x3x3x4xf32>) {
  // expected-error @+1 {{'mdl.conv2d' op expects the filter tensor<3x3x3x4xf32> to fit in the padded input tensor<2x4x4x3xf32>}}
  %0 = mdl.conv2d %x, %w stride = [1, 1] padding = [0, 0] dilation = [2, 2] groups = 1 : tensor<2x4x4x3xf32>, tensor<3x3x3x4xf32> -> tensor<2x1x1x4xf32>
  return
}

// -----

func.func @conv_rank(%x: tensor<8x8x3xf32>, %w: tensor<3x3x3x4xf32>) {
  // expected-error @+1 {{'mdl.conv2d' op expects an input [B, H, W, C], a filter [KH, KW, C / groups, F] and a result [B, OH, OW, F]}}
  %0 = mdl.conv2d %x, %w stride = [1, 1] padding = [0, 0] dilation = [1, 1] groups = 1 : tensor<8x8x3xf32>, tensor<3x3x3x4xf32> -> tensor<2x6x6x4xf32>
  return
}

// -----

func.func @conv_types(%x: tensor<2x8x8x3xf64>, %w: tensor<3x3x3x4xf32>) {
  // expected-error @+1 {{'mdl.conv2d' op expects the input, filter and result to have the same element type}}
  %0 = mdl.conv2d %x, %w stride = [1, 1] padding = [0, 0] dilation = [1, 1] groups = 1 : tensor<2x8x8x3xf64>, tensor<3x3x3x4xf32> -> tensor<2x6x6x4xf32>
  return
}

// -----

func.func @grad_input(%dy: tensor<2x6x6x4xf32>, %w: tensor<3x3x3x4xf32>) {
  // expected-error @+1 {{'mdl.conv2d_grad_input' op expects the convolution result to have shape [2, 3, 3, 4], got tensor<2x6x6x4xf32>}}
  %0 = mdl.conv2d_grad_input %dy, %w stride = [2, 2] padding = [0, 0] dilation = [1, 1] groups = 1 : tensor<2x6x6x4xf32>, tensor<3x3x3x4xf32> -> tensor<2x8x8x3xf32>
  return
}

// -----

func.func @grad_filter(%x: tensor<2x8x8x3xf32>, %dy: tensor<2x6x6x4xf32>) {
  // expected-error @+1 {{'mdl.conv2d_grad_filter' op expects the filter tensor<3x3x4x4xf32> to have 3 input channels (input channels / groups)}}
  %0 = mdl.conv2d_grad_filter %x, %dy stride = [1, 1] padding = [0, 0] dilation = [1, 1] groups = 1 : tensor<2x8x8x3xf32>, tensor<2x6x6x4xf32> -> tensor<3x3x4x4xf32>
  return
}

// -----

func.func @pool_result(%x: tensor<2x8x8x3xf32>) {
  // expected-error @+1 {{'mdl.max_pool2d' op expects the pooled result to have shape [2, 4, 4, 3], got tensor<2x4x4x2xf32>}}
  %0 = mdl.max_pool2d %x size = [2, 2] stride = [2, 2] padding = [0, 0] : tensor<2x8x8x3xf32> -> tensor<2x4x4x2xf32>
  return
}

// -----

func.func @pool_padding(%x: tensor<2x8x8x3xf32>) {
  // expected-error @+1 {{'mdl.avg_pool2d' op expects the padding (2) to be at most half the window size (3)}}
  %0 = mdl.avg_pool2d %x size = [3, 3] stride = [1, 1] padding = [2, 0] : tensor<2x8x8x3xf32> -> tensor<2x10x6x3xf32>
  return
}

// -----

func.func @pool_size(%x: tensor<2x8x8x3xf32>) {
  // expected-error @+1 {{'mdl.max_pool2d' op expects 'size' elements to be at least 1, got 0}}
  %0 = mdl.max_pool2d %x size = [0, 2] stride = [2, 2] padding = [0, 0] : tensor<2x8x8x3xf32> -> tensor<2x4x4x3xf32>
  return
}

// -----

func.func @pool_grad(%x: tensor<2x8x8x3xf32>, %dy: tensor<2x3x3x3xf32>) {
  // expected-error @+1 {{'mdl.max_pool2d_grad' op expects the pooled result to have shape [2, 4, 4, 3], got tensor<2x3x3x3xf32>}}
  %0 = mdl.max_pool2d_grad %x, %dy size = [2, 2] stride = [2, 2] padding = [0, 0] : tensor<2x8x8x3xf32>, tensor<2x3x3x3xf32>
  return
}

// -----

func.func @avg_pool_grad(%dy: tensor<2x4x4x3xf32>) {
  // expected-error @+1 {{'mdl.avg_pool2d_grad' op expects the window to fit in the padded input tensor<2x1x8x3xf32>}}
  %0 = mdl.avg_pool2d_grad %dy size = [2, 2] stride = [2, 2] padding = [0, 0] : tensor<2x4x4x3xf32> -> tensor<2x1x8x3xf32>
  return
}
