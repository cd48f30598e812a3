// RUN: adjoint-opt %s -split-input-file -verify-diagnostics --adjoint-autodiff

// expected-error @+1 {{a loss function must return one floating-point scalar tensor}}
func.func @two_results(%w: tensor<3xf32> {mdl.param = @w}) -> (tensor<f32>, tensor<f32>) attributes {mdl.loss} {
  %0 = mdl.sum %w axes = [0] : tensor<3xf32> -> tensor<f32>
  return %0, %0 : tensor<f32>, tensor<f32>
}

// -----

// expected-error @+1 {{a loss function must return one floating-point scalar tensor}}
func.func @not_scalar(%w: tensor<3xf32> {mdl.param = @w}) -> tensor<3xf32> attributes {mdl.loss} {
  %0 = mdl.relu %w : tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

// expected-error @+1 {{a loss function must return one floating-point scalar tensor}}
func.func @no_result(%w: tensor<3xf32> {mdl.param = @w}) attributes {mdl.loss} {
  return
}

// -----

// mdl.relu_grad is a reverse-sweep op and has no rule of its own.
func.func @no_rule(%w: tensor<3xf32> {mdl.param = @w}) -> tensor<f32> attributes {mdl.loss} {
  // expected-error @+1 {{cannot differentiate 'mdl.relu_grad': it has no adjoint rule}}
  %0 = mdl.relu_grad %w, %w : tensor<3xf32>
  %1 = mdl.sum %0 axes = [0] : tensor<3xf32> -> tensor<f32>
  return %1 : tensor<f32>
}

// -----

func.func @foreign_op(%w: tensor<3xf32> {mdl.param = @w}) -> tensor<f32> attributes {mdl.loss} {
  // expected-error @+1 {{cannot differentiate 'arith.addf': it has no adjoint rule}}
  %0 = arith.addf %w, %w : tensor<3xf32>
  %1 = mdl.sum %0 axes = [0] : tensor<3xf32> -> tensor<f32>
  return %1 : tensor<f32>
}

// -----

// An op without a rule is fine when it is not on an active path.
func.func @inactive_foreign_op(%w: tensor<3xf32> {mdl.param = @w}, %x: tensor<3xf32> {mdl.input = "x"}) -> tensor<f32> attributes {mdl.loss} {
  %0 = arith.addf %x, %x : tensor<3xf32>
  %1 = mdl.mul %w, %0 : tensor<3xf32>, tensor<3xf32> -> tensor<3xf32>
  %2 = mdl.sum %1 axes = [0] : tensor<3xf32> -> tensor<f32>
  return %2 : tensor<f32>
}

// -----

// expected-error @+1 {{cannot create 'taken_grad': the name is taken}}
func.func @taken(%w: tensor<3xf32> {mdl.param = @w}) -> tensor<f32> attributes {mdl.loss} {
  %0 = mdl.sum %w axes = [0] : tensor<3xf32> -> tensor<f32>
  return %0 : tensor<f32>
}
func.func @taken_grad() {
  return
}

// -----

// expected-error @+1 {{a loss function must have a single block}}
func.func private @declaration(%w: tensor<3xf32> {mdl.param = @w}) -> tensor<f32> attributes {mdl.loss}
