// RUN: adjoint-opt %s -split-input-file --adjoint-autodiff | FileCheck %s

// The IR that adjoint-autodiff builds for the adjoints of the tensor
// manipulation ops, as in rules.mlir: every loss reduces with mdl.sum, whose
// adjoint broadcast [[G]] is the adjoint reaching the op under test.

// The adjoint of a transpose is the transpose by the inverse permutation
// ([2, 0, 1] -> [1, 2, 0]).
// CHECK-LABEL: func.func @transpose_grad
// CHECK:      %[[G:.+]] = mdl.broadcast_in_dim %{{.+}} dims = [] : tensor<f32> -> tensor<4x2x3xf32>
// CHECK-NEXT: %[[D:.+]] = mdl.transpose %[[G]] perm = [1, 2, 0] : tensor<4x2x3xf32> -> tensor<2x3x4xf32>
// CHECK-NEXT: return %{{.+}}, %[[D]] :
func.func @transpose(%a: tensor<2x3x4xf32> {mdl.param = @a}) -> tensor<f32> attributes {mdl.loss} {
  %0 = mdl.transpose %a perm = [2, 0, 1] : tensor<2x3x4xf32> -> tensor<4x2x3xf32>
  %1 = mdl.sum %0 axes = [0, 1, 2] : tensor<4x2x3xf32> -> tensor<f32>
  return %1 : tensor<f32>
}

// -----

// The adjoint of a strided slice places the gradient into zeros at the same
// positions: mdl.unslice with the same start and step.
// CHECK-LABEL: func.func @slice_grad
// CHECK:      %[[G:.+]] = mdl.broadcast_in_dim %{{.+}} dims = [] : tensor<f32> -> tensor<8x4xf32>
// CHECK-NEXT: %[[D:.+]] = mdl.unslice %[[G]] start = [0, 1] step = [1, 2] : tensor<8x4xf32> -> tensor<8x10xf32>
// CHECK-NEXT: return %{{.+}}, %[[D]] :
func.func @slice(%a: tensor<8x10xf32> {mdl.param = @a}) -> tensor<f32> attributes {mdl.loss} {
  %0 = mdl.slice %a start = [0, 1] step = [1, 2] : tensor<8x10xf32> -> tensor<8x4xf32>
  %1 = mdl.sum %0 axes = [0, 1] : tensor<8x4xf32> -> tensor<f32>
  return %1 : tensor<f32>
}

// -----

// unslice is linear too: its adjoint is the slice.
// CHECK-LABEL: func.func @unslice_grad
// CHECK:      %[[G:.+]] = mdl.broadcast_in_dim %{{.+}} dims = [] : tensor<f32> -> tensor<8x10xf32>
// CHECK-NEXT: %[[D:.+]] = mdl.slice %[[G]] start = [2, 0] step = [2, 1] : tensor<8x10xf32> -> tensor<3x10xf32>
// CHECK-NEXT: return %{{.+}}, %[[D]] :
func.func @unslice(%a: tensor<3x10xf32> {mdl.param = @a}) -> tensor<f32> attributes {mdl.loss} {
  %0 = mdl.unslice %a start = [2, 0] step = [2, 1] : tensor<3x10xf32> -> tensor<8x10xf32>
  %1 = mdl.sum %0 axes = [0, 1] : tensor<8x10xf32> -> tensor<f32>
  return %1 : tensor<f32>
}

// -----

// Each operand of a concat gets the slice of the gradient it occupies.
// CHECK-LABEL: func.func @concat_grad
// CHECK:      %[[G:.+]] = mdl.broadcast_in_dim %{{.+}} dims = [] : tensor<f32> -> tensor<8x8xf32>
// CHECK-DAG:  %[[DA:.+]] = mdl.slice %[[G]] start = [0, 0] step = [1, 1] : tensor<8x8xf32> -> tensor<8x3xf32>
// CHECK-DAG:  %[[DB:.+]] = mdl.slice %[[G]] start = [0, 3] step = [1, 1] : tensor<8x8xf32> -> tensor<8x5xf32>
// CHECK:      return %{{.+}}, %[[DA]], %[[DB]] :
func.func @concat(%a: tensor<8x3xf32> {mdl.param = @a}, %b: tensor<8x5xf32> {mdl.param = @b}) -> tensor<f32> attributes {mdl.loss} {
  %0 = mdl.concat %a, %b axis = 1 : tensor<8x3xf32>, tensor<8x5xf32> -> tensor<8x8xf32>
  %1 = mdl.sum %0 axes = [0, 1] : tensor<8x8xf32> -> tensor<f32>
  return %1 : tensor<f32>
}
