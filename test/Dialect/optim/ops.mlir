// RUN: adjoint-opt %s | adjoint-opt | FileCheck %s
// RUN: adjoint-opt %s --mlir-print-op-generic | adjoint-opt | FileCheck %s

// CHECK-LABEL: func.func @sgd
// CHECK-SAME: (%[[W:.+]]: tensor<4x3xf32>, %[[G:.+]]: tensor<4x3xf32>, %[[LR:.+]]: f32)
func.func @sgd(%w: tensor<4x3xf32>, %g: tensor<4x3xf32>, %lr: f32) -> tensor<4x3xf32> {
  // CHECK: %[[R:.+]] = optim.sgd %[[W]], %[[G]], %[[LR]] : tensor<4x3xf32>, f32
  %0 = optim.sgd %w, %g, %lr : tensor<4x3xf32>, f32
  // CHECK: return %[[R]]
  return %0 : tensor<4x3xf32>
}

// CHECK-LABEL: func.func @sgd_f64
// CHECK: optim.sgd %{{.+}}, %{{.+}}, %{{.+}} : tensor<f64>, f64
func.func @sgd_f64(%w: tensor<f64>, %g: tensor<f64>, %lr: f64) -> tensor<f64> {
  %0 = optim.sgd %w, %g, %lr : tensor<f64>, f64
  return %0 : tensor<f64>
}

// CHECK-LABEL: func.func @momentum
// CHECK-SAME: (%[[W:.+]]: tensor<10xf32>, %[[G:.+]]: tensor<10xf32>, %[[B:.+]]: tensor<10xf32>, %[[LR:.+]]: f32)
func.func @momentum(%w: tensor<10xf32>, %g: tensor<10xf32>, %b: tensor<10xf32>, %lr: f32) -> (tensor<10xf32>, tensor<10xf32>) {
  // CHECK: %[[P:[^ ,]+]], %[[PB:[^ ,]+]] = optim.sgd_momentum %[[W]], %[[G]], %[[B]], %[[LR]] {momentum = 9.000000e-01 : f64} : tensor<10xf32>, f32
  %0:2 = optim.sgd_momentum %w, %g, %b, %lr {momentum = 0.9 : f64} : tensor<10xf32>, f32
  // CHECK: %[[N:[^ ,]+]], %[[NB:[^ ,]+]] = optim.sgd_momentum %[[P]], %[[G]], %[[PB]], %[[LR]] {momentum = 5.000000e-01 : f64, nesterov} : tensor<10xf32>, f32
  %1:2 = optim.sgd_momentum %0#0, %g, %0#1, %lr {momentum = 0.5 : f64, nesterov} : tensor<10xf32>, f32
  // CHECK: optim.sgd_momentum %[[N]], %[[G]], %[[NB]], %[[LR]] {momentum = 0.000000e+00 : f64} : tensor<10xf32>, f32
  %2:2 = optim.sgd_momentum %1#0, %g, %1#1, %lr {momentum = 0.0 : f64} : tensor<10xf32>, f32
  // CHECK: return %[[N]], %[[NB]]
  return %1#0, %1#1 : tensor<10xf32>, tensor<10xf32>
}

