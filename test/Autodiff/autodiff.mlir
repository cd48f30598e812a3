// RUN: adjoint-opt %s -split-input-file --adjoint-autodiff | FileCheck %s

// Structure of the reverse sweep: which functions are differentiated, what
// the gradient function returns, activity analysis and adjoint accumulation.

// A two-layer MLP: the forward is reused, the reverse sweep follows it, the
// gradients come back in parameter order and the adjoint of the data x (the
// first layer's input) is never built.
// CHECK-LABEL: func.func @mlp(
// CHECK-SAME: attributes {mdl.loss}
// CHECK-NOT: mdl.relu_grad
// CHECK:     return
// CHECK-LABEL: func.func @mlp_grad(
// CHECK-SAME: %[[W1:[^:]+]]: tensor<4x5xf32> {mdl.param = @w1}, %[[B1:[^:]+]]: tensor<5xf32> {mdl.param = @b1}, %[[W2:[^:]+]]: tensor<5x3xf32> {mdl.param = @w2}, %[[X:[^:]+]]: tensor<8x4xf32> {mdl.input = "x"}, %[[Y:[^:]+]]: tensor<8xi32> {mdl.input = "y"}, %[[M:[^:]+]]: tensor<8xf32> {mdl.mask})
// CHECK-SAME: -> (tensor<f32> {mdl.loss_value}, tensor<4x5xf32> {mdl.grad = @w1}, tensor<5xf32> {mdl.grad = @b1}, tensor<5x3xf32> {mdl.grad = @w2})
// CHECK-SAME: attributes {mdl.grad_of = @mlp}
// CHECK:      %[[H0:.+]] = mdl.matmul %[[X]], %[[W1]]
// CHECK-NEXT: %[[H1:.+]] = mdl.add %[[H0]], %[[B1]]
// CHECK-NEXT: %[[H:.+]] = mdl.relu %[[H1]]
// CHECK-NEXT: %[[Z:.+]] = mdl.matmul %[[H]], %[[W2]]
// CHECK-NEXT: %[[L:.+]] = mdl.softmax_cross_entropy %[[Z]], %[[Y]] mask %[[M]]
// CHECK-NEXT: %[[ONE:.+]] = arith.constant dense<1.000000e+00> : tensor<f32>
// CHECK-NEXT: %[[DZ:.+]] = mdl.softmax_cross_entropy_grad %[[ONE]], %[[Z]], %[[Y]] mask %[[M]]
// CHECK-NEXT: %[[DH:.+]] = mdl.matmul %[[DZ]], %[[W2]] {transpose_rhs}
// CHECK-NEXT: %[[DW2:.+]] = mdl.matmul %[[H]], %[[DZ]] {transpose_lhs}
// CHECK-NEXT: %[[DH1:.+]] = mdl.relu_grad %[[H1]], %[[DH]]
// CHECK-NEXT: %[[DB1:.+]] = mdl.sum %[[DH1]] axes = [0]
// CHECK-NEXT: %[[DW1:.+]] = mdl.matmul %[[X]], %[[DH1]] {transpose_lhs}
// CHECK-NOT:  mdl.matmul %{{.+}}, %[[W1]] {transpose_rhs}
// CHECK-NEXT: return %[[L]], %[[DW1]], %[[DB1]], %[[DW2]] :
// Functions that are not losses are left alone.
// CHECK-LABEL: func.func @mlp_predict(
// CHECK-NOT:  func.func @mlp_predict_grad
mdl.param @w1 : tensor<4x5xf32> init "he_normal"
mdl.param @b1 : tensor<5xf32> init "zeros"
mdl.param @w2 : tensor<5x3xf32> init "glorot_uniform"
mdl.train @mlp optimizer "sgd" {lr = 0.1 : f64} batch 8 epochs 1 seed 0
func.func @mlp(%w1: tensor<4x5xf32> {mdl.param = @w1}, %b1: tensor<5xf32> {mdl.param = @b1}, %w2: tensor<5x3xf32> {mdl.param = @w2}, %x: tensor<8x4xf32> {mdl.input = "x"}, %y: tensor<8xi32> {mdl.input = "y"}, %m: tensor<8xf32> {mdl.mask}) -> tensor<f32> attributes {mdl.loss} {
  %0 = mdl.matmul %x, %w1 : tensor<8x4xf32>, tensor<4x5xf32> -> tensor<8x5xf32>
  %1 = mdl.add %0, %b1 : tensor<8x5xf32>, tensor<5xf32> -> tensor<8x5xf32>
  %2 = mdl.relu %1 : tensor<8x5xf32>
  %3 = mdl.matmul %2, %w2 : tensor<8x5xf32>, tensor<5x3xf32> -> tensor<8x3xf32>
  %4 = mdl.softmax_cross_entropy %3, %y mask %m : tensor<8x3xf32>, tensor<8xi32>, tensor<8xf32> -> tensor<f32>
  return %4 : tensor<f32>
}
func.func @mlp_predict(%w1: tensor<4x5xf32> {mdl.param = @w1}, %x: tensor<8x4xf32> {mdl.input = "x"}) -> tensor<8x5xf32> {
  %0 = mdl.matmul %x, %w1 : tensor<8x4xf32>, tensor<4x5xf32> -> tensor<8x5xf32>
  return %0 : tensor<8x5xf32>
}

