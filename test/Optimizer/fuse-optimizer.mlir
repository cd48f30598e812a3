// RUN: adjoint-opt %s -split-input-file --adjoint-autodiff --adjoint-fuse-optimizer | FileCheck %s --check-prefixes=CHECK,FUSED
// RUN: adjoint-opt %s -split-input-file --adjoint-autodiff "--adjoint-fuse-optimizer=no-fuse=true" | FileCheck %s --check-prefixes=CHECK,NOFUSE

// Plain SGD on a two-layer MLP. Only the unfused path marks the module.
// FUSED:      {{^}}module {
// NOFUSE:     {{^}}module attributes {adjoint.no_fuse} {
// The train step takes the parameters, the inputs, the mask and the learning
// rate (no state without momentum), returns the loss and the new parameters,
// each marked to be written in place of its argument.
// CHECK-LABEL: func.func @mlp_train_step(
// CHECK-SAME: %[[W1:[^:]+]]: tensor<4x5xf32> {mdl.param = @w1}, %[[B1:[^:]+]]: tensor<5xf32> {mdl.param = @b1}, %[[W2:[^:]+]]: tensor<5x3xf32> {mdl.param = @w2},
// CHECK-SAME: %[[X:[^:]+]]: tensor<8x4xf32> {mdl.input = "x"}, %[[Y:[^:]+]]: tensor<8xi32> {mdl.input = "y"}, %[[M:[^:]+]]: tensor<8xf32> {mdl.mask}, %[[LR:[^:]+]]: f32 {optim.lr})
// CHECK-SAME: -> (tensor<f32> {mdl.loss_value}, tensor<4x5xf32> {adjoint.inplace = 0 : i64}, tensor<5xf32> {adjoint.inplace = 1 : i64}, tensor<5x3xf32> {adjoint.inplace = 2 : i64})
// CHECK-SAME: attributes {mdl.train_step_of = @mlp}
// CHECK-NOT:  optim.
// CHECK:      %[[L:.+]] = mdl.softmax_cross_entropy
// CHECK:      %[[DZ:.+]] = mdl.softmax_cross_entropy_grad
// The last reader of the old W2 (dH = dZ·W2ᵀ) and the gradient of W2 come
// before the update of W2.
// CHECK-NEXT: %[[DH:.+]] = mdl.matmul %[[DZ]], %[[W2]] {transpose_rhs}
// CHECK-NEXT: %[[DW2:.+]] = mdl.matmul %{{.+}}, %[[DZ]] {transpose_lhs}
// FUSED-NEXT: %[[NW2:.+]] = optim.sgd %[[W2]], %[[DW2]], %[[LR]] : tensor<5x3xf32>, f32
// CHECK-NEXT: %[[DH1:.+]] = mdl.relu_grad %{{.+}}, %[[DH]]
// CHECK-NEXT: %[[DB1:.+]] = mdl.sum %[[DH1]] axes = [0]
// FUSED-NEXT: %[[NB1:.+]] = optim.sgd %[[B1]], %[[DB1]], %[[LR]] : tensor<5xf32>, f32
// CHECK-NEXT: %[[DW1:.+]] = mdl.matmul %[[X]], %[[DH1]] {transpose_lhs}
// FUSED-NEXT: %[[NW1:.+]] = optim.sgd %[[W1]], %[[DW1]], %[[LR]] : tensor<4x5xf32>, f32
// With no-fuse every update waits for the whole reverse sweep, in
// parameter order.
// NOFUSE-NEXT: %[[NW1:.+]] = optim.sgd %[[W1]], %[[DW1]], %[[LR]] : tensor<4x5xf32>, f32
// NOFUSE-NEXT: %[[NB1:.+]] = optim.sgd %[[B1]], %[[DB1]], %[[LR]] : tensor<5xf32>, f32
// NOFUSE-NEXT: %[[NW2:.+]] = optim.sgd %[[W2]], %[[DW2]], %[[LR]] : tensor<5x3xf32>, f32
// CHECK-NEXT: return %[[L]], %[[NW1]], %[[NB1]], %[[NW2]] : tensor<f32>, tensor<4x5xf32>, tensor<5xf32>, tensor<5x3xf32>
// The loss and gradient functions are kept.
// CHECK-NOT:  optim.
mdl.param @w1 : tensor<4x5xf32> init "he_normal"
mdl.param @b1 : tensor<5xf32> init "zeros"
mdl.param @w2 : tensor<5x3xf32> init "glorot_uniform"
mdl.train @mlp optimizer "sgd" {lr = 0.1 : f64, momentum = 0.0 : f64} batch 8 epochs 1 seed 0
func.func @mlp(%w1: tensor<4x5xf32> {mdl.param = @w1}, %b1: tensor<5xf32> {mdl.param = @b1}, %w2: tensor<5x3xf32> {mdl.param = @w2}, %x: tensor<8x4xf32> {mdl.input = "x"}, %y: tensor<8xi32> {mdl.input = "y"}, %m: tensor<8xf32> {mdl.mask}) -> tensor<f32> attributes {mdl.loss} {
  %0 = mdl.matmul %x, %w1 : tensor<8x4xf32>, tensor<4x5xf32> -> tensor<8x5xf32>
  %1 = mdl.add %0, %b1 : tensor<8x5xf32>, tensor<5xf32> -> tensor<8x5xf32>
  %2 = mdl.relu %1 : tensor<8x5xf32>
  %3 = mdl.matmul %2, %w2 : tensor<8x5xf32>, tensor<5x3xf32> -> tensor<8x3xf32>
  %4 = mdl.softmax_cross_entropy %3, %y mask %m : tensor<8x3xf32>, tensor<8xi32>, tensor<8xf32> -> tensor<f32>
  return %4 : tensor<f32>
}

