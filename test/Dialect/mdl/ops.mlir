// RUN: adjoint-opt %s | adjoint-opt | FileCheck %s
// RUN: adjoint-opt %s --mlir-print-op-generic | adjoint-opt | FileCheck %s

// Every mdl op survives print -> parse -> print (custom and generic form).
// mdl.param with initializer arguments is in param-init-args.mlir: its
// custom form does not re-parse, nor does a param with an attribute
// dictionary (reported bug).

// CHECK: mdl.param @w : tensor<4x3xf32> init "he_normal"
// CHECK-NOT: init_args
mdl.param @w : tensor<4x3xf32> init "he_normal"
// CHECK: mdl.param @n : tensor<2x2xf64> init "glorot_uniform"
mdl.param @n : tensor<2x2xf64> init "glorot_uniform"
// CHECK: mdl.param @z : tensor<f32> init "zeros"
mdl.param @z : tensor<f32> init "zeros"
// CHECK: mdl.train @f optimizer "sgd" {lr = 1.000000e-01 : f64, momentum = 0.000000e+00 : f64} batch 8 epochs 2 seed 7
mdl.train @f optimizer "sgd" {lr = 0.1 : f64, momentum = 0.0 : f64} batch 8 epochs 2 seed 7
// CHECK: mdl.train @f optimizer "sgd" {lr = 5.000000e-01 : f32} batch 1 epochs 1 seed 0
mdl.train @f optimizer "sgd" {lr = 0.5 : f32} batch 1 epochs 1 seed 0

// CHECK-LABEL: func.func @elementwise
// CHECK-SAME: (%[[A:.+]]: tensor<8x3xf32>, %[[B:.+]]: tensor<3xf32>, %[[C:.+]]: tensor<1x3xf32>, %[[S:.+]]: tensor<f32>)
func.func @elementwise(%a: tensor<8x3xf32>, %b: tensor<3xf32>, %c: tensor<1x3xf32>, %s: tensor<f32>) -> tensor<8x3xf32> {
  // CHECK: %[[ADD:.+]] = mdl.add %[[A]], %[[B]] : tensor<8x3xf32>, tensor<3xf32> -> tensor<8x3xf32>
  %0 = mdl.add %a, %b : tensor<8x3xf32>, tensor<3xf32> -> tensor<8x3xf32>
  // CHECK: %[[SUB:.+]] = mdl.sub %[[C]], %[[ADD]] : tensor<1x3xf32>, tensor<8x3xf32> -> tensor<8x3xf32>
  %1 = mdl.sub %c, %0 : tensor<1x3xf32>, tensor<8x3xf32> -> tensor<8x3xf32>
  // CHECK: %[[MUL:.+]] = mdl.mul %[[SUB]], %[[S]] : tensor<8x3xf32>, tensor<f32> -> tensor<8x3xf32>
  %2 = mdl.mul %1, %s : tensor<8x3xf32>, tensor<f32> -> tensor<8x3xf32>
  // CHECK: %[[DIV:.+]] = mdl.div %[[B]], %[[MUL]] : tensor<3xf32>, tensor<8x3xf32> -> tensor<8x3xf32>
  %3 = mdl.div %b, %2 : tensor<3xf32>, tensor<8x3xf32> -> tensor<8x3xf32>
  // CHECK: %[[NEG:.+]] = mdl.neg %[[DIV]] : tensor<8x3xf32>
  %4 = mdl.neg %3 : tensor<8x3xf32>
  // CHECK: %[[RELU:.+]] = mdl.relu %[[NEG]] : tensor<8x3xf32>
  %5 = mdl.relu %4 : tensor<8x3xf32>
  // CHECK: %[[SIG:.+]] = mdl.sigmoid %[[RELU]] : tensor<8x3xf32>
  %6 = mdl.sigmoid %5 : tensor<8x3xf32>
  // CHECK: %[[TANH:.+]] = mdl.tanh %[[SIG]] : tensor<8x3xf32>
  %7 = mdl.tanh %6 : tensor<8x3xf32>
  // CHECK: %[[RG:.+]] = mdl.relu_grad %[[NEG]], %[[TANH]] : tensor<8x3xf32>
  %8 = mdl.relu_grad %4, %7 : tensor<8x3xf32>
  // CHECK: return %[[RG]]
  return %8 : tensor<8x3xf32>
}

