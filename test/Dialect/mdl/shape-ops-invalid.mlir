// RUN: adjoint-opt %s -split-input-file -verify-diagnostics

// The verifiers of mdl.transpose, mdl.slice, mdl.unslice and mdl.concat.

func.func @perm_not_permutation(%x: tensor<4x3xf32>) -> tensor<3x4xf32> {
  // expected-error @+1 {{'mdl.transpose' op perm must be a permutation of [0, 2)}}
  %0 = mdl.transpose %x perm = [1, 1] : tensor<4x3xf32> -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

func.func @perm_rank(%x: tensor<4x3xf32>) -> tensor<3x4xf32> {
  // expected-error @+1 {{'mdl.transpose' op perm must have one entry per dimension (2), got 3}}
  %0 = mdl.transpose %x perm = [1, 0, 2] : tensor<4x3xf32> -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

func.func @transpose_shape(%x: tensor<4x3xf32>) -> tensor<4x3xf32> {
  // expected-error @+1 {{'mdl.transpose' op result dimension 0 must be operand dimension 1 (3), got 4}}
  %0 = mdl.transpose %x perm = [1, 0] : tensor<4x3xf32> -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

func.func @slice_out_of_bounds(%x: tensor<8x10xf32>) -> tensor<8x5xf32> {
  // expected-error @+1 {{'mdl.slice' op dimension 1: the slice of 5 elements from 2 by 2 exceeds the size 10}}
  %0 = mdl.slice %x start = [0, 2] step = [1, 2] : tensor<8x10xf32> -> tensor<8x5xf32>
  return %0 : tensor<8x5xf32>
}

// -----

func.func @slice_step(%x: tensor<8x10xf32>) -> tensor<8x5xf32> {
  // expected-error @+1 {{'mdl.slice' op dimension 1: start must be >= 0 and step >= 1}}
  %0 = mdl.slice %x start = [0, 0] step = [1, 0] : tensor<8x10xf32> -> tensor<8x5xf32>
  return %0 : tensor<8x5xf32>
}

// -----

func.func @slice_rank(%x: tensor<8x10xf32>) -> tensor<8xf32> {
  // expected-error @+1 {{'mdl.slice' op the slice must have the rank of the full tensor (2), got 1}}
  %0 = mdl.slice %x start = [0, 0] step = [1, 1] : tensor<8x10xf32> -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

func.func @slice_attrs(%x: tensor<8x10xf32>) -> tensor<8x5xf32> {
  // expected-error @+1 {{'mdl.slice' op needs one start and one step per dimension}}
  %0 = mdl.slice %x start = [0] step = [1, 1] : tensor<8x10xf32> -> tensor<8x5xf32>
  return %0 : tensor<8x5xf32>
}

// -----

func.func @unslice_out_of_bounds(%g: tensor<8x5xf32>) -> tensor<8x10xf32> {
  // expected-error @+1 {{'mdl.unslice' op dimension 1: the slice of 5 elements from 6 by 1 exceeds the size 10}}
  %0 = mdl.unslice %g start = [0, 6] step = [1, 1] : tensor<8x5xf32> -> tensor<8x10xf32>
  return %0 : tensor<8x10xf32>
}

// -----

func.func @unslice_types(%g: tensor<8x5xf64>) -> tensor<8x10xf32> {
  // expected-error @+1 {{'mdl.unslice' op element types differ}}
  %0 = mdl.unslice %g start = [0, 0] step = [1, 1] : tensor<8x5xf64> -> tensor<8x10xf32>
  return %0 : tensor<8x10xf32>
}

// -----

func.func @concat_sizes(%a: tensor<8x3xf32>, %b: tensor<8x5xf32>) -> tensor<8x9xf32> {
  // expected-error @+1 {{'mdl.concat' op the operands add up to 8 along axis 1, the result has 9}}
  %0 = mdl.concat %a, %b axis = 1 : tensor<8x3xf32>, tensor<8x5xf32> -> tensor<8x9xf32>
  return %0 : tensor<8x9xf32>
}

// -----

func.func @concat_other_dim(%a: tensor<8x3xf32>, %b: tensor<7x5xf32>) -> tensor<8x8xf32> {
  // expected-error @+1 {{'mdl.concat' op operand dimension 0 (7) differs from the result's (8)}}
  %0 = mdl.concat %a, %b axis = 1 : tensor<8x3xf32>, tensor<7x5xf32> -> tensor<8x8xf32>
  return %0 : tensor<8x8xf32>
}

// -----

func.func @concat_axis(%a: tensor<8x3xf32>) -> tensor<8x3xf32> {
  // expected-error @+1 {{'mdl.concat' op axis 2 is out of range for rank 2}}
  %0 = mdl.concat %a axis = 2 : tensor<8x3xf32> -> tensor<8x3xf32>
  return %0 : tensor<8x3xf32>
}