// -----

// Momentum: one buffer per parameter after the parameters, marked with the
// parameter it belongs to, returned after the parameters and updated in place.
// CHECK-LABEL: func.func @net_train_step(
// CHECK-SAME: %[[W:[^:]+]]: tensor<4x3xf64> {mdl.param = @w}, %[[B:[^:]+]]: tensor<3xf64> {mdl.param = @b},
// CHECK-SAME: %[[SW:[^:]+]]: tensor<4x3xf64> {{[{]([^}]* )?}}optim.state = @w{{[,}]}}, %[[SB:[^:]+]]: tensor<3xf64> {{[{]([^}]* )?}}optim.state = @b{{[,}]}},
// CHECK-SAME: %[[X:[^:]+]]: tensor<8x4xf64> {mdl.input = "x"}, %[[T:[^:]+]]: tensor<8x3xf64> {mdl.input = "t"}, %[[LR:[^:]+]]: f64 {optim.lr})
// CHECK-SAME: -> (tensor<f64> {mdl.loss_value}, tensor<4x3xf64> {adjoint.inplace = 0 : i64}, tensor<3xf64> {adjoint.inplace = 1 : i64}, tensor<4x3xf64> {adjoint.inplace = 2 : i64}, tensor<3xf64> {adjoint.inplace = 3 : i64})
// CHECK:      %[[DB:.+]] = mdl.sum %{{.+}} axes = [0]
// FUSED-NEXT: %[[NB:[^ ,]+]], %[[NSB:[^ ,]+]] = optim.sgd_momentum %[[B]], %[[DB]], %[[SB]], %[[LR]] {momentum = 9.000000e-01 : f64} : tensor<3xf64>, f64
// CHECK-NEXT: %[[DW:.+]] = mdl.matmul %[[X]], %{{.+}} {transpose_lhs}
// FUSED-NEXT: %[[NW:[^ ,]+]], %[[NSW:[^ ,]+]] = optim.sgd_momentum %[[W]], %[[DW]], %[[SW]], %[[LR]] {momentum = 9.000000e-01 : f64} : tensor<4x3xf64>, f64
// NOFUSE-NEXT: %[[NW:[^ ,]+]], %[[NSW:[^ ,]+]] = optim.sgd_momentum %[[W]], %[[DW]], %[[SW]], %[[LR]] {momentum = 9.000000e-01 : f64} : tensor<4x3xf64>, f64
// NOFUSE-NEXT: %[[NB:[^ ,]+]], %[[NSB:[^ ,]+]] = optim.sgd_momentum %[[B]], %[[DB]], %[[SB]], %[[LR]] {momentum = 9.000000e-01 : f64} : tensor<3xf64>, f64
// CHECK-NEXT: return %{{[^ ,]+}}, %[[NW]], %[[NB]], %[[NSW]], %[[NSB]] :
mdl.param @w : tensor<4x3xf64> init "he_normal"
mdl.param @b : tensor<3xf64> init "zeros"
mdl.train @net optimizer "sgd" {lr = 0.1 : f64, momentum = 0.9 : f64} batch 8 epochs 1 seed 0
func.func @net(%w: tensor<4x3xf64> {mdl.param = @w}, %b: tensor<3xf64> {mdl.param = @b}, %x: tensor<8x4xf64> {mdl.input = "x"}, %t: tensor<8x3xf64> {mdl.input = "t"}) -> tensor<f64> attributes {mdl.loss} {
  %0 = mdl.matmul %x, %w : tensor<8x4xf64>, tensor<4x3xf64> -> tensor<8x3xf64>
  %1 = mdl.add %0, %b : tensor<8x3xf64>, tensor<3xf64> -> tensor<8x3xf64>
  %2 = mdl.mse %1, %t : tensor<8x3xf64>, tensor<8x3xf64> -> tensor<f64>
  return %2 : tensor<f64>
}

