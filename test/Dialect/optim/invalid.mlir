// RUN: adjoint-opt %s -split-input-file -verify-diagnostics

func.func @sgd_lr_type(%w: tensor<4xf32>, %g: tensor<4xf32>, %lr: f64) -> tensor<4xf32> {
  // expected-error @+1 {{'optim.sgd' op learning rate type 'f64' does not match the element type 'f32'}}
  %0 = optim.sgd %w, %g, %lr : tensor<4xf32>, f64
  return %0 : tensor<4xf32>
}

// -----

func.func @sgd_grad_type(%w: tensor<4xf32>, %g: tensor<5xf32>, %lr: f32) -> tensor<4xf32> {
  // expected-error @+1 {{'optim.sgd' op failed to verify that all of {param, grad, result} have same type}}
  %0 = "optim.sgd"(%w, %g, %lr) : (tensor<4xf32>, tensor<5xf32>, f32) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @sgd_int(%w: tensor<4xi32>, %lr: f32) -> tensor<4xi32> {
  // expected-error @+1 {{'optim.sgd' op operand #0 must be ranked tensor of 32-bit float or 64-bit float values}}
  %0 = "optim.sgd"(%w, %w, %lr) : (tensor<4xi32>, tensor<4xi32>, f32) -> tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

func.func @sgd_lr_tensor(%w: tensor<4xf32>, %lr: tensor<f32>) -> tensor<4xf32> {
  // expected-error @+1 {{'optim.sgd' op operand #2 must be floating-point}}
  %0 = "optim.sgd"(%w, %w, %lr) : (tensor<4xf32>, tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @momentum_range(%w: tensor<4xf32>, %lr: f32) -> tensor<4xf32> {
  // expected-error @+1 {{'optim.sgd_momentum' op momentum must be in [0, 1), got 1}}
  %0:2 = optim.sgd_momentum %w, %w, %w, %lr {momentum = 1.0 : f64} : tensor<4xf32>, f32
  return %0#0 : tensor<4xf32>
}

// -----

func.func @momentum_negative(%w: tensor<4xf32>, %lr: f32) -> tensor<4xf32> {
  // expected-error @+1 {{'optim.sgd_momentum' op momentum must be in [0, 1), got -5.000000e-01}}
  %0:2 = optim.sgd_momentum %w, %w, %w, %lr {momentum = -0.5 : f64} : tensor<4xf32>, f32
  return %0#0 : tensor<4xf32>
}

// -----

func.func @momentum_nan(%w: tensor<4xf32>, %lr: f32) -> tensor<4xf32> {
  // expected-error @+1 {{'optim.sgd_momentum' op momentum must be in [0, 1)}}
  %0:2 = optim.sgd_momentum %w, %w, %w, %lr {momentum = 0x7FF8000000000000 : f64} : tensor<4xf32>, f32
  return %0#0 : tensor<4xf32>
}

// -----

func.func @momentum_missing(%w: tensor<4xf32>, %lr: f32) -> tensor<4xf32> {
  // expected-error @+1 {{'optim.sgd_momentum' op requires attribute 'momentum'}}
  %0:2 = optim.sgd_momentum %w, %w, %w, %lr : tensor<4xf32>, f32
  return %0#0 : tensor<4xf32>
}

// -----

func.func @momentum_lr(%w: tensor<4xf64>, %lr: f32) -> tensor<4xf64> {
  // expected-error @+1 {{'optim.sgd_momentum' op learning rate type 'f32' does not match the element type 'f64'}}
  %0:2 = optim.sgd_momentum %w, %w, %w, %lr {momentum = 0.9 : f64} : tensor<4xf64>, f32
  return %0#0 : tensor<4xf64>
}

// -----

func.func @momentum_buf(%w: tensor<4xf32>, %b: tensor<4x1xf32>, %lr: f32) -> tensor<4xf32> {
  // expected-error @+1 {{'optim.sgd_momentum' op failed to verify that all of {param, grad, buf, new_param, new_buf} have same type}}
  %0:2 = "optim.sgd_momentum"(%w, %w, %b, %lr) {momentum = 0.9 : f64} : (tensor<4xf32>, tensor<4xf32>, tensor<4x1xf32>, f32) -> (tensor<4xf32>, tensor<4xf32>)
  return %0#0 : tensor<4xf32>
}

// -----

func.func @sgd_weight_decay(%w: tensor<4xf32>, %lr: f32) -> tensor<4xf32> {
  // expected-error @+1 {{'optim.sgd' op 'weight_decay' must be >= 0, got -1.000000e+00}}
  %0 = optim.sgd %w, %w, %lr {weight_decay = -1.0 : f64} : tensor<4xf32>, f32
  return %0 : tensor<4xf32>
}

// -----

func.func @momentum_weight_decay(%w: tensor<4xf32>, %lr: f32) -> tensor<4xf32> {
  // expected-error @+1 {{'optim.sgd_momentum' op 'weight_decay' must be >= 0, got -2.000000e+00}}
  %0:2 = optim.sgd_momentum %w, %w, %w, %lr {momentum = 0.5 : f64, weight_decay = -2.0 : f64} : tensor<4xf32>, f32
  return %0#0 : tensor<4xf32>
}

// -----

func.func @dampening_without_step(%w: tensor<4xf32>, %lr: f32) -> tensor<4xf32> {
  // expected-error @+1 {{'optim.sgd_momentum' op dampening needs the step operand}}
  %0:2 = optim.sgd_momentum %w, %w, %w, %lr {momentum = 0.5 : f64, dampening = 0.1 : f64} : tensor<4xf32>, f32
  return %0#0 : tensor<4xf32>
}

// -----

func.func @dampening_range(%w: tensor<4xf32>, %lr: f32, %s: i64) -> tensor<4xf32> {
  // expected-error @+1 {{'optim.sgd_momentum' op 'dampening' must be in [0, 1], got 2.000000e+00}}
  %0:2 = optim.sgd_momentum %w, %w, %w, %lr step %s {momentum = 0.5 : f64, dampening = 2.0 : f64} : tensor<4xf32>, f32
  return %0#0 : tensor<4xf32>
}

// -----

func.func @nesterov_dampening(%w: tensor<4xf32>, %lr: f32, %s: i64) -> tensor<4xf32> {
  // expected-error @+1 {{'optim.sgd_momentum' op nesterov momentum requires a momentum and zero dampening}}
  %0:2 = optim.sgd_momentum %w, %w, %w, %lr step %s {momentum = 0.9 : f64, dampening = 0.5 : f64, nesterov} : tensor<4xf32>, f32
  return %0#0 : tensor<4xf32>
}

// -----

func.func @nesterov_no_momentum(%w: tensor<4xf32>, %lr: f32) -> tensor<4xf32> {
  // expected-error @+1 {{'optim.sgd_momentum' op nesterov momentum requires a momentum and zero dampening}}
  %0:2 = optim.sgd_momentum %w, %w, %w, %lr {momentum = 0.0 : f64, nesterov} : tensor<4xf32>, f32
  return %0#0 : tensor<4xf32>
}

// -----

func.func @adam_state_count(%w: tensor<4xf32>, %lr: f32, %s: i64) -> tensor<4xf32> {
  // expected-error @+1 {{'optim.adam' op expects 2 state buffers (m, v), got 1}}
  %0:2 = optim.adam %w, %w state(%w) lr %lr step %s {beta1 = 0.9 : f64, beta2 = 0.999 : f64, eps = 1.0e-8 : f64} : tensor<4xf32>, f32, (tensor<4xf32>) -> (tensor<4xf32>)
  return %0#0 : tensor<4xf32>
}

// -----

func.func @amsgrad_state_count(%w: tensor<4xf32>, %lr: f32, %s: i64) -> tensor<4xf32> {
  // expected-error @+1 {{'optim.adam' op expects 3 state buffers (m, v, v_max), got 2}}
  %0:3 = optim.adam %w, %w state(%w, %w) lr %lr step %s {beta1 = 0.9 : f64, beta2 = 0.999 : f64, eps = 1.0e-8 : f64, amsgrad} : tensor<4xf32>, f32, (tensor<4xf32>, tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>)
  return %0#0 : tensor<4xf32>
}

// -----

func.func @adam_state_type(%w: tensor<4xf32>, %m: tensor<4x1xf32>, %lr: f32, %s: i64) -> tensor<4xf32> {
  // expected-error @+1 {{'optim.adam' op state buffer type 'tensor<4x1xf32>' differs from the parameter type 'tensor<4xf32>'}}
  %0:3 = optim.adam %w, %w state(%m, %m) lr %lr step %s {beta1 = 0.9 : f64, beta2 = 0.999 : f64, eps = 1.0e-8 : f64} : tensor<4xf32>, f32, (tensor<4x1xf32>, tensor<4x1xf32>) -> (tensor<4x1xf32>, tensor<4x1xf32>)
  return %0#0 : tensor<4xf32>
}

// -----

func.func @adam_beta1(%w: tensor<4xf32>, %lr: f32, %s: i64) -> tensor<4xf32> {
  // expected-error @+1 {{'optim.adam' op 'beta1' must be in [0, 1), got 1}}
  %0:3 = optim.adam %w, %w state(%w, %w) lr %lr step %s {beta1 = 1.0 : f64, beta2 = 0.999 : f64, eps = 1.0e-8 : f64} : tensor<4xf32>, f32, (tensor<4xf32>, tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>)
  return %0#0 : tensor<4xf32>
}

// -----

func.func @adam_beta2(%w: tensor<4xf32>, %lr: f32, %s: i64) -> tensor<4xf32> {
  // expected-error @+1 {{'optim.adam' op 'beta2' must be in [0, 1), got -1.000000e-01}}
  %0:3 = optim.adam %w, %w state(%w, %w) lr %lr step %s {beta1 = 0.9 : f64, beta2 = -0.1 : f64, eps = 1.0e-8 : f64} : tensor<4xf32>, f32, (tensor<4xf32>, tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>)
  return %0#0 : tensor<4xf32>
}

// -----

func.func @adam_eps(%w: tensor<4xf32>, %lr: f32, %s: i64) -> tensor<4xf32> {
  // expected-error @+1 {{'optim.adam' op 'eps' must be >= 0, got -1.000000e+00}}
  %0:3 = optim.adam %w, %w state(%w, %w) lr %lr step %s {beta1 = 0.9 : f64, beta2 = 0.999 : f64, eps = -1.0 : f64} : tensor<4xf32>, f32, (tensor<4xf32>, tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>)
  return %0#0 : tensor<4xf32>
}

// -----

func.func @adam_lr(%w: tensor<4xf32>, %lr: f64, %s: i64) -> tensor<4xf32> {
  // expected-error @+1 {{'optim.adam' op learning rate type 'f64' does not match the element type 'f32'}}
  %0:3 = optim.adam %w, %w state(%w, %w) lr %lr step %s {beta1 = 0.9 : f64, beta2 = 0.999 : f64, eps = 1.0e-8 : f64} : tensor<4xf32>, f64, (tensor<4xf32>, tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>)
  return %0#0 : tensor<4xf32>
}

// -----

func.func @adam_missing_beta(%w: tensor<4xf32>, %lr: f32, %s: i64) -> tensor<4xf32> {
  // expected-error @+1 {{'optim.adam' op requires attribute 'beta2'}}
  %0:3 = optim.adam %w, %w state(%w, %w) lr %lr step %s {beta1 = 0.9 : f64, eps = 1.0e-8 : f64} : tensor<4xf32>, f32, (tensor<4xf32>, tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>)
  return %0#0 : tensor<4xf32>
}

// -----

func.func @adam_grad_type(%w: tensor<4xf32>, %g: tensor<5xf32>, %lr: f32, %s: i64) -> tensor<4xf32> {
  // expected-error @+1 {{'optim.adam' op failed to verify that all of {param, grad, new_param} have same type}}
  %0:3 = "optim.adam"(%w, %g, %w, %w, %lr, %s) {beta1 = 0.9 : f64, beta2 = 0.999 : f64, eps = 1.0e-8 : f64} : (tensor<4xf32>, tensor<5xf32>, tensor<4xf32>, tensor<4xf32>, f32, i64) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>)
  return %0#0 : tensor<4xf32>
}

// -----

// The updated state must mirror the state operands (a mismatch used to
// crash convert-optim-to-linalg).
func.func @new_state_type(%w: tensor<4xf32>, %lr: f32, %s: i64) -> tensor<4xf32> {
  // expected-error @+1 {{'optim.adagrad' op new state type 'tensor<5xf32>' differs from the state buffer type 'tensor<4xf32>'}}
  %0:2 = optim.adagrad %w, %w state(%w) lr %lr step %s {eps = 1.0e-10 : f64} : tensor<4xf32>, f32, (tensor<4xf32>) -> (tensor<5xf32>)
  return %0#0 : tensor<4xf32>
}

// -----

func.func @new_state_count(%w: tensor<4xf32>, %lr: f32, %s: i64) -> tensor<4xf32> {
  // expected-error @+1 {{'optim.adagrad' op expects one new state result per state buffer (1), got 2}}
  %0:3 = optim.adagrad %w, %w state(%w) lr %lr step %s {eps = 1.0e-10 : f64} : tensor<4xf32>, f32, (tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>)
  return %0#0 : tensor<4xf32>
}

// -----

func.func @adagrad_state_count(%w: tensor<4xf32>, %lr: f32, %s: i64) -> tensor<4xf32> {
  // expected-error @+1 {{'optim.adagrad' op expects 1 state buffers (sum), got 2}}
  %0:3 = optim.adagrad %w, %w state(%w, %w) lr %lr step %s {eps = 1.0e-10 : f64} : tensor<4xf32>, f32, (tensor<4xf32>, tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>)
  return %0#0 : tensor<4xf32>
}

// -----

func.func @adagrad_lr_decay(%w: tensor<4xf32>, %lr: f32, %s: i64) -> tensor<4xf32> {
  // expected-error @+1 {{'optim.adagrad' op 'lr_decay' must be >= 0, got -1.000000e+00}}
  %0:2 = optim.adagrad %w, %w state(%w) lr %lr step %s {eps = 1.0e-10 : f64, lr_decay = -1.0 : f64} : tensor<4xf32>, f32, (tensor<4xf32>) -> (tensor<4xf32>)
  return %0#0 : tensor<4xf32>
}

// -----

func.func @adagrad_initial(%w: tensor<4xf32>, %lr: f32, %s: i64) -> tensor<4xf32> {
  // expected-error @+1 {{'optim.adagrad' op 'initial_accumulator_value' must be >= 0, got -1.000000e+00}}
  %0:2 = optim.adagrad %w, %w state(%w) lr %lr step %s {eps = 1.0e-10 : f64, initial_accumulator_value = -1.0 : f64} : tensor<4xf32>, f32, (tensor<4xf32>) -> (tensor<4xf32>)
  return %0#0 : tensor<4xf32>
}

// -----

func.func @rmsprop_state_count(%w: tensor<4xf32>, %lr: f32, %s: i64) -> tensor<4xf32> {
  // expected-error @+1 {{'optim.rmsprop' op expects 3 state buffers (v, then g_avg if centered, then buf if momentum), got 2}}
  %0:3 = optim.rmsprop %w, %w state(%w, %w) lr %lr step %s {alpha = 0.99 : f64, eps = 1.0e-8 : f64, centered, momentum = 0.9 : f64} : tensor<4xf32>, f32, (tensor<4xf32>, tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>)
  return %0#0 : tensor<4xf32>
}

// -----

func.func @rmsprop_alpha(%w: tensor<4xf32>, %lr: f32, %s: i64) -> tensor<4xf32> {
  // expected-error @+1 {{'optim.rmsprop' op 'alpha' must be in [0, 1), got 1.500000e+00}}
  %0:2 = optim.rmsprop %w, %w state(%w) lr %lr step %s {alpha = 1.5 : f64, eps = 1.0e-8 : f64} : tensor<4xf32>, f32, (tensor<4xf32>) -> (tensor<4xf32>)
  return %0#0 : tensor<4xf32>
}

// -----

func.func @rmsprop_momentum(%w: tensor<4xf32>, %lr: f32, %s: i64) -> tensor<4xf32> {
  // expected-error @+1 {{'optim.rmsprop' op 'momentum' must be in [0, 1), got 1}}
  %0:3 = optim.rmsprop %w, %w state(%w, %w) lr %lr step %s {alpha = 0.99 : f64, eps = 1.0e-8 : f64, momentum = 1.0 : f64} : tensor<4xf32>, f32, (tensor<4xf32>, tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>)
  return %0#0 : tensor<4xf32>
}

// -----

func.func @rmsprop_weight_decay(%w: tensor<4xf32>, %lr: f32, %s: i64) -> tensor<4xf32> {
  // expected-error @+1 {{'optim.rmsprop' op 'weight_decay' must be >= 0, got -1.000000e+00}}
  %0:2 = optim.rmsprop %w, %w state(%w) lr %lr step %s {alpha = 0.99 : f64, eps = 1.0e-8 : f64, weight_decay = -1.0 : f64} : tensor<4xf32>, f32, (tensor<4xf32>) -> (tensor<4xf32>)
  return %0#0 : tensor<4xf32>
}

// -----

func.func @step_type(%w: tensor<4xf32>, %lr: f32, %s: i32) -> tensor<4xf32> {
  // expected-error @+1 {{'optim.rmsprop' op operand #4 must be 64-bit signless integer}}
  %0:2 = "optim.rmsprop"(%w, %w, %w, %lr, %s) {alpha = 0.99 : f64, eps = 1.0e-8 : f64} : (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, f32, i32) -> (tensor<4xf32>, tensor<4xf32>)
  return %0#0 : tensor<4xf32>
}
