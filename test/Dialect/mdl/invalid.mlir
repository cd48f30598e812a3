// RUN: adjoint-opt %s -split-input-file -verify-diagnostics

//===----------------------------------------------------------------------===//
// mdl.param
//===----------------------------------------------------------------------===//

// expected-error @+1 {{'mdl.param' op parameter type must have a static shape}}
mdl.param @w : tensor<?x3xf32> init "zeros"

// -----

// expected-error @+1 {{'mdl.param' op unknown initializer 'xavier'}}
mdl.param @w : tensor<4x3xf32> init "xavier"

// -----

// expected-error @+1 {{'mdl.param' op initializer 'uniform' takes 2 arguments, got 1}}
"mdl.param"() <{init = "uniform", init_args = array<f64: 0.5>, sym_name = "w", type = tensor<3xf32>}> : () -> ()

// -----

// expected-error @+1 {{'mdl.param' op initializer 'normal' takes 2 arguments, got 0}}
mdl.param @w : tensor<3xf32> init "normal"

// -----

// expected-error @+1 {{'mdl.param' op initializer 'he_normal' takes 0 arguments, got 2}}
"mdl.param"() <{init = "he_normal", init_args = array<f64: 0.0, 1.0>, sym_name = "w", type = tensor<3xf32>}> : () -> ()

// -----

// expected-error @+1 {{'mdl.param' op initializer 'uniform' requires low < high, got [1.000000e+00, 1.000000e+00]}}
"mdl.param"() <{init = "uniform", init_args = array<f64: 1.0, 1.0>, sym_name = "w", type = tensor<3xf32>}> : () -> ()

// -----

// expected-error @+1 {{'mdl.param' op initializer 'normal' requires stddev > 0, got -1.000000e+00}}
"mdl.param"() <{init = "normal", init_args = array<f64: 0.0, -1.0>, sym_name = "w", type = tensor<3xf32>}> : () -> ()

// -----

// expected-error @+1 {{'mdl.param' op attribute 'type' failed to satisfy constraint}}
mdl.param @w : tensor<3xi32> init "zeros"

//===----------------------------------------------------------------------===//
// mdl.train
//===----------------------------------------------------------------------===//

// -----

// expected-error @+1 {{'mdl.train' op batch must be positive, got 0}}
mdl.train @m optimizer "sgd" {lr = 0.1 : f64} batch 0 epochs 1 seed 0

// -----

// expected-error @+1 {{'mdl.train' op batch must be positive, got -4}}
mdl.train @m optimizer "sgd" {lr = 0.1 : f64} batch -4 epochs 1 seed 0

// -----

// expected-error @+1 {{'mdl.train' op epochs must be positive, got 0}}
mdl.train @m optimizer "sgd" {lr = 0.1 : f64} batch 8 epochs 0 seed 0

// -----

// expected-error @+1 {{'mdl.train' op epochs must be positive, got -1}}
mdl.train @m optimizer "sgd" {lr = 0.1 : f64} batch 8 epochs -1 seed 0

// -----

// expected-error @+1 {{'mdl.train' op 'momentum' must be a float in [0, 1)}}
mdl.train @m optimizer "sgd" {lr = 0.1 : f64, momentum = 1.0 : f64} batch 8 epochs 1 seed 0

// -----

// expected-error @+1 {{'mdl.train' op 'momentum' must be a float in [0, 1)}}
mdl.train @m optimizer "sgd" {lr = 0.1 : f64, momentum = -0.5 : f64} batch 8 epochs 1 seed 0

// -----

// expected-error @+1 {{'mdl.train' op 'momentum' must be a float in [0, 1)}}
mdl.train @m optimizer "sgd" {lr = 0.1 : f64, momentum = 1 : i64} batch 8 epochs 1 seed 0

// -----

// expected-error @+1 {{'mdl.train' op unknown optimizer 'no_such_optimizer'}}
mdl.train @m optimizer "no_such_optimizer" {lr = 0.1 : f64} batch 8 epochs 1 seed 0

// -----

// expected-error @+1 {{'mdl.train' op optimizer needs a positive 'lr'}}
mdl.train @m optimizer "sgd" {momentum = 0.5 : f64} batch 8 epochs 1 seed 0

// -----

// expected-error @+1 {{'mdl.train' op optimizer needs a positive 'lr'}}
mdl.train @m optimizer "sgd" {lr = 0.0 : f64} batch 8 epochs 1 seed 0

// -----

// expected-error @+1 {{'mdl.train' op optimizer needs a positive 'lr'}}
mdl.train @m optimizer "sgd" {lr = -1.0 : f64} batch 8 epochs 1 seed 0

