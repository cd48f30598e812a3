// RUN: adjoint-opt %s -split-input-file -verify-diagnostics

func.func @ln_axes(%x: tensor<4x8xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{'mdl.layer_norm' op axes must be sorted, unique and in [0, 2)}}
  %y, %m, %r = mdl.layer_norm %x, %g, %g axes = [2] eps = 1.0e-05 : tensor<4x8xf32>, tensor<8xf32>, tensor<8xf32> -> tensor<4x8xf32>, tensor<4xf32>, tensor<4xf32>
  return
}

// -----

func.func @ln_gamma(%x: tensor<4x8xf32>, %g: tensor<4xf32>, %b: tensor<8xf32>) {
  // expected-error @+1 {{'mdl.layer_norm' op gamma must be a scalar or of shape [8], got 'tensor<4xf32>'}}
  %y, %m, %r = mdl.layer_norm %x, %g, %b axes = [1] eps = 1.0e-05 : tensor<4x8xf32>, tensor<4xf32>, tensor<8xf32> -> tensor<4x8xf32>, tensor<4xf32>, tensor<4xf32>
  return
}

// -----

func.func @ln_eps(%x: tensor<4x8xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{'mdl.layer_norm' op eps must be positive}}
  %y, %m, %r = mdl.layer_norm %x, %g, %g axes = [1] eps = 0.0 : tensor<4x8xf32>, tensor<8xf32>, tensor<8xf32> -> tensor<4x8xf32>, tensor<4xf32>, tensor<4xf32>
  return
}

// -----

func.func @ln_stats(%x: tensor<4x8xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{'mdl.layer_norm' op mean and rstd must have type 'tensor<4xf32>'}}
  %y, %m, %r = mdl.layer_norm %x, %g, %g axes = [1] eps = 1.0e-05 : tensor<4x8xf32>, tensor<8xf32>, tensor<8xf32> -> tensor<4x8xf32>, tensor<8xf32>, tensor<4xf32>
  return
}

// -----

func.func @bn_rank(%x: tensor<8xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{'mdl.batch_norm' op input must have rank >= 2 (rows ..., channels), got 'tensor<8xf32>'}}
  %y, %m, %v = mdl.batch_norm %x, %g, %g eps = 1.0e-05 : tensor<8xf32>, tensor<8xf32>, tensor<8xf32> -> tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
  return
}

// -----

func.func @bn_beta(%x: tensor<4x8xf32>, %g: tensor<8xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{'mdl.batch_norm' op beta must be a scalar or of shape [8], got 'tensor<4xf32>'}}
  %y, %m, %v = mdl.batch_norm %x, %g, %b eps = 1.0e-05 : tensor<4x8xf32>, tensor<8xf32>, tensor<4xf32> -> tensor<4x8xf32>, tensor<8xf32>, tensor<8xf32>
  return
}

// -----

func.func @bn_mask(%x: tensor<4x8xf32>, %g: tensor<8xf32>, %mask: tensor<8xf32>) {
  // expected-error @+1 {{'mdl.batch_norm' op mask type 'tensor<8xf32>' does not match the rows of 'tensor<4x8xf32>'}}
  %y, %m, %v = mdl.batch_norm %x, %g, %g mask %mask eps = 1.0e-05 : tensor<4x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32> -> tensor<4x8xf32>, tensor<8xf32>, tensor<8xf32>
  return
}

// -----

func.func @bn_stats(%x: tensor<4x8xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{'mdl.batch_norm' op mean and var must have type 'tensor<8xf32>'}}
  %y, %m, %v = mdl.batch_norm %x, %g, %g eps = 1.0e-05 : tensor<4x8xf32>, tensor<8xf32>, tensor<8xf32> -> tensor<4x8xf32>, tensor<4xf32>, tensor<8xf32>
  return
}

// -----

func.func @update_not_buffer(%b: tensor<8xf32> {mdl.param = @w}, %v: tensor<8xf32>) {
  // expected-error @+1 {{'mdl.update_buffer' op operand 0 must be a function argument marked mdl.buffer}}
  mdl.update_buffer %b, %v : tensor<8xf32>
  return
}

// -----

func.func @drop_p(%x: tensor<4x8xf32>) {
  %s = mdl.rng_step : tensor<i32>
  // expected-error @+1 {{'mdl.dropout' op p must be in [0, 1), got 1}}
  %y = mdl.dropout %x, %s p = 1.0 seed = 0 stream = 0 : tensor<4x8xf32>, tensor<i32> -> tensor<4x8xf32>
  return
}

// -----

func.func @drop_seed(%x: tensor<4x8xf32>) {
  %s = mdl.rng_step : tensor<i32>
  // expected-error @+1 {{'mdl.dropout' op seed must be in [0, 2^32)}}
  %y = mdl.dropout %x, %s p = 0.5 seed = -1 stream = 0 : tensor<4x8xf32>, tensor<i32> -> tensor<4x8xf32>
  return
}

// -----

func.func @emb_table(%ids: tensor<4xi32>, %t: tensor<10xf32>) {
  // expected-error @+1 {{'mdl.embedding' op table must have rank 2 [V, D], got 'tensor<10xf32>'}}
  %y = mdl.embedding %ids, %t : tensor<4xi32>, tensor<10xf32> -> tensor<4x10xf32>
  return
}

// -----

func.func @emb_result(%ids: tensor<4x2xi32>, %t: tensor<10x3xf32>) {
  // expected-error @+1 {{'mdl.embedding' op result type 'tensor<4x3xf32>' must be the ids shape followed by the row size 3}}
  %y = mdl.embedding %ids, %t : tensor<4x2xi32>, tensor<10x3xf32> -> tensor<4x3xf32>
  return
}

// -----

func.func @emb_grad(%g: tensor<4x5xf32>, %ids: tensor<4xi32>) {
  // expected-error @+1 {{'mdl.embedding_grad' op gradient type 'tensor<4x5xf32>' must be the ids shape followed by the row size 3}}
  %t = mdl.embedding_grad %g, %ids : tensor<4x5xf32>, tensor<4xi32> -> tensor<10x3xf32>
  return
}
