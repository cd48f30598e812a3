// RUN: adjoint-opt %s -split-input-file -verify-diagnostics --adjoint-fuse-optimizer

// expected-error @+1 {{no gradient function for model 'm' (run adjoint-autodiff first)}}
mdl.train @m optimizer "sgd" {lr = 0.1 : f64} batch 1 epochs 1 seed 0
func.func @m(%w: tensor<3xf32> {mdl.param = @w}) -> tensor<f32> attributes {mdl.loss} {
  %0 = mdl.sum %w axes = [0] : tensor<3xf32> -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// expected-error @+1 {{cannot create 'm_train_step': the name is taken}}
mdl.train @m optimizer "sgd" {lr = 0.1 : f64} batch 1 epochs 1 seed 0
func.func @m_grad(%w: tensor<3xf32> {mdl.param = @w}) -> (tensor<f32>, tensor<3xf32>) attributes {mdl.grad_of = @m} {
  %0 = mdl.sum %w axes = [0] : tensor<3xf32> -> tensor<f32>
  return %0, %w : tensor<f32>, tensor<3xf32>
}
func.func @m_train_step() {
  return
}

// -----

mdl.train @m optimizer "sgd" {lr = 0.1 : f64} batch 1 epochs 1 seed 0
// expected-error @+1 {{gradient function does not return one gradient per parameter}}
func.func @m_grad(%w: tensor<3xf32> {mdl.param = @w}) -> tensor<f32> attributes {mdl.grad_of = @m} {
  %0 = mdl.sum %w axes = [0] : tensor<3xf32> -> tensor<f32>
  return %0 : tensor<f32>
}