// -----

// expected-error @+1 {{'mdl.train' op optimizer needs a positive 'lr'}}
mdl.train @m optimizer "sgd" {lr = "fast"} batch 8 epochs 1 seed 0

//===----------------------------------------------------------------------===//
// Broadcasting elementwise ops
//===----------------------------------------------------------------------===//

// -----

func.func @add_no_broadcast(%a: tensor<8x3xf32>, %b: tensor<4xf32>) -> tensor<8x4xf32> {
  // expected-error @+1 {{'mdl.add' op cannot broadcast 'tensor<8x3xf32>' and 'tensor<4xf32>'}}
  %0 = mdl.add %a, %b : tensor<8x3xf32>, tensor<4xf32> -> tensor<8x4xf32>
  return %0 : tensor<8x4xf32>
}

// -----

func.func @sub_wrong_result(%a: tensor<8x3xf32>, %b: tensor<3xf32>) -> tensor<3xf32> {
  // expected-error @+1 {{'mdl.sub' op result type 'tensor<3xf32>' is not the broadcast shape of 'tensor<8x3xf32>' and 'tensor<3xf32>'}}
  %0 = mdl.sub %a, %b : tensor<8x3xf32>, tensor<3xf32> -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @mul_wrong_rank(%a: tensor<1x3xf32>, %b: tensor<4x1xf32>) -> tensor<1x4x3xf32> {
  // expected-error @+1 {{'mdl.mul' op result type 'tensor<1x4x3xf32>' is not the broadcast shape}}
  %0 = mdl.mul %a, %b : tensor<1x3xf32>, tensor<4x1xf32> -> tensor<1x4x3xf32>
  return %0 : tensor<1x4x3xf32>
}

// -----

func.func @div_elem(%a: tensor<3xf32>, %b: tensor<3xf64>) -> tensor<3xf32> {
  // expected-error @+1 {{'mdl.div' op element types differ}}
  %0 = mdl.div %a, %b : tensor<3xf32>, tensor<3xf64> -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @add_result_elem(%a: tensor<3xf32>, %b: tensor<3xf32>) -> tensor<3xf64> {
  // expected-error @+1 {{'mdl.add' op element types differ}}
  %0 = mdl.add %a, %b : tensor<3xf32>, tensor<3xf32> -> tensor<3xf64>
  return %0 : tensor<3xf64>
}

// -----

func.func @add_int(%a: tensor<3xi32>, %b: tensor<3xi32>) -> tensor<3xi32> {
  // expected-error @+1 {{'mdl.add' op operand #0 must be ranked tensor of 32-bit float or 64-bit float values}}
  %0 = mdl.add %a, %b : tensor<3xi32>, tensor<3xi32> -> tensor<3xi32>
  return %0 : tensor<3xi32>
}

// -----

func.func @relu_type(%a: tensor<3xf32>) -> tensor<3xf32> {
  // expected-error @+1 {{'mdl.relu_grad' op failed to verify that all of {input, grad, result} have same type}}
  %0 = "mdl.relu_grad"(%a, %a) : (tensor<3xf32>, tensor<3xf32>) -> tensor<4xf32>
  return %a : tensor<3xf32>
}

//===----------------------------------------------------------------------===//
// mdl.matmul
//===----------------------------------------------------------------------===//

// -----

func.func @matmul_contraction(%a: tensor<8x4xf32>, %b: tensor<5x3xf32>) -> tensor<8x3xf32> {
  // expected-error @+1 {{'mdl.matmul' op contraction dimensions differ: 4 and 5}}
  %0 = mdl.matmul %a, %b : tensor<8x4xf32>, tensor<5x3xf32> -> tensor<8x3xf32>
  return %0 : tensor<8x3xf32>
}

// -----

// The flags decide which dimensions contract: without transpose_rhs this
// product of 8x4 and 3x4 is invalid.
func.func @matmul_needs_transpose(%a: tensor<8x4xf32>, %b: tensor<3x4xf32>) -> tensor<8x3xf32> {
  // expected-error @+1 {{'mdl.matmul' op contraction dimensions differ: 4 and 3}}
  %0 = mdl.matmul %a, %b : tensor<8x4xf32>, tensor<3x4xf32> -> tensor<8x3xf32>
  return %0 : tensor<8x3xf32>
}

// -----

func.func @matmul_transposed_contraction(%a: tensor<8x4xf32>, %b: tensor<4x3xf32>) -> tensor<4x3xf32> {
  // expected-error @+1 {{'mdl.matmul' op contraction dimensions differ: 8 and 4}}
  %0 = mdl.matmul %a, %b {transpose_lhs} : tensor<8x4xf32>, tensor<4x3xf32> -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

func.func @matmul_result(%a: tensor<8x4xf32>, %b: tensor<4x3xf32>) -> tensor<3x8xf32> {
  // expected-error @+1 {{'mdl.matmul' op result type 'tensor<3x8xf32>' does not match the product shape 8x3}}
  %0 = mdl.matmul %a, %b : tensor<8x4xf32>, tensor<4x3xf32> -> tensor<3x8xf32>
  return %0 : tensor<3x8xf32>
}

// -----

func.func @matmul_result_transposed(%a: tensor<4x8xf32>, %b: tensor<3x4xf32>) -> tensor<8x4xf32> {
  // expected-error @+1 {{'mdl.matmul' op result type 'tensor<8x4xf32>' does not match the product shape 8x3}}
  %0 = mdl.matmul %a, %b {transpose_lhs, transpose_rhs} : tensor<4x8xf32>, tensor<3x4xf32> -> tensor<8x4xf32>
  return %0 : tensor<8x4xf32>
}

// -----

func.func @matmul_rank(%a: tensor<2x8x4xf32>, %b: tensor<4x3xf32>) -> tensor<8x3xf32> {
  // expected-error @+1 {{'mdl.matmul' op result type 'tensor<8x3xf32>' does not match the product shape 2x8x3}}
  %0 = mdl.matmul %a, %b : tensor<2x8x4xf32>, tensor<4x3xf32> -> tensor<8x3xf32>
  return %0 : tensor<8x3xf32>
}

// -----

func.func @matmul_vector(%a: tensor<8x4xf32>, %b: tensor<4xf32>) -> tensor<8xf32> {
  // expected-error @+1 {{'mdl.matmul' op operands must have rank >= 2, got 'tensor<8x4xf32>' and 'tensor<4xf32>'}}
  %0 = mdl.matmul %a, %b : tensor<8x4xf32>, tensor<4xf32> -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

// Batch dimensions broadcast like NumPy's: 2 and 3 do not.
func.func @matmul_batch(%a: tensor<2x8x4xf32>, %b: tensor<3x4x5xf32>) -> tensor<2x8x5xf32> {
  // expected-error @+1 {{'mdl.matmul' op batch dimensions of 'tensor<2x8x4xf32>' and 'tensor<3x4x5xf32>' do not broadcast}}
  %0 = mdl.matmul %a, %b : tensor<2x8x4xf32>, tensor<3x4x5xf32> -> tensor<2x8x5xf32>
  return %0 : tensor<2x8x5xf32>
}

// -----

// The flags transpose the last two dimensions of a batched operand.
func.func @matmul_batch_transposed(%a: tensor<2x3x8x4xf32>, %b: tensor<2x3x4x8xf32>) -> tensor<2x3x8x8xf32> {
  // expected-error @+1 {{'mdl.matmul' op contraction dimensions differ: 4 and 8}}
  %0 = mdl.matmul %a, %b {transpose_rhs} : tensor<2x3x8x4xf32>, tensor<2x3x4x8xf32> -> tensor<2x3x8x8xf32>
  return %0 : tensor<2x3x8x8xf32>
}

// -----

// The result has the broadcast batch dimensions: [2, 1] and [3] give [2, 3].
func.func @matmul_batch_result(%a: tensor<2x1x8x4xf32>, %b: tensor<3x4x5xf32>) -> tensor<2x1x8x5xf32> {
  // expected-error @+1 {{'mdl.matmul' op result type 'tensor<2x1x8x5xf32>' does not match the product shape 2x3x8x5}}
  %0 = mdl.matmul %a, %b : tensor<2x1x8x4xf32>, tensor<3x4x5xf32> -> tensor<2x1x8x5xf32>
  return %0 : tensor<2x1x8x5xf32>
}

// -----

func.func @matmul_elem(%a: tensor<8x4xf32>, %b: tensor<4x3xf64>) -> tensor<8x3xf32> {
  // expected-error @+1 {{'mdl.matmul' op element types differ}}
  %0 = mdl.matmul %a, %b : tensor<8x4xf32>, tensor<4x3xf64> -> tensor<8x3xf32>
  return %0 : tensor<8x3xf32>
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

// -----

func.func @sum_unsorted(%x: tensor<2x3x4xf32>) -> tensor<3xf32> {
  // expected-error @+1 {{'mdl.sum' op axes must be sorted, unique and in [0, 3)}}
  %0 = mdl.sum %x axes = [2, 0] : tensor<2x3x4xf32> -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @sum_duplicate(%x: tensor<2x3x4xf32>) -> tensor<3x4xf32> {
  // expected-error @+1 {{'mdl.sum' op axes must be sorted, unique and in [0, 3)}}
  %0 = mdl.sum %x axes = [0, 0] : tensor<2x3x4xf32> -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

func.func @mean_out_of_range(%x: tensor<2x3xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{'mdl.mean' op axes must be sorted, unique and in [0, 2)}}
  %0 = mdl.mean %x axes = [2] : tensor<2x3xf32> -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @mean_negative(%x: tensor<2x3xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{'mdl.mean' op axes must be sorted, unique and in [0, 2)}}
  %0 = mdl.mean %x axes = [-1] : tensor<2x3xf32> -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @sum_result(%x: tensor<2x3xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{'mdl.sum' op result type 'tensor<2xf32>' does not match the reduction of 'tensor<2x3xf32>'}}
  %0 = mdl.sum %x axes = [0] : tensor<2x3xf32> -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// A reduction drops its axes; it does not keep them as size 1.
func.func @sum_keepdims(%x: tensor<2x3xf32>) -> tensor<1x3xf32> {
  // expected-error @+1 {{'mdl.sum' op result type 'tensor<1x3xf32>' does not match the reduction of 'tensor<2x3xf32>'}}
  %0 = mdl.sum %x axes = [0] : tensor<2x3xf32> -> tensor<1x3xf32>
  return %0 : tensor<1x3xf32>
}

// -----

func.func @mean_elem(%x: tensor<2x3xf32>) -> tensor<3xf64> {
  // expected-error @+1 {{'mdl.mean' op result type 'tensor<3xf64>' does not match the reduction of 'tensor<2x3xf32>'}}
  %0 = mdl.mean %x axes = [0] : tensor<2x3xf32> -> tensor<3xf64>
  return %0 : tensor<3xf64>
}

//===----------------------------------------------------------------------===//
// mdl.broadcast_in_dim, mdl.reshape
//===----------------------------------------------------------------------===//

// -----

func.func @bid_count(%x: tensor<3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{'mdl.broadcast_in_dim' op needs one entry in dims per operand dimension}}
  %0 = mdl.broadcast_in_dim %x dims = [0, 1] : tensor<3xf32> -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @bid_order(%x: tensor<3x2xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{'mdl.broadcast_in_dim' op dims must be increasing and in [0, 2)}}
  %0 = mdl.broadcast_in_dim %x dims = [1, 0] : tensor<3x2xf32> -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @bid_range(%x: tensor<3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{'mdl.broadcast_in_dim' op dims must be increasing and in [0, 2)}}
  %0 = mdl.broadcast_in_dim %x dims = [2] : tensor<3xf32> -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @bid_size(%x: tensor<3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{'mdl.broadcast_in_dim' op operand dimension 0 (3) cannot broadcast to result dimension 0 (2)}}
  %0 = mdl.broadcast_in_dim %x dims = [0] : tensor<3xf32> -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @bid_elem(%x: tensor<3xf32>) -> tensor<2x3xf64> {
  // expected-error @+1 {{'mdl.broadcast_in_dim' op element types differ}}
  %0 = mdl.broadcast_in_dim %x dims = [1] : tensor<3xf32> -> tensor<2x3xf64>
  return %0 : tensor<2x3xf64>
}

// -----

func.func @reshape_count(%x: tensor<2x3xf32>) -> tensor<7xf32> {
  // expected-error @+1 {{'mdl.reshape' op cannot reshape 'tensor<2x3xf32>' to 'tensor<7xf32>'}}
  %0 = mdl.reshape %x : tensor<2x3xf32> -> tensor<7xf32>
  return %0 : tensor<7xf32>
}

// -----

func.func @reshape_elem(%x: tensor<2x3xf32>) -> tensor<6xf64> {
  // expected-error @+1 {{'mdl.reshape' op cannot reshape 'tensor<2x3xf32>' to 'tensor<6xf64>'}}
  %0 = mdl.reshape %x : tensor<2x3xf32> -> tensor<6xf64>
  return %0 : tensor<6xf64>
}

//===----------------------------------------------------------------------===//
// Losses
//===----------------------------------------------------------------------===//

// -----

func.func @mse_types(%p: tensor<8x3xf32>, %t: tensor<8x4xf32>) -> tensor<f32> {
  // expected-error @+1 {{'mdl.mse' op prediction and target types differ: 'tensor<8x3xf32>' and 'tensor<8x4xf32>'}}
  %0 = mdl.mse %p, %t : tensor<8x3xf32>, tensor<8x4xf32> -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

func.func @mse_result_elem(%p: tensor<8x3xf32>) -> tensor<f64> {
  // expected-error @+1 {{'mdl.mse' op result element type must be 'f32'}}
  %0 = mdl.mse %p, %p : tensor<8x3xf32>, tensor<8x3xf32> -> tensor<f64>
  return %0 : tensor<f64>
}

// -----

func.func @mse_result_rank(%p: tensor<8x3xf32>) -> tensor<1xf32> {
  // expected-error @+1 {{'mdl.mse' op result #0 must be 0D tensor of 32-bit float or 64-bit float values}}
  %0 = "mdl.mse"(%p, %p) : (tensor<8x3xf32>, tensor<8x3xf32>) -> tensor<1xf32>
  return %0 : tensor<1xf32>
}

// -----

func.func @mse_mask_rows(%p: tensor<8x3xf32>, %m: tensor<4xf32>) -> tensor<f32> {
  // expected-error @+1 {{'mdl.mse' op mask type 'tensor<4xf32>' does not match the rows of 'tensor<8x3xf32>'}}
  %0 = mdl.mse %p, %p mask %m : tensor<8x3xf32>, tensor<8x3xf32>, tensor<4xf32> -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

func.func @mse_mask_rank(%p: tensor<8x3xf32>, %m: tensor<8x3xf32>) -> tensor<f32> {
  // expected-error @+1 {{'mdl.mse' op mask type 'tensor<8x3xf32>' does not match the rows of 'tensor<8x3xf32>'}}
  %0 = mdl.mse %p, %p mask %m : tensor<8x3xf32>, tensor<8x3xf32>, tensor<8x3xf32> -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

func.func @mse_mask_scalar(%p: tensor<f32>, %m: tensor<1xf32>) -> tensor<f32> {
  // expected-error @+1 {{'mdl.mse' op a mask needs operands of rank >= 1}}
  %0 = mdl.mse %p, %p mask %m : tensor<f32>, tensor<f32>, tensor<1xf32> -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

func.func @sce_logits_rank(%l: tensor<8xf32>, %y: tensor<8xi32>) -> tensor<f32> {
  // expected-error @+1 {{'mdl.softmax_cross_entropy' op logits must have rank 2, got 'tensor<8xf32>'}}
  %0 = mdl.softmax_cross_entropy %l, %y : tensor<8xf32>, tensor<8xi32> -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

func.func @sce_labels_rows(%l: tensor<8x10xf32>, %y: tensor<4xi32>) -> tensor<f32> {
  // expected-error @+1 {{'mdl.softmax_cross_entropy' op labels type 'tensor<4xi32>' does not match the rows of 'tensor<8x10xf32>'}}
  %0 = mdl.softmax_cross_entropy %l, %y : tensor<8x10xf32>, tensor<4xi32> -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

func.func @sce_labels_rank(%l: tensor<8x10xf32>, %y: tensor<8x1xi32>) -> tensor<f32> {
  // expected-error @+1 {{'mdl.softmax_cross_entropy' op labels type 'tensor<8x1xi32>' does not match the rows of 'tensor<8x10xf32>'}}
  %0 = mdl.softmax_cross_entropy %l, %y : tensor<8x10xf32>, tensor<8x1xi32> -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// Float targets (probabilities) must have the logits' type.
func.func @sce_labels_float(%l: tensor<8x10xf32>, %y: tensor<8xf32>) -> tensor<f32> {
  // expected-error @+1 {{'mdl.softmax_cross_entropy' op targets type 'tensor<8xf32>' differs from the logits type 'tensor<8x10xf32>'}}
  %0 = mdl.softmax_cross_entropy %l, %y : tensor<8x10xf32>, tensor<8xf32> -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

func.func @sce_targets_elem(%l: tensor<8x10xf32>, %y: tensor<8x10xf64>) -> tensor<f32> {
  // expected-error @+1 {{'mdl.softmax_cross_entropy' op targets type 'tensor<8x10xf64>' differs from the logits type 'tensor<8x10xf32>'}}
  %0 = mdl.softmax_cross_entropy %l, %y : tensor<8x10xf32>, tensor<8x10xf64> -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

func.func @sce_labels_i64(%l: tensor<8x10xf32>, %y: tensor<8xi64>) -> tensor<f32> {
  // expected-error @+1 {{'mdl.softmax_cross_entropy' op operand #1 must be ranked tensor of 32-bit signless integer or 32-bit float or 64-bit float values}}
  %0 = mdl.softmax_cross_entropy %l, %y : tensor<8x10xf32>, tensor<8xi64> -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

func.func @sce_mask_rows(%l: tensor<8x10xf32>, %y: tensor<8xi32>, %m: tensor<10xf32>) -> tensor<f32> {
  // expected-error @+1 {{'mdl.softmax_cross_entropy' op mask type 'tensor<10xf32>' does not match the rows of 'tensor<8x10xf32>'}}
  %0 = mdl.softmax_cross_entropy %l, %y mask %m : tensor<8x10xf32>, tensor<8xi32>, tensor<10xf32> -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

func.func @sce_mask_elem(%l: tensor<8x10xf32>, %y: tensor<8xi32>, %m: tensor<8xf64>) -> tensor<f32> {
  // expected-error @+1 {{'mdl.softmax_cross_entropy' op mask type 'tensor<8xf64>' does not match the rows of 'tensor<8x10xf32>'}}
  %0 = mdl.softmax_cross_entropy %l, %y mask %m : tensor<8x10xf32>, tensor<8xi32>, tensor<8xf64> -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

func.func @sce_result_elem(%l: tensor<8x10xf64>, %y: tensor<8xi32>) -> tensor<f32> {
  // expected-error @+1 {{'mdl.softmax_cross_entropy' op result element type must be 'f64'}}
  %0 = mdl.softmax_cross_entropy %l, %y : tensor<8x10xf64>, tensor<8xi32> -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

func.func @mse_grad_types(%g: tensor<f32>, %p: tensor<8x3xf32>, %t: tensor<8x4xf32>) -> tensor<8x3xf32> {
  // expected-error @+1 {{'mdl.mse_grad' op failed to verify that all of {pred, target, result} have same type}}
  %0 = "mdl.mse_grad"(%g, %p, %t) : (tensor<f32>, tensor<8x3xf32>, tensor<8x4xf32>) -> tensor<8x3xf32>
  return %0 : tensor<8x3xf32>
}

//===----------------------------------------------------------------------===//
// Ops of the common layers
//===----------------------------------------------------------------------===//

// -----

func.func @unary_type(%a: tensor<8x3xf32>) -> tensor<8x4xf32> {
  // expected-error @+1 {{'mdl.exp' op requires the same type for all operands and results}}
  %0 = "mdl.exp"(%a) : (tensor<8x3xf32>) -> tensor<8x4xf32>
  return %0 : tensor<8x4xf32>
}

// -----

func.func @unary_int(%a: tensor<8xi32>) -> tensor<8xi32> {
  // expected-error @+1 {{'mdl.log' op operand #0 must be ranked tensor of 32-bit float or 64-bit float values}}
  %0 = "mdl.log"(%a) : (tensor<8xi32>) -> tensor<8xi32>
  return %0 : tensor<8xi32>
}

// -----

func.func @leaky_relu_no_slope(%a: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error @+1 {{'mdl.leaky_relu' op requires attribute 'negative_slope'}}
  %0 = "mdl.leaky_relu"(%a) : (tensor<8xf32>) -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

func.func @clamp_no_bound(%a: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error @+1 {{'mdl.clamp' op needs a 'min' or a 'max' bound}}
  %0 = mdl.clamp %a : tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

func.func @clamp_order(%a: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error @+1 {{'mdl.clamp' op 'min' (2.000000e+00) is greater than 'max' (1.000000e+00)}}
  %0 = mdl.clamp %a min = 2.0 max = 1.0 : tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

func.func @gelu_grad_types(%a: tensor<8xf32>, %g: tensor<8xf64>) -> tensor<8xf32> {
  // expected-error @+1 {{'mdl.gelu_grad' op failed to verify that all of {input, grad, result} have same type}}
  %0 = "mdl.gelu_grad"(%a, %g) : (tensor<8xf32>, tensor<8xf64>) -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

func.func @pow_broadcast(%a: tensor<8x3xf32>, %b: tensor<4xf32>) -> tensor<8x3xf32> {
  // expected-error @+1 {{'mdl.pow' op cannot broadcast 'tensor<8x3xf32>' and 'tensor<4xf32>'}}
  %0 = mdl.pow %a, %b : tensor<8x3xf32>, tensor<4xf32> -> tensor<8x3xf32>
  return %0 : tensor<8x3xf32>
}

// -----

func.func @maximum_result(%a: tensor<8x3xf32>, %b: tensor<3xf32>) -> tensor<3xf32> {
  // expected-error @+1 {{'mdl.maximum' op result type 'tensor<3xf32>' is not the broadcast shape of 'tensor<8x3xf32>' and 'tensor<3xf32>'}}
  %0 = mdl.maximum %a, %b : tensor<8x3xf32>, tensor<3xf32> -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @compare_elem(%a: tensor<8x3xf32>, %b: tensor<3xf64>) -> tensor<8x3xf32> {
  // expected-error @+1 {{'mdl.greater' op element types differ: 'tensor<8x3xf32>', 'tensor<3xf64>' -> 'tensor<8x3xf32>'}}
  %0 = mdl.greater %a, %b : tensor<8x3xf32>, tensor<3xf64> -> tensor<8x3xf32>
  return %0 : tensor<8x3xf32>
}

// -----

func.func @where_broadcast(%c: tensor<8x1xf32>, %a: tensor<3xf32>, %b: tensor<4xf32>) -> tensor<8x3xf32> {
  // expected-error @+1 {{'mdl.where' op cannot broadcast 'tensor<8x1xf32>', 'tensor<3xf32>' and 'tensor<4xf32>'}}
  %0 = mdl.where %c, %a, %b : tensor<8x1xf32>, tensor<3xf32>, tensor<4xf32> -> tensor<8x3xf32>
  return %0 : tensor<8x3xf32>
}

// -----

func.func @where_cond_shape(%c: tensor<2x8x3xf32>, %a: tensor<8x3xf32>) -> tensor<8x3xf32> {
  // expected-error @+1 {{'mdl.where' op result type 'tensor<8x3xf32>' is not the broadcast shape of 'tensor<2x8x3xf32>', 'tensor<8x3xf32>' and 'tensor<8x3xf32>'}}
  %0 = mdl.where %c, %a, %a : tensor<2x8x3xf32>, tensor<8x3xf32>, tensor<8x3xf32> -> tensor<8x3xf32>
  return %0 : tensor<8x3xf32>
}

// -----

func.func @where_elem(%c: tensor<8x3xf64>, %a: tensor<8x3xf32>) -> tensor<8x3xf32> {
  // expected-error @+1 {{'mdl.where' op element types differ}}
  %0 = mdl.where %c, %a, %a : tensor<8x3xf64>, tensor<8x3xf32>, tensor<8x3xf32> -> tensor<8x3xf32>
  return %0 : tensor<8x3xf32>
}

// -----

func.func @max_axes(%a: tensor<8x3xf32>) -> tensor<8xf32> {
  // expected-error @+1 {{'mdl.max' op axes must be sorted, unique and in [0, 2)}}
  %0 = mdl.max %a axes = [1, 1] : tensor<8x3xf32> -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

func.func @logsumexp_result(%a: tensor<8x3xf32>) -> tensor<3xf32> {
  // expected-error @+1 {{'mdl.logsumexp' op result type 'tensor<3xf32>' does not match the reduction of 'tensor<8x3xf32>'}}
  %0 = mdl.logsumexp %a axes = [1] : tensor<8x3xf32> -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @variance_axes(%a: tensor<8x3xf32>) -> tensor<8xf32> {
  // expected-error @+1 {{'mdl.variance' op axes must be sorted, unique and in [0, 2)}}
  %0 = mdl.variance %a axes = [2] unbiased : tensor<8x3xf32> -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

func.func @softmax_axis(%a: tensor<8x3xf32>) -> tensor<8x3xf32> {
  // expected-error @+1 {{'mdl.softmax' op axis 2 is out of range [0, 2)}}
  %0 = mdl.softmax %a axis = 2 : tensor<8x3xf32>
  return %0 : tensor<8x3xf32>
}

// -----

func.func @log_softmax_axis(%a: tensor<8x3xf32>) -> tensor<8x3xf32> {
  // expected-error @+1 {{'mdl.log_softmax' op axis -1 is out of range [0, 2)}}
  %0 = mdl.log_softmax %a axis = -1 : tensor<8x3xf32>
  return %0 : tensor<8x3xf32>
}

// -----

func.func @l1_types(%p: tensor<8x3xf32>, %t: tensor<8x4xf32>) -> tensor<f32> {
  // expected-error @+1 {{'mdl.l1' op prediction and target types differ: 'tensor<8x3xf32>' and 'tensor<8x4xf32>'}}
  %0 = mdl.l1 %p, %t : tensor<8x3xf32>, tensor<8x4xf32> -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

func.func @huber_delta(%p: tensor<8x3xf32>) -> tensor<f32> {
  // expected-error @+1 {{'mdl.huber' op delta must be positive, got 0.000000e+00}}
  %0 = mdl.huber %p, %p delta = 0.0 : tensor<8x3xf32>, tensor<8x3xf32> -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

func.func @huber_grad_delta(%g: tensor<f32>, %p: tensor<8x3xf32>) -> tensor<8x3xf32> {
  // expected-error @+1 {{'mdl.huber_grad' op delta must be positive, got -1.000000e+00}}
  %0 = mdl.huber_grad %g, %p, %p delta = -1.0 : tensor<f32>, tensor<8x3xf32> -> tensor<8x3xf32>
  return %0 : tensor<8x3xf32>
}

// -----

func.func @bce_mask(%p: tensor<8x3xf32>, %m: tensor<3xf32>) -> tensor<f32> {
  // expected-error @+1 {{'mdl.bce_with_logits' op mask type 'tensor<3xf32>' does not match the rows of 'tensor<8x3xf32>'}}
  %0 = mdl.bce_with_logits %p, %p mask %m : tensor<8x3xf32>, tensor<8x3xf32>, tensor<3xf32> -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

func.func @bce_grad_elem(%g: tensor<f64>, %p: tensor<8x3xf32>) -> tensor<8x3xf32> {
  // expected-error @+1 {{'mdl.bce_with_logits_grad' op adjoint element type 'f64' differs from 'f32'}}
  %0 = mdl.bce_with_logits_grad %g, %p, %p : tensor<f64>, tensor<8x3xf32> -> tensor<8x3xf32>
  return %0 : tensor<8x3xf32>
}

// -----

func.func @l1_grad_types(%g: tensor<f32>, %p: tensor<8x3xf32>, %t: tensor<8x4xf32>) -> tensor<8x3xf32> {
  // expected-error @+1 {{'mdl.l1_grad' op failed to verify that all of {pred, target, result} have same type}}
  %0 = "mdl.l1_grad"(%g, %p, %t) : (tensor<f32>, tensor<8x3xf32>, tensor<8x4xf32>) -> tensor<8x3xf32>
  return %0 : tensor<8x3xf32>
}

// -----

func.func @nll_rank(%l: tensor<8xf32>, %y: tensor<8xi32>) -> tensor<f32> {
  // expected-error @+1 {{'mdl.nll' op log-probabilities must have rank 2, got 'tensor<8xf32>'}}
  %0 = mdl.nll %l, %y : tensor<8xf32>, tensor<8xi32> -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

func.func @nll_labels(%l: tensor<8x10xf32>, %y: tensor<4xi32>) -> tensor<f32> {
  // expected-error @+1 {{'mdl.nll' op labels type 'tensor<4xi32>' does not match the rows of 'tensor<8x10xf32>'}}
  %0 = mdl.nll %l, %y : tensor<8x10xf32>, tensor<4xi32> -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

func.func @nll_float_labels(%l: tensor<8x10xf32>) -> tensor<f32> {
  // expected-error @+1 {{'mdl.nll' op operand #1 must be ranked tensor of 32-bit signless integer values}}
  %0 = "mdl.nll"(%l, %l) : (tensor<8x10xf32>, tensor<8x10xf32>) -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

func.func @nll_grad_result(%g: tensor<f32>, %l: tensor<8x10xf32>, %y: tensor<8xi32>) -> tensor<8x9xf32> {
  // expected-error @+1 {{'mdl.nll_grad' op result type 'tensor<8x9xf32>' differs from the log-probabilities type 'tensor<8x10xf32>'}}
  %0 = mdl.nll_grad %g, %l, %y : tensor<f32>, tensor<8x10xf32>, tensor<8xi32> -> tensor<8x9xf32>
  return %0 : tensor<8x9xf32>
}

// -----

func.func @sce_grad_wrt_labels(%g: tensor<f32>, %l: tensor<8x10xf32>, %y: tensor<8xi32>) -> tensor<8x10xf32> {
  // expected-error @+1 {{'mdl.softmax_cross_entropy_grad' op 'wrt_targets' needs float targets, got 'tensor<8xi32>'}}
  %0 = mdl.softmax_cross_entropy_grad %g, %l, %y wrt_targets : tensor<f32>, tensor<8x10xf32>, tensor<8xi32> -> tensor<8x10xf32>
  return %0 : tensor<8x10xf32>
}

// -----

func.func @sce_grad_targets(%g: tensor<f32>, %l: tensor<8x10xf32>, %t: tensor<8x9xf32>) -> tensor<8x10xf32> {
  // expected-error @+1 {{'mdl.softmax_cross_entropy_grad' op targets type 'tensor<8x9xf32>' differs from the logits type 'tensor<8x10xf32>'}}
  %0 = mdl.softmax_cross_entropy_grad %g, %l, %t : tensor<f32>, tensor<8x10xf32>, tensor<8x9xf32> -> tensor<8x10xf32>
  return %0 : tensor<8x10xf32>
}