// -----

// A hidden layer's input depends on a parameter, so its adjoint
// dX = dY·Wᵀ is built (transpose_rhs against W2), but not for W1 whose input
// is data.
// CHECK-LABEL: func.func @two_layer_grad
// CHECK-SAME: (%[[W1:[^:]+]]: tensor<4x5xf32> {mdl.param = @w1}, %[[W2:[^:]+]]: tensor<5x3xf32> {mdl.param = @w2}
// CHECK:     mdl.matmul %{{.+}}, %[[W2]] {transpose_rhs}
// CHECK-NOT: mdl.matmul %{{.+}}, %[[W1]] {transpose_rhs}
// CHECK:     return
func.func @two_layer(%w1: tensor<4x5xf32> {mdl.param = @w1}, %w2: tensor<5x3xf32> {mdl.param = @w2}, %x: tensor<8x4xf32> {mdl.input = "x"}, %t: tensor<8x3xf32> {mdl.input = "t"}) -> tensor<f32> attributes {mdl.loss} {
  %0 = mdl.matmul %x, %w1 : tensor<8x4xf32>, tensor<4x5xf32> -> tensor<8x5xf32>
  %1 = mdl.tanh %0 : tensor<8x5xf32>
  %2 = mdl.matmul %1, %w2 : tensor<8x5xf32>, tensor<5x3xf32> -> tensor<8x3xf32>
  %3 = mdl.mse %2, %t : tensor<8x3xf32>, tensor<8x3xf32> -> tensor<f32>
  return %3 : tensor<f32>
}

// -----