// -----

// Nesterov momentum.
// CHECK-LABEL: func.func @nest_train_step(
// CHECK-SAME: %[[W:[^:]+]]: tensor<3xf32> {mdl.param = @w}, %[[S:[^:]+]]: tensor<3xf32> {{[{]([^}]* )?}}optim.state = @w{{[,}]}}, %[[LR:[^:]+]]: f32 {optim.lr})
// CHECK:      optim.sgd_momentum %[[W]], %{{.+}}, %[[S]], %[[LR]] {momentum = 5.000000e-01 : f64, nesterov} : tensor<3xf32>, f32
mdl.param @w : tensor<3xf32> init "zeros"
mdl.train @nest optimizer "sgd" {lr = 0.1 : f64, momentum = 0.5 : f64, nesterov = 1.0 : f64} batch 1 epochs 1 seed 0
func.func @nest(%w: tensor<3xf32> {mdl.param = @w}) -> tensor<f32> attributes {mdl.loss} {
  %0 = mdl.mul %w, %w : tensor<3xf32>, tensor<3xf32> -> tensor<3xf32>
  %1 = mdl.sum %0 axes = [0] : tensor<3xf32> -> tensor<f32>
  return %1 : tensor<f32>
}

// -----

// A hand-written gradient function whose gradient is complete before the last
// reader of the old parameter: the update waits for the reader (%r), so the
// old value is never needed after it is overwritten in place.
// CHECK-LABEL: func.func @late_reader_train_step(
// CHECK-SAME: %[[W:[^:]+]]: tensor<3xf32> {mdl.param = @w}, %[[X:[^:]+]]: tensor<3xf32> {mdl.input = "x"}, %[[LR:[^:]+]]: f32 {optim.lr})
// CHECK-NEXT: %[[G:.+]] = mdl.mul %[[X]], %[[X]]
// CHECK-NEXT: %[[R:.+]] = mdl.mul %[[W]], %[[X]]
// FUSED-NEXT: %[[NW:.+]] = optim.sgd %[[W]], %[[G]], %[[LR]]
// CHECK-NEXT: %[[L:.+]] = mdl.sum %[[R]]
// NOFUSE-NEXT: %[[NW:.+]] = optim.sgd %[[W]], %[[G]], %[[LR]]
// CHECK-NEXT: return %[[L]], %[[NW]]
mdl.param @w : tensor<3xf32> init "zeros"
mdl.train @late_reader optimizer "sgd" {lr = 0.1 : f64} batch 1 epochs 1 seed 0
func.func @late_reader_grad(%w: tensor<3xf32> {mdl.param = @w}, %x: tensor<3xf32> {mdl.input = "x"}) -> (tensor<f32>, tensor<3xf32>) attributes {mdl.grad_of = @late_reader} {
  %g = mdl.mul %x, %x : tensor<3xf32>, tensor<3xf32> -> tensor<3xf32>
  %r = mdl.mul %w, %x : tensor<3xf32>, tensor<3xf32> -> tensor<3xf32>
  %l = mdl.sum %r axes = [0] : tensor<3xf32> -> tensor<f32>
  return %l, %g : tensor<f32>, tensor<3xf32>
}