// The torch.optim hyper-parameters and the stateful updates.
// CHECK-LABEL: func.func @torch_optim
// CHECK-SAME: (%[[W:[^:]+]]: tensor<4xf32>, %[[G:[^:]+]]: tensor<4xf32>, %[[M:[^:]+]]: tensor<4xf32>, %[[V:[^:]+]]: tensor<4xf32>, %[[X:[^:]+]]: tensor<4xf32>, %[[LR:[^:]+]]: f32, %[[S:[^:]+]]: i64)
func.func @torch_optim(%w: tensor<4xf32>, %g: tensor<4xf32>, %m: tensor<4xf32>, %v: tensor<4xf32>, %x: tensor<4xf32>, %lr: f32, %step: i64) {
  // CHECK: optim.sgd %[[W]], %[[G]], %[[LR]] {weight_decay = 1.000000e-02 : f64} : tensor<4xf32>, f32
  %0 = optim.sgd %w, %g, %lr {weight_decay = 0.01 : f64} : tensor<4xf32>, f32
  // A default weight decay is not printed.
  // CHECK: optim.sgd %[[W]], %[[G]], %[[LR]] : tensor<4xf32>, f32
  %00 = optim.sgd %w, %g, %lr {weight_decay = 0.0 : f64} : tensor<4xf32>, f32
  // CHECK: optim.sgd_momentum %[[W]], %[[G]], %[[M]], %[[LR]] step %[[S]] {dampening = 1.000000e-01 : f64, momentum = 9.000000e-01 : f64, weight_decay = 5.000000e-01 : f64} : tensor<4xf32>, f32
  %1:2 = optim.sgd_momentum %w, %g, %m, %lr step %step {momentum = 0.9 : f64, dampening = 0.1 : f64, weight_decay = 0.5 : f64} : tensor<4xf32>, f32
  // CHECK: %{{.+}}, %{{.+}}:2 = optim.adam %[[W]], %[[G]] state(%[[M]], %[[V]]) lr %[[LR]] step %[[S]] {beta1 = 9.000000e-01 : f64, beta2 = 0.99899999999999999 : f64, eps = 1.000000e-08 : f64} : tensor<4xf32>, f32, (tensor<4xf32>, tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>)
  %2:3 = optim.adam %w, %g state(%m, %v) lr %lr step %step {beta1 = 0.9 : f64, beta2 = 0.999 : f64, eps = 1.0e-8 : f64} : tensor<4xf32>, f32, (tensor<4xf32>, tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>)
  // AdamW with AMSGrad: a third buffer.
  // CHECK: %{{.+}}, %{{.+}}:3 = optim.adam %[[W]], %[[G]] state(%[[M]], %[[V]], %[[X]]) lr %[[LR]] step %[[S]] {amsgrad, beta1 = 9.000000e-01 : f64, beta2 = 0.99899999999999999 : f64, decoupled, eps = 1.000000e-08 : f64, weight_decay = 1.000000e-02 : f64}
  %3:4 = optim.adam %w, %g state(%m, %v, %x) lr %lr step %step {beta1 = 0.9 : f64, beta2 = 0.999 : f64, eps = 1.0e-8 : f64, amsgrad, decoupled, weight_decay = 0.01 : f64} : tensor<4xf32>, f32, (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>)
  // CHECK: %{{.+}}, %{{.+}} = optim.adagrad %[[W]], %[[G]] state(%[[M]]) lr %[[LR]] step %[[S]] {eps = 1.000000e-10 : f64, initial_accumulator_value = 1.000000e-01 : f64, lr_decay = 1.000000e-01 : f64} : tensor<4xf32>, f32, (tensor<4xf32>) -> (tensor<4xf32>)
  %4:2 = optim.adagrad %w, %g state(%m) lr %lr step %step {eps = 1.0e-10 : f64, lr_decay = 0.1 : f64, initial_accumulator_value = 0.1 : f64} : tensor<4xf32>, f32, (tensor<4xf32>) -> (tensor<4xf32>)
  // CHECK: %{{.+}}, %{{.+}} = optim.rmsprop %[[W]], %[[G]] state(%[[M]]) lr %[[LR]] step %[[S]] {alpha = 0.98999999999999999 : f64, eps = 1.000000e-08 : f64} : tensor<4xf32>, f32, (tensor<4xf32>) -> (tensor<4xf32>)
  %5:2 = optim.rmsprop %w, %g state(%m) lr %lr step %step {alpha = 0.99 : f64, eps = 1.0e-8 : f64} : tensor<4xf32>, f32, (tensor<4xf32>) -> (tensor<4xf32>)
  // Centered RMSprop with momentum: v, g_avg, buf.
  // CHECK: %{{.+}}, %{{.+}}:3 = optim.rmsprop %[[W]], %[[G]] state(%[[M]], %[[V]], %[[X]]) lr %[[LR]] step %[[S]] {alpha = 0.98999999999999999 : f64, centered, eps = 1.000000e-08 : f64, momentum = 5.000000e-01 : f64}
  %6:4 = optim.rmsprop %w, %g state(%m, %v, %x) lr %lr step %step {alpha = 0.99 : f64, eps = 1.0e-8 : f64, centered, momentum = 0.5 : f64} : tensor<4xf32>, f32, (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>)
  return
}