// A value used several times: the adjoints of its uses are summed with
// mdl.add before they flow further (here into sigmoid's rule).
// CHECK-LABEL: func.func @multi_use_grad
// CHECK-SAME: (%[[W:[^:]+]]: tensor<8x3xf32> {mdl.param = @w})
// CHECK:      %[[S:.+]] = mdl.sigmoid %[[W]]
// CHECK-NEXT: %[[A:.+]] = mdl.mul %[[S]], %[[S]]
// CHECK-NEXT: %[[B:.+]] = mdl.add %[[A]], %[[S]]
// CHECK:      %[[G:.+]] = mdl.broadcast_in_dim
// CHECK-NEXT: %[[GA:.+]] = mdl.mul %[[G]], %[[S]]
// CHECK-NEXT: %[[GB:.+]] = mdl.mul %[[G]], %[[S]]
// CHECK-NEXT: %[[ACC1:.+]] = mdl.add %[[G]], %[[GA]] : tensor<8x3xf32>, tensor<8x3xf32> -> tensor<8x3xf32>
// CHECK-NEXT: %[[ACC2:.+]] = mdl.add %[[ACC1]], %[[GB]] : tensor<8x3xf32>, tensor<8x3xf32> -> tensor<8x3xf32>
// CHECK:      %[[DSIG:.+]] = mdl.mul %[[S]], %{{.+}}
// CHECK-NEXT: %[[DW:.+]] = mdl.mul %[[ACC2]], %[[DSIG]]
// CHECK-NEXT: return %{{.+}}, %[[DW]] :
func.func @multi_use(%w: tensor<8x3xf32> {mdl.param = @w}) -> tensor<f32> attributes {mdl.loss} {
  %s = mdl.sigmoid %w : tensor<8x3xf32>
  %a = mdl.mul %s, %s : tensor<8x3xf32>, tensor<8x3xf32> -> tensor<8x3xf32>
  %b = mdl.add %a, %s : tensor<8x3xf32>, tensor<8x3xf32> -> tensor<8x3xf32>
  %l = mdl.sum %b axes = [0, 1] : tensor<8x3xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// A parameter used by two layers: the gradient is the sum of both matmul
// adjoints.
// CHECK-LABEL: func.func @shared_weight_grad
// CHECK-SAME: (%[[W:[^:]+]]: tensor<4x4xf32> {mdl.param = @w}, %[[X:[^:]+]]: tensor<8x4xf32> {mdl.input = "x"})
// CHECK:      %[[H:.+]] = mdl.matmul %[[X]], %[[W]]
// CHECK-NEXT: %[[Z:.+]] = mdl.matmul %[[H]], %[[W]]
// CHECK:      %[[G:.+]] = mdl.broadcast_in_dim
// CHECK-NEXT: %[[DH:.+]] = mdl.matmul %[[G]], %[[W]] {transpose_rhs}
// CHECK-NEXT: %[[DW2:.+]] = mdl.matmul %[[H]], %[[G]] {transpose_lhs}
// CHECK-NEXT: %[[DW1:.+]] = mdl.matmul %[[X]], %[[DH]] {transpose_lhs}
// CHECK-NEXT: %[[DW:.+]] = mdl.add %[[DW2]], %[[DW1]] : tensor<4x4xf32>, tensor<4x4xf32> -> tensor<4x4xf32>
// CHECK-NEXT: return %{{.+}}, %[[DW]] :
func.func @shared_weight(%w: tensor<4x4xf32> {mdl.param = @w}, %x: tensor<8x4xf32> {mdl.input = "x"}) -> tensor<f32> attributes {mdl.loss} {
  %h = mdl.matmul %x, %w : tensor<8x4xf32>, tensor<4x4xf32> -> tensor<8x4xf32>
  %z = mdl.matmul %h, %w : tensor<8x4xf32>, tensor<4x4xf32> -> tensor<8x4xf32>
  %l = mdl.sum %z axes = [0, 1] : tensor<8x4xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// Activity analysis: the target computed from data only (x * x, tanh) and a
// parameter-dependent value the loss never reads (relu of w) get no reverse
// ops; only the prediction path is differentiated.
// CHECK-LABEL: func.func @inactive_grad
// CHECK-SAME: (%[[W:[^:]+]]: tensor<8x3xf32> {mdl.param = @w}, %[[X:[^:]+]]: tensor<8x3xf32> {mdl.input = "x"})
// CHECK:      %[[T0:.+]] = mdl.mul %[[X]], %[[X]]
// CHECK-NEXT: %[[T:.+]] = mdl.tanh %[[T0]]
// CHECK-NEXT: %[[DEAD:.+]] = mdl.relu %[[W]]
// CHECK-NEXT: %[[P:.+]] = mdl.sigmoid %[[W]]
// CHECK-NEXT: %[[L:.+]] = mdl.mse %[[P]], %[[T]]
// CHECK-NEXT: %[[ONE:.+]] = arith.constant dense<1.000000e+00>
// CHECK-NEXT: %[[DP:.+]] = mdl.mse_grad %[[ONE]], %[[P]], %[[T]]
// CHECK-NOT:  mdl.neg
// CHECK-NOT:  mdl.relu_grad
// CHECK-NOT:  mdl.mul %[[T]], %[[T]]
// CHECK-NOT:  %[[T0]]{{[ ,:]}}
// CHECK-NOT:  %[[DEAD]]{{[ ,:]}}
// CHECK:      %[[DW:.+]] = mdl.mul %[[DP]], %{{.+}}
// CHECK-NEXT: return %[[L]], %[[DW]] :
func.func @inactive(%w: tensor<8x3xf32> {mdl.param = @w}, %x: tensor<8x3xf32> {mdl.input = "x"}) -> tensor<f32> attributes {mdl.loss} {
  %t0 = mdl.mul %x, %x : tensor<8x3xf32>, tensor<8x3xf32> -> tensor<8x3xf32>
  %t = mdl.tanh %t0 : tensor<8x3xf32>
  %dead = mdl.relu %w : tensor<8x3xf32>
  %p = mdl.sigmoid %w : tensor<8x3xf32>
  %l = mdl.mse %p, %t : tensor<8x3xf32>, tensor<8x3xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// A parameter the loss does not use gets a zero gradient constant of its type.
// CHECK-LABEL: func.func @unused_param_grad
// CHECK-SAME: -> (tensor<f32> {mdl.loss_value}, tensor<8x3xf32> {mdl.grad = @w}, tensor<2x7xf32> {mdl.grad = @u})
// CHECK:      %[[G:.+]] = mdl.broadcast_in_dim
// CHECK-NEXT: %[[DW:.+]] = mdl.neg %[[G]]
// CHECK-NEXT: %[[Z:.+]] = arith.constant dense<0.000000e+00> : tensor<2x7xf32>
// CHECK-NEXT: return %{{.+}}, %[[DW]], %[[Z]] :
func.func @unused_param(%w: tensor<8x3xf32> {mdl.param = @w}, %u: tensor<2x7xf32> {mdl.param = @u}) -> tensor<f32> attributes {mdl.loss} {
  %0 = mdl.neg %w : tensor<8x3xf32>
  %1 = mdl.sum %0 axes = [0, 1] : tensor<8x3xf32> -> tensor<f32>
  return %1 : tensor<f32>
}

// -----

// A loss that does not depend on any parameter: no reverse sweep at all,
// every gradient is zero.
// CHECK-LABEL: func.func @constant_loss_grad
// CHECK-SAME: (%[[W:[^:]+]]: tensor<3xf64> {mdl.param = @w}, %[[X:[^:]+]]: tensor<3xf64> {mdl.input = "x"})
// CHECK-NEXT: %[[L:.+]] = mdl.sum %[[X]] axes = [0]
// CHECK-NEXT: %[[Z:.+]] = arith.constant dense<0.000000e+00> : tensor<3xf64>
// CHECK-NEXT: return %[[L]], %[[Z]] : tensor<f64>, tensor<3xf64>
func.func @constant_loss(%w: tensor<3xf64> {mdl.param = @w}, %x: tensor<3xf64> {mdl.input = "x"}) -> tensor<f64> attributes {mdl.loss} {
  %0 = mdl.sum %x axes = [0] : tensor<3xf64> -> tensor<f64>
  return %0 : tensor<f64>
}

// -----

// The loss is a parameter itself: its gradient is the seed.
// CHECK-LABEL: func.func @identity_grad
// CHECK-NEXT: %[[ONE:.+]] = arith.constant dense<1.000000e+00> : tensor<f32>
// CHECK-NEXT: return %{{.+}}, %[[ONE]] : tensor<f32>, tensor<f32>
func.func @identity(%w: tensor<f32> {mdl.param = @w}) -> tensor<f32> attributes {mdl.loss} {
  return %w : tensor<f32>
}

// -----

// Every loss function of the module is differentiated; each gradient is
// placed right after its function.
// CHECK-LABEL: func.func @first(
// CHECK:       func.func @first_grad(
// CHECK-SAME:  mdl.grad_of = @first
// CHECK:       func.func @second(
// CHECK:       func.func @second_grad(
// CHECK-SAME:  mdl.grad_of = @second
func.func @first(%w: tensor<3xf32> {mdl.param = @w}) -> tensor<f32> attributes {mdl.loss} {
  %0 = mdl.sum %w axes = [0] : tensor<3xf32> -> tensor<f32>
  return %0 : tensor<f32>
}
func.func @second(%w: tensor<3xf32> {mdl.param = @w}) -> tensor<f32> attributes {mdl.loss} {
  %0 = mdl.mean %w axes = [0] : tensor<3xf32> -> tensor<f32>
  return %0 : tensor<f32>
}