// -----

// A parameter the loss ignores: its zero gradient is a constant and its
// update follows that constant.
// CHECK-LABEL: func.func @unused_train_step(
// CHECK-SAME: %[[W:[^:]+]]: tensor<3xf32> {mdl.param = @w}, %[[U:[^:]+]]: tensor<2xf32> {mdl.param = @u}, %[[LR:[^:]+]]: f32 {optim.lr})
// CHECK:      %[[Z:.+]] = arith.constant dense<0.000000e+00> : tensor<2xf32>
// FUSED-NEXT: optim.sgd %[[U]], %[[Z]], %[[LR]] : tensor<2xf32>, f32
// NOFUSE-NEXT: optim.sgd %[[W]]
// NOFUSE-NEXT: optim.sgd %[[U]], %[[Z]], %[[LR]] : tensor<2xf32>, f32
// CHECK-NEXT: return
mdl.param @w : tensor<3xf32> init "zeros"
mdl.param @u : tensor<2xf32> init "zeros"
mdl.train @unused optimizer "sgd" {lr = 0.1 : f64} batch 1 epochs 1 seed 0
func.func @unused(%w: tensor<3xf32> {mdl.param = @w}, %u: tensor<2xf32> {mdl.param = @u}) -> tensor<f32> attributes {mdl.loss} {
  %0 = mdl.sum %w axes = [0] : tensor<3xf32> -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// Adam with AMSGrad: three slots per parameter (torch.optim names), grouped
// by parameter after the parameters, then the i32 step counter, which the
// step increments once and returns in place; every update uses the new step.
// CHECK-LABEL: func.func @adam_train_step(
// CHECK-SAME: %[[W:[^:]+]]: tensor<4x3xf32> {mdl.param = @w}, %[[B:[^:]+]]: tensor<3xf32> {mdl.param = @b},
// CHECK-SAME: %[[WM:[^:]+]]: tensor<4x3xf32> {optim.slot = "exp_avg", optim.state = @w}, %[[WV:[^:]+]]: tensor<4x3xf32> {optim.slot = "exp_avg_sq", optim.state = @w}, %[[WX:[^:]+]]: tensor<4x3xf32> {optim.slot = "max_exp_avg_sq", optim.state = @w},
// CHECK-SAME: %[[BM:[^:]+]]: tensor<3xf32> {optim.slot = "exp_avg", optim.state = @b}, %[[BV:[^:]+]]: tensor<3xf32> {optim.slot = "exp_avg_sq", optim.state = @b}, %[[BX:[^:]+]]: tensor<3xf32> {optim.slot = "max_exp_avg_sq", optim.state = @b},
// CHECK-SAME: %[[STEP:[^:]+]]: tensor<i32> {optim.step}, %[[X:[^:]+]]: tensor<8x4xf32> {mdl.input = "x"}, %{{[^:]+}}: tensor<8x3xf32> {mdl.input = "t"}, %[[LR:[^:]+]]: f32 {optim.lr})
// CHECK-SAME: -> (tensor<f32> {mdl.loss_value}, tensor<4x3xf32> {adjoint.inplace = 0 : i64}, tensor<3xf32> {adjoint.inplace = 1 : i64},
// CHECK-SAME: tensor<4x3xf32> {adjoint.inplace = 2 : i64}, tensor<4x3xf32> {adjoint.inplace = 3 : i64}, tensor<4x3xf32> {adjoint.inplace = 4 : i64},
// CHECK-SAME: tensor<3xf32> {adjoint.inplace = 5 : i64}, tensor<3xf32> {adjoint.inplace = 6 : i64}, tensor<3xf32> {adjoint.inplace = 7 : i64}, tensor<i32> {adjoint.inplace = 8 : i64})
// CHECK:      %[[OLD:.+]] = tensor.extract %[[STEP]][] : tensor<i32>
// CHECK:      %[[NEW:.+]] = arith.addi %[[OLD]], %{{.+}} : i32
// CHECK:      %[[T:.+]] = arith.extsi %[[NEW]] : i32 to i64
// CHECK:      %[[NEWT:.+]] = tensor.from_elements %[[NEW]] : tensor<i32>
// CHECK:      %[[DB:.+]] = mdl.sum
// FUSED-NEXT: %[[NB:[^ ,]+]], %[[NBS:[^ ,]+]]:3 = optim.adam %[[B]], %[[DB]] state(%[[BM]], %[[BV]], %[[BX]]) lr %[[LR]] step %[[T]] {amsgrad, beta1 = 9.000000e-01 : f64, beta2 = 0.99899999999999999 : f64, eps = 1.000000e-08 : f64}
// CHECK-NEXT: %[[DW:.+]] = mdl.matmul %[[X]], %{{.+}} {transpose_lhs}
// CHECK-NEXT: %[[NW:[^ ,]+]], %[[NWS:[^ ,]+]]:3 = optim.adam %[[W]], %[[DW]] state(%[[WM]], %[[WV]], %[[WX]]) lr %[[LR]] step %[[T]]
// NOFUSE-NEXT: %[[NB:[^ ,]+]], %[[NBS:[^ ,]+]]:3 = optim.adam %[[B]], %[[DB]] state(%[[BM]], %[[BV]], %[[BX]]) lr %[[LR]] step %[[T]]
// CHECK-NEXT: return %{{.+}}, %[[NW]], %[[NB]], %[[NWS]]#0, %[[NWS]]#1, %[[NWS]]#2, %[[NBS]]#0, %[[NBS]]#1, %[[NBS]]#2, %[[NEWT]] :
mdl.param @w : tensor<4x3xf32> init "zeros"
mdl.param @b : tensor<3xf32> init "zeros"
mdl.train @adam optimizer "adam" {lr = 0.001 : f64, beta1 = 0.9 : f64, beta2 = 0.999 : f64, eps = 1.0e-8 : f64, amsgrad = 1.0 : f64} batch 8 epochs 1 seed 0
func.func @adam(%w: tensor<4x3xf32> {mdl.param = @w}, %b: tensor<3xf32> {mdl.param = @b}, %x: tensor<8x4xf32> {mdl.input = "x"}, %t: tensor<8x3xf32> {mdl.input = "t"}) -> tensor<f32> attributes {mdl.loss} {
  %0 = mdl.matmul %x, %w : tensor<8x4xf32>, tensor<4x3xf32> -> tensor<8x3xf32>
  %1 = mdl.add %0, %b : tensor<8x3xf32>, tensor<3xf32> -> tensor<8x3xf32>
  %2 = mdl.mse %1, %t : tensor<8x3xf32>, tensor<8x3xf32> -> tensor<f32>
  return %2 : tensor<f32>
}
