// RUN: adjoint-opt %s -split-input-file --adjoint-autodiff | FileCheck %s

// The adjoint rules of conv2d and pooling, as in rules.mlir: the loss
// reduces with mdl.sum, whose adjoint broadcast [[G]] is the adjoint
// reaching the op under test.

// conv2d of a parameter input: the input adjoint (transposed convolution
// with the filter) and the filter adjoint (correlation with the input), both
// with the forward attributes.
// CHECK-LABEL: func.func @conv_grad
// CHECK-SAME: (%[[X:.+]]: tensor<2x7x7x4xf32> {mdl.param = @x}, %[[W:.+]]: tensor<3x3x2x6xf32> {mdl.param = @w})
// CHECK:      %[[Y:.+]] = mdl.conv2d %[[X]], %[[W]] stride = [2, 1] padding = [1, 0] dilation = [1, 2] groups = 2
// CHECK:      %[[G:.+]] = mdl.broadcast_in_dim
// CHECK-NEXT: %[[DX:.+]] = mdl.conv2d_grad_input %[[G]], %[[W]] stride = [2, 1] padding = [1, 0] dilation = [1, 2] groups = 2 : tensor<2x4x3x6xf32>, tensor<3x3x2x6xf32> -> tensor<2x7x7x4xf32>
// CHECK-NEXT: %[[DW:.+]] = mdl.conv2d_grad_filter %[[X]], %[[G]] stride = [2, 1] padding = [1, 0] dilation = [1, 2] groups = 2 : tensor<2x7x7x4xf32>, tensor<2x4x3x6xf32> -> tensor<3x3x2x6xf32>
// CHECK-NEXT: return %{{.+}}, %[[DX]], %[[DW]] :
func.func @conv(%x: tensor<2x7x7x4xf32> {mdl.param = @x}, %w: tensor<3x3x2x6xf32> {mdl.param = @w}) -> tensor<f32> attributes {mdl.loss} {
  %0 = mdl.conv2d %x, %w stride = [2, 1] padding = [1, 0] dilation = [1, 2] groups = 2 : tensor<2x7x7x4xf32>, tensor<3x3x2x6xf32> -> tensor<2x4x3x6xf32>
  %1 = mdl.sum %0 axes = [0, 1, 2, 3] : tensor<2x4x3x6xf32> -> tensor<f32>
  return %1 : tensor<f32>
}

// -----

// The input of the first layer is data: no input adjoint is built.
// CHECK-LABEL: func.func @first_layer_grad
// CHECK-NOT:  mdl.conv2d_grad_input
// CHECK:      %[[DW:.+]] = mdl.conv2d_grad_filter
// CHECK-NOT:  mdl.conv2d_grad_input
// CHECK:      return %{{.+}}, %[[DW]] :
func.func @first_layer(%x: tensor<2x5x5x1xf32> {mdl.input = "x"}, %w: tensor<3x3x1x4xf32> {mdl.param = @w}) -> tensor<f32> attributes {mdl.loss} {
  %0 = mdl.conv2d %x, %w stride = [1, 1] padding = [0, 0] dilation = [1, 1] groups = 1 : tensor<2x5x5x1xf32>, tensor<3x3x1x4xf32> -> tensor<2x3x3x4xf32>
  %1 = mdl.sum %0 axes = [0, 1, 2, 3] : tensor<2x3x3x4xf32> -> tensor<f32>
  return %1 : tensor<f32>
}

// -----

// A constant filter: only the input adjoint.
// CHECK-LABEL: func.func @const_filter_grad
// CHECK-NOT:  mdl.conv2d_grad_filter
// CHECK:      mdl.conv2d_grad_input
// CHECK-NOT:  mdl.conv2d_grad_filter
// CHECK:      return
func.func @const_filter(%x: tensor<2x5x5x1xf32> {mdl.param = @x}) -> tensor<f32> attributes {mdl.loss} {
  %w = arith.constant dense<1.0> : tensor<3x3x1x4xf32>
  %0 = mdl.conv2d %x, %w stride = [1, 1] padding = [0, 0] dilation = [1, 1] groups = 1 : tensor<2x5x5x1xf32>, tensor<3x3x1x4xf32> -> tensor<2x3x3x4xf32>
  %1 = mdl.sum %0 axes = [0, 1, 2, 3] : tensor<2x3x3x4xf32> -> tensor<f32>
  return %1 : tensor<f32>
}

// -----

// max_pool2d routes the adjoint through the forward input (the first
// maximum of each window is recomputed); avg_pool2d needs only the adjoint.
// CHECK-LABEL: func.func @pools_grad
// CHECK-SAME: (%[[X:.+]]: tensor<2x6x6x3xf32> {mdl.param = @x})
// CHECK:      %[[G:.+]] = mdl.broadcast_in_dim %{{.+}} dims = [] : tensor<f32> -> tensor<2x3x3x3xf32>
// CHECK-NEXT: %[[DA:.+]] = mdl.avg_pool2d_grad %[[G]] size = [3, 3] stride = [2, 2] padding = [1, 1] : tensor<2x3x3x3xf32> -> tensor<2x6x6x3xf32>
// CHECK-NEXT: %[[G2:.+]] = mdl.broadcast_in_dim %{{.+}} dims = [] : tensor<f32> -> tensor<2x3x3x3xf32>
// CHECK-NEXT: %[[DM:.+]] = mdl.max_pool2d_grad %[[X]], %[[G2]] size = [2, 2] stride = [2, 2] padding = [0, 0] : tensor<2x6x6x3xf32>, tensor<2x3x3x3xf32>
// CHECK-NEXT: %[[D:.+]] = mdl.add %[[DA]], %[[DM]]
// CHECK-NEXT: return %{{.+}}, %[[D]] :
func.func @pools(%x: tensor<2x6x6x3xf32> {mdl.param = @x}) -> tensor<f32> attributes {mdl.loss} {
  %0 = mdl.max_pool2d %x size = [2, 2] stride = [2, 2] padding = [0, 0] : tensor<2x6x6x3xf32> -> tensor<2x3x3x3xf32>
  %1 = mdl.sum %0 axes = [0, 1, 2, 3] : tensor<2x3x3x3xf32> -> tensor<f32>
  %2 = mdl.avg_pool2d %x size = [3, 3] stride = [2, 2] padding = [1, 1] : tensor<2x6x6x3xf32> -> tensor<2x3x3x3xf32>
  %3 = mdl.sum %2 axes = [0, 1, 2, 3] : tensor<2x3x3x3xf32> -> tensor<f32>
  %4 = mdl.add %1, %3 : tensor<f32>, tensor<f32> -> tensor<f32>
  return %4 : tensor<f32>
}
