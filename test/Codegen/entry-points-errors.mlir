// RUN: adjoint-opt %s -split-input-file -verify-diagnostics --adjoint-entry-points

// expected-error @+1 {{result 1 cannot be updated in place of argument 1}}
func.func @wrong_type(%w: tensor<4x3xf32>, %v: tensor<3xf32>) -> (tensor<f32>, tensor<4x3xf32> {adjoint.inplace = 1 : i64}) {
  %c = arith.constant dense<1.0> : tensor<f32>
  return %c, %w : tensor<f32>, tensor<4x3xf32>
}

// -----

// expected-error @+1 {{result 0 cannot be updated in place of argument 5}}
func.func @out_of_range(%w: tensor<4x3xf32>) -> (tensor<4x3xf32> {adjoint.inplace = 5 : i64}) {
  return %w : tensor<4x3xf32>
}

// -----

// expected-error @+1 {{result 0 is not a ranked tensor}}
func.func @scalar_result(%x: f32) -> f32 {
  return %x : f32
}