// CHECK-LABEL: func.func @matmuls
func.func @matmuls(%a: tensor<8x4xf64>, %b: tensor<4x3xf64>, %at: tensor<4x8xf64>, %bt: tensor<3x4xf64>)
    -> (tensor<8x3xf64>, tensor<8x3xf64>, tensor<8x3xf64>, tensor<8x3xf64>) {
  // CHECK: mdl.matmul %{{.+}}, %{{.+}} : tensor<8x4xf64>, tensor<4x3xf64> -> tensor<8x3xf64>
  %0 = mdl.matmul %a, %b : tensor<8x4xf64>, tensor<4x3xf64> -> tensor<8x3xf64>
  // CHECK-NEXT: mdl.matmul %{{.+}}, %{{.+}} {transpose_lhs} : tensor<4x8xf64>, tensor<4x3xf64> -> tensor<8x3xf64>
  %1 = mdl.matmul %at, %b {transpose_lhs} : tensor<4x8xf64>, tensor<4x3xf64> -> tensor<8x3xf64>
  // CHECK-NEXT: mdl.matmul %{{.+}}, %{{.+}} {transpose_rhs} : tensor<8x4xf64>, tensor<3x4xf64> -> tensor<8x3xf64>
  %2 = mdl.matmul %a, %bt {transpose_rhs} : tensor<8x4xf64>, tensor<3x4xf64> -> tensor<8x3xf64>
  // CHECK-NEXT: mdl.matmul %{{.+}}, %{{.+}} {transpose_lhs, transpose_rhs} : tensor<4x8xf64>, tensor<3x4xf64> -> tensor<8x3xf64>
  %3 = mdl.matmul %at, %bt {transpose_lhs, transpose_rhs} : tensor<4x8xf64>, tensor<3x4xf64> -> tensor<8x3xf64>
  return %0, %1, %2, %3 : tensor<8x3xf64>, tensor<8x3xf64>, tensor<8x3xf64>, tensor<8x3xf64>
}

// CHECK-LABEL: func.func @shapes
func.func @shapes(%x: tensor<2x3x4xf32>, %v: tensor<3xf32>, %u: tensor<1x4xf32>) -> tensor<f32> {
  // CHECK: mdl.sum %{{.+}} axes = [0, 2] : tensor<2x3x4xf32> -> tensor<3xf32>
  %0 = mdl.sum %x axes = [0, 2] : tensor<2x3x4xf32> -> tensor<3xf32>
  // CHECK: mdl.mean %{{.+}} axes = [] : tensor<2x3x4xf32> -> tensor<2x3x4xf32>
  %1 = mdl.mean %x axes = [] : tensor<2x3x4xf32> -> tensor<2x3x4xf32>
  // CHECK: mdl.mean %{{.+}} axes = [0, 1, 2] : tensor<2x3x4xf32> -> tensor<f32>
  %2 = mdl.mean %1 axes = [0, 1, 2] : tensor<2x3x4xf32> -> tensor<f32>
  // CHECK: mdl.broadcast_in_dim %{{.+}} dims = [1] : tensor<3xf32> -> tensor<2x3x4xf32>
  %3 = mdl.broadcast_in_dim %v dims = [1] : tensor<3xf32> -> tensor<2x3x4xf32>
  // CHECK: mdl.broadcast_in_dim %{{.+}} dims = [0, 2] : tensor<1x4xf32> -> tensor<2x3x4xf32>
  %4 = mdl.broadcast_in_dim %u dims = [0, 2] : tensor<1x4xf32> -> tensor<2x3x4xf32>
  // CHECK: mdl.broadcast_in_dim %{{.+}} dims = [] : tensor<f32> -> tensor<2x3xf32>
  %5 = mdl.broadcast_in_dim %2 dims = [] : tensor<f32> -> tensor<2x3xf32>
  // CHECK: mdl.reshape %{{.+}} : tensor<2x3x4xf32> -> tensor<6x4xf32>
  %6 = mdl.reshape %3 : tensor<2x3x4xf32> -> tensor<6x4xf32>
  // CHECK: mdl.reshape %{{.+}} : tensor<f32> -> tensor<1x1xf32>
  %7 = mdl.reshape %2 : tensor<f32> -> tensor<1x1xf32>
  return %2 : tensor<f32>
}

