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

// Batched forms: a shared rank-2 weight, equal batch dimensions with
// transposed operands, and broadcast batch dimensions ([2, 1] with [3]).
// CHECK-LABEL: func.func @batched_matmuls
func.func @batched_matmuls(%x: tensor<2x8x4xf32>, %w: tensor<4x3xf32>, %q: tensor<2x3x8x4xf32>,
                           %k: tensor<2x3x8x4xf32>, %u: tensor<2x1x8x4xf32>, %h: tensor<3x4x5xf32>)
    -> (tensor<2x8x3xf32>, tensor<2x3x8x8xf32>, tensor<2x3x4x4xf32>, tensor<2x3x8x5xf32>) {
  // CHECK: mdl.matmul %{{.+}}, %{{.+}} : tensor<2x8x4xf32>, tensor<4x3xf32> -> tensor<2x8x3xf32>
  %0 = mdl.matmul %x, %w : tensor<2x8x4xf32>, tensor<4x3xf32> -> tensor<2x8x3xf32>
  // CHECK-NEXT: mdl.matmul %{{.+}}, %{{.+}} {transpose_rhs} : tensor<2x3x8x4xf32>, tensor<2x3x8x4xf32> -> tensor<2x3x8x8xf32>
  %1 = mdl.matmul %q, %k {transpose_rhs} : tensor<2x3x8x4xf32>, tensor<2x3x8x4xf32> -> tensor<2x3x8x8xf32>
  // CHECK-NEXT: mdl.matmul %{{.+}}, %{{.+}} {transpose_lhs} : tensor<2x3x8x4xf32>, tensor<2x3x8x4xf32> -> tensor<2x3x4x4xf32>
  %2 = mdl.matmul %q, %k {transpose_lhs} : tensor<2x3x8x4xf32>, tensor<2x3x8x4xf32> -> tensor<2x3x4x4xf32>
  // CHECK-NEXT: mdl.matmul %{{.+}}, %{{.+}} : tensor<2x1x8x4xf32>, tensor<3x4x5xf32> -> tensor<2x3x8x5xf32>
  %3 = mdl.matmul %u, %h : tensor<2x1x8x4xf32>, tensor<3x4x5xf32> -> tensor<2x3x8x5xf32>
  return %0, %1, %2, %3 : tensor<2x8x3xf32>, tensor<2x3x8x8xf32>, tensor<2x3x4x4xf32>, tensor<2x3x8x5xf32>
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

// CHECK-LABEL: func.func @layer_unary
// CHECK-SAME: (%[[A:.+]]: tensor<8x3xf32>)
func.func @layer_unary(%a: tensor<8x3xf32>) -> tensor<8x3xf32> {
  // CHECK: %[[E:.+]] = mdl.exp %[[A]] : tensor<8x3xf32>
  %0 = mdl.exp %a : tensor<8x3xf32>
  // CHECK-NEXT: %[[L:.+]] = mdl.log %[[E]] : tensor<8x3xf32>
  %1 = mdl.log %0 : tensor<8x3xf32>
  // CHECK-NEXT: %[[L1:.+]] = mdl.log1p %[[L]] : tensor<8x3xf32>
  %2 = mdl.log1p %1 : tensor<8x3xf32>
  // CHECK-NEXT: %[[SQ:.+]] = mdl.sqrt %[[L1]] : tensor<8x3xf32>
  %3 = mdl.sqrt %2 : tensor<8x3xf32>
  // CHECK-NEXT: %[[RS:.+]] = mdl.rsqrt %[[SQ]] : tensor<8x3xf32>
  %4 = mdl.rsqrt %3 : tensor<8x3xf32>
  // CHECK-NEXT: %[[AB:.+]] = mdl.abs %[[RS]] : tensor<8x3xf32>
  %5 = mdl.abs %4 : tensor<8x3xf32>
  // CHECK-NEXT: %[[RC:.+]] = mdl.reciprocal %[[AB]] : tensor<8x3xf32>
  %6 = mdl.reciprocal %5 : tensor<8x3xf32>
  // CHECK-NEXT: %[[SI:.+]] = mdl.sin %[[RC]] : tensor<8x3xf32>
  %7 = mdl.sin %6 : tensor<8x3xf32>
  // CHECK-NEXT: %[[CO:.+]] = mdl.cos %[[SI]] : tensor<8x3xf32>
  %8 = mdl.cos %7 : tensor<8x3xf32>
  // CHECK-NEXT: %[[SP:.+]] = mdl.softplus %[[CO]] : tensor<8x3xf32>
  %9 = mdl.softplus %8 : tensor<8x3xf32>
  // CHECK-NEXT: %[[SL:.+]] = mdl.silu %[[SP]] : tensor<8x3xf32>
  %10 = mdl.silu %9 : tensor<8x3xf32>
  // CHECK-NEXT: %[[LR:.+]] = mdl.leaky_relu %[[SL]] negative_slope = 2.000000e-01 : tensor<8x3xf32>
  %11 = mdl.leaky_relu %10 negative_slope = 0.2 : tensor<8x3xf32>
  // CHECK-NEXT: %[[EL:.+]] = mdl.elu %[[LR]] alpha = 1.500000e+00 : tensor<8x3xf32>
  %12 = mdl.elu %11 alpha = 1.5 : tensor<8x3xf32>
  // CHECK-NEXT: %[[G:.+]] = mdl.gelu %[[EL]] : tensor<8x3xf32>
  %13 = mdl.gelu %12 : tensor<8x3xf32>
  // CHECK-NEXT: %[[GT:.+]] = mdl.gelu %[[G]] tanh : tensor<8x3xf32>
  %14 = mdl.gelu %13 tanh : tensor<8x3xf32>
  // CHECK-NEXT: %[[GG:.+]] = mdl.gelu_grad %[[A]], %[[GT]] : tensor<8x3xf32>
  %15 = mdl.gelu_grad %a, %14 : tensor<8x3xf32>
  // CHECK-NEXT: %[[GGT:.+]] = mdl.gelu_grad %[[A]], %[[GG]] tanh : tensor<8x3xf32>
  %16 = mdl.gelu_grad %a, %15 tanh : tensor<8x3xf32>
  // CHECK-NEXT: %[[C1:.+]] = mdl.clamp %[[GGT]] min = -1.000000e+00 max = 2.000000e+00 : tensor<8x3xf32>
  %17 = mdl.clamp %16 min = -1.0 max = 2.0 : tensor<8x3xf32>
  // CHECK-NEXT: %[[C2:.+]] = mdl.clamp %[[C1]] min = 0.000000e+00 : tensor<8x3xf32>
  %18 = mdl.clamp %17 min = 0.0 : tensor<8x3xf32>
  // CHECK-NEXT: %[[C3:.+]] = mdl.clamp %[[C2]] max = 1.000000e+00 : tensor<8x3xf32>
  %19 = mdl.clamp %18 max = 1.0 : tensor<8x3xf32>
  // CHECK-NEXT: return %[[C3]]
  return %19 : tensor<8x3xf32>
}

// CHECK-LABEL: func.func @layer_binary
// CHECK-SAME: (%[[A:.+]]: tensor<8x3xf64>, %[[B:.+]]: tensor<3xf64>, %[[C:.+]]: tensor<8x1xf64>)
func.func @layer_binary(%a: tensor<8x3xf64>, %b: tensor<3xf64>, %c: tensor<8x1xf64>) -> tensor<8x3xf64> {
  // CHECK: %[[P:.+]] = mdl.pow %[[A]], %[[B]] : tensor<8x3xf64>, tensor<3xf64> -> tensor<8x3xf64>
  %0 = mdl.pow %a, %b : tensor<8x3xf64>, tensor<3xf64> -> tensor<8x3xf64>
  // CHECK-NEXT: %[[MX:.+]] = mdl.maximum %[[P]], %[[C]] : tensor<8x3xf64>, tensor<8x1xf64> -> tensor<8x3xf64>
  %1 = mdl.maximum %0, %c : tensor<8x3xf64>, tensor<8x1xf64> -> tensor<8x3xf64>
  // CHECK-NEXT: %[[MN:.+]] = mdl.minimum %[[B]], %[[MX]] : tensor<3xf64>, tensor<8x3xf64> -> tensor<8x3xf64>
  %2 = mdl.minimum %b, %1 : tensor<3xf64>, tensor<8x3xf64> -> tensor<8x3xf64>
  // CHECK-NEXT: %[[GT:.+]] = mdl.greater %[[MN]], %[[C]] : tensor<8x3xf64>, tensor<8x1xf64> -> tensor<8x3xf64>
  %3 = mdl.greater %2, %c : tensor<8x3xf64>, tensor<8x1xf64> -> tensor<8x3xf64>
  // CHECK-NEXT: mdl.greater_equal %[[A]], %[[B]] : tensor<8x3xf64>, tensor<3xf64> -> tensor<8x3xf64>
  %4 = mdl.greater_equal %a, %b : tensor<8x3xf64>, tensor<3xf64> -> tensor<8x3xf64>
  // CHECK-NEXT: mdl.less %[[A]], %[[B]] : tensor<8x3xf64>, tensor<3xf64> -> tensor<8x3xf64>
  %5 = mdl.less %a, %b : tensor<8x3xf64>, tensor<3xf64> -> tensor<8x3xf64>
  // CHECK-NEXT: mdl.less_equal %[[A]], %[[B]] : tensor<8x3xf64>, tensor<3xf64> -> tensor<8x3xf64>
  %6 = mdl.less_equal %a, %b : tensor<8x3xf64>, tensor<3xf64> -> tensor<8x3xf64>
  // CHECK-NEXT: mdl.equal %[[A]], %[[B]] : tensor<8x3xf64>, tensor<3xf64> -> tensor<8x3xf64>
  %7 = mdl.equal %a, %b : tensor<8x3xf64>, tensor<3xf64> -> tensor<8x3xf64>
  // CHECK-NEXT: mdl.not_equal %[[A]], %[[B]] : tensor<8x3xf64>, tensor<3xf64> -> tensor<8x3xf64>
  %8 = mdl.not_equal %a, %b : tensor<8x3xf64>, tensor<3xf64> -> tensor<8x3xf64>
  // CHECK-NEXT: %[[W:.+]] = mdl.where %[[GT]], %[[B]], %[[C]] : tensor<8x3xf64>, tensor<3xf64>, tensor<8x1xf64> -> tensor<8x3xf64>
  %9 = mdl.where %3, %b, %c : tensor<8x3xf64>, tensor<3xf64>, tensor<8x1xf64> -> tensor<8x3xf64>
  // CHECK-NEXT: return %[[W]]
  return %9 : tensor<8x3xf64>
}

// CHECK-LABEL: func.func @layer_reductions
func.func @layer_reductions(%x: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
  // CHECK: mdl.max %{{.+}} axes = [0, 2] : tensor<2x3x4xf32> -> tensor<3xf32>
  %0 = mdl.max %x axes = [0, 2] : tensor<2x3x4xf32> -> tensor<3xf32>
  // CHECK-NEXT: mdl.min %{{.+}} axes = [1] : tensor<2x3x4xf32> -> tensor<2x4xf32>
  %1 = mdl.min %x axes = [1] : tensor<2x3x4xf32> -> tensor<2x4xf32>
  // CHECK-NEXT: mdl.logsumexp %{{.+}} axes = [0, 1, 2] : tensor<2x3x4xf32> -> tensor<f32>
  %2 = mdl.logsumexp %x axes = [0, 1, 2] : tensor<2x3x4xf32> -> tensor<f32>
  // CHECK-NEXT: mdl.variance %{{.+}} axes = [2] : tensor<2x3x4xf32> -> tensor<2x3xf32>
  %3 = mdl.variance %x axes = [2] : tensor<2x3x4xf32> -> tensor<2x3xf32>
  // CHECK-NEXT: mdl.variance %{{.+}} axes = [0, 2] unbiased : tensor<2x3x4xf32> -> tensor<3xf32>
  %4 = mdl.variance %x axes = [0, 2] unbiased : tensor<2x3x4xf32> -> tensor<3xf32>
  // CHECK-NEXT: %[[S:.+]] = mdl.softmax %{{.+}} axis = 2 : tensor<2x3x4xf32>
  %5 = mdl.softmax %x axis = 2 : tensor<2x3x4xf32>
  // CHECK-NEXT: %[[LS:.+]] = mdl.log_softmax %[[S]] axis = 0 : tensor<2x3x4xf32>
  %6 = mdl.log_softmax %5 axis = 0 : tensor<2x3x4xf32>
  // CHECK-NEXT: return %[[LS]]
  return %6 : tensor<2x3x4xf32>
}

// CHECK-LABEL: func.func @layer_losses
// CHECK-SAME: (%[[P:.+]]: tensor<8x3xf32>, %[[T:.+]]: tensor<8x3xf32>, %[[L:.+]]: tensor<8xi32>, %[[M:.+]]: tensor<8xf32>, %[[G:.+]]: tensor<f32>)
func.func @layer_losses(%p: tensor<8x3xf32>, %t: tensor<8x3xf32>, %l: tensor<8xi32>, %m: tensor<8xf32>, %g: tensor<f32>) -> tensor<f32> {
  // CHECK: mdl.l1 %[[P]], %[[T]] : tensor<8x3xf32>, tensor<8x3xf32> -> tensor<f32>
  %0 = mdl.l1 %p, %t : tensor<8x3xf32>, tensor<8x3xf32> -> tensor<f32>
  // CHECK-NEXT: mdl.l1_grad %[[G]], %[[P]], %[[T]] mask %[[M]] : tensor<f32>, tensor<8x3xf32>, tensor<8xf32> -> tensor<8x3xf32>
  %1 = mdl.l1_grad %g, %p, %t mask %m : tensor<f32>, tensor<8x3xf32>, tensor<8xf32> -> tensor<8x3xf32>
  // CHECK-NEXT: mdl.huber %[[P]], %[[T]] mask %[[M]] delta = 5.000000e-01 : tensor<8x3xf32>, tensor<8x3xf32>, tensor<8xf32> -> tensor<f32>
  %2 = mdl.huber %p, %t mask %m delta = 0.5 : tensor<8x3xf32>, tensor<8x3xf32>, tensor<8xf32> -> tensor<f32>
  // CHECK-NEXT: mdl.huber_grad %[[G]], %[[P]], %[[T]] delta = 1.000000e+00 : tensor<f32>, tensor<8x3xf32> -> tensor<8x3xf32>
  %3 = mdl.huber_grad %g, %p, %t delta = 1.0 : tensor<f32>, tensor<8x3xf32> -> tensor<8x3xf32>
  // CHECK-NEXT: mdl.bce_with_logits %[[P]], %[[T]] mask %[[M]] : tensor<8x3xf32>, tensor<8x3xf32>, tensor<8xf32> -> tensor<f32>
  %4 = mdl.bce_with_logits %p, %t mask %m : tensor<8x3xf32>, tensor<8x3xf32>, tensor<8xf32> -> tensor<f32>
  // CHECK-NEXT: mdl.bce_with_logits_grad %[[G]], %[[P]], %[[T]] : tensor<f32>, tensor<8x3xf32> -> tensor<8x3xf32>
  %5 = mdl.bce_with_logits_grad %g, %p, %t : tensor<f32>, tensor<8x3xf32> -> tensor<8x3xf32>
  // CHECK-NEXT: mdl.bce_with_logits_grad %[[G]], %[[P]], %[[T]] mask %[[M]] wrt_target : tensor<f32>, tensor<8x3xf32>, tensor<8xf32> -> tensor<8x3xf32>
  %6 = mdl.bce_with_logits_grad %g, %p, %t mask %m wrt_target : tensor<f32>, tensor<8x3xf32>, tensor<8xf32> -> tensor<8x3xf32>
  // CHECK-NEXT: mdl.nll %[[P]], %[[L]] mask %[[M]] : tensor<8x3xf32>, tensor<8xi32>, tensor<8xf32> -> tensor<f32>
  %7 = mdl.nll %p, %l mask %m : tensor<8x3xf32>, tensor<8xi32>, tensor<8xf32> -> tensor<f32>
  // CHECK-NEXT: mdl.nll_grad %[[G]], %[[P]], %[[L]] : tensor<f32>, tensor<8x3xf32>, tensor<8xi32> -> tensor<8x3xf32>
  %8 = mdl.nll_grad %g, %p, %l : tensor<f32>, tensor<8x3xf32>, tensor<8xi32> -> tensor<8x3xf32>
  // CHECK-NEXT: mdl.softmax_cross_entropy %[[P]], %[[T]] mask %[[M]] : tensor<8x3xf32>, tensor<8x3xf32>, tensor<8xf32> -> tensor<f32>
  %9 = mdl.softmax_cross_entropy %p, %t mask %m : tensor<8x3xf32>, tensor<8x3xf32>, tensor<8xf32> -> tensor<f32>
  // CHECK-NEXT: mdl.softmax_cross_entropy_grad %[[G]], %[[P]], %[[T]] : tensor<f32>, tensor<8x3xf32>, tensor<8x3xf32> -> tensor<8x3xf32>
  %10 = mdl.softmax_cross_entropy_grad %g, %p, %t : tensor<f32>, tensor<8x3xf32>, tensor<8x3xf32> -> tensor<8x3xf32>
  // CHECK-NEXT: mdl.softmax_cross_entropy_grad %[[G]], %[[P]], %[[T]] mask %[[M]] wrt_targets : tensor<f32>, tensor<8x3xf32>, tensor<8x3xf32>, tensor<8xf32> -> tensor<8x3xf32>
  %11 = mdl.softmax_cross_entropy_grad %g, %p, %t mask %m wrt_targets : tensor<f32>, tensor<8x3xf32>, tensor<8x3xf32>, tensor<8xf32> -> tensor<8x3xf32>
  return %9 : tensor<f32>
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