// CHECK-LABEL: func.func @losses
// CHECK-SAME: (%[[P:.+]]: tensor<8x3xf32>, %[[T:.+]]: tensor<8x3xf32>, %[[L:.+]]: tensor<8xi32>, %[[M:.+]]: tensor<8xf32>, %[[G:.+]]: tensor<f32>)
func.func @losses(%p: tensor<8x3xf32>, %t: tensor<8x3xf32>, %l: tensor<8xi32>, %m: tensor<8xf32>, %g: tensor<f32>) -> tensor<f32> {
  // CHECK: mdl.mse %[[P]], %[[T]] : tensor<8x3xf32>, tensor<8x3xf32> -> tensor<f32>
  %0 = mdl.mse %p, %t : tensor<8x3xf32>, tensor<8x3xf32> -> tensor<f32>
  // CHECK: mdl.mse %[[P]], %[[T]] mask %[[M]] : tensor<8x3xf32>, tensor<8x3xf32>, tensor<8xf32> -> tensor<f32>
  %1 = mdl.mse %p, %t mask %m : tensor<8x3xf32>, tensor<8x3xf32>, tensor<8xf32> -> tensor<f32>
  // CHECK: mdl.mse_grad %[[G]], %[[P]], %[[T]] : tensor<f32>, tensor<8x3xf32> -> tensor<8x3xf32>
  %2 = mdl.mse_grad %g, %p, %t : tensor<f32>, tensor<8x3xf32> -> tensor<8x3xf32>
  // CHECK: mdl.mse_grad %[[G]], %[[P]], %[[T]] mask %[[M]] : tensor<f32>, tensor<8x3xf32>, tensor<8xf32> -> tensor<8x3xf32>
  %3 = mdl.mse_grad %g, %p, %t mask %m : tensor<f32>, tensor<8x3xf32>, tensor<8xf32> -> tensor<8x3xf32>
  // CHECK: mdl.softmax_cross_entropy %[[P]], %[[L]] : tensor<8x3xf32>, tensor<8xi32> -> tensor<f32>
  %4 = mdl.softmax_cross_entropy %p, %l : tensor<8x3xf32>, tensor<8xi32> -> tensor<f32>
  // CHECK: mdl.softmax_cross_entropy %[[P]], %[[L]] mask %[[M]] : tensor<8x3xf32>, tensor<8xi32>, tensor<8xf32> -> tensor<f32>
  %5 = mdl.softmax_cross_entropy %p, %l mask %m : tensor<8x3xf32>, tensor<8xi32>, tensor<8xf32> -> tensor<f32>
  // CHECK: mdl.softmax_cross_entropy_grad %[[G]], %[[P]], %[[L]] : tensor<f32>, tensor<8x3xf32>, tensor<8xi32> -> tensor<8x3xf32>
  %6 = mdl.softmax_cross_entropy_grad %g, %p, %l : tensor<f32>, tensor<8x3xf32>, tensor<8xi32> -> tensor<8x3xf32>
  // CHECK: mdl.softmax_cross_entropy_grad %[[G]], %[[P]], %[[L]] mask %[[M]] : tensor<f32>, tensor<8x3xf32>, tensor<8xi32>, tensor<8xf32> -> tensor<8x3xf32>
  %7 = mdl.softmax_cross_entropy_grad %g, %p, %l mask %m : tensor<f32>, tensor<8x3xf32>, tensor<8xi32>, tensor<8xf32> -> tensor<8x3xf32>
  return %5 : tensor<f32>
}

// Argument attributes the passes rely on survive the round trip.
// CHECK-LABEL: func.func @f
// CHECK-SAME: {mdl.param = @w}
// CHECK-SAME: {mdl.input = "x"}
// CHECK-SAME: {mdl.mask}
// CHECK-SAME: attributes {mdl.loss}
func.func @f(%w: tensor<4x3xf32> {mdl.param = @w}, %x: tensor<8x4xf32> {mdl.input = "x"}, %m: tensor<8xf32> {mdl.mask}) -> tensor<f32> attributes {mdl.loss} {
  %0 = mdl.matmul %x, %w : tensor<8x4xf32>, tensor<4x3xf32> -> tensor<8x3xf32>
  %1 = mdl.mse %0, %0 mask %m : tensor<8x3xf32>, tensor<8x3xf32>, tensor<8xf32> -> tensor<f32>
  return %1 : tensor<f32>
}
