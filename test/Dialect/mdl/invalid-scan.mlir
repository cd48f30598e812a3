// RUN: adjoint-opt %s -split-input-file -verify-diagnostics

func.func @length_mismatch(%x: tensor<4x7x3xf32>, %h: tensor<4x5xf32>) {
  // expected-error @+1 {{'mdl.scan' op sequence operand #0 has 7 steps along axis 1, expected 6}}
  %r = mdl.scan (%x : tensor<4x7x3xf32>) init(%h : tensor<4x5xf32>) axis = 1 length = 6 -> tensor<4x5xf32> {
  ^bb0(%xt: tensor<4x3xf32>, %c: tensor<4x5xf32>):
    mdl.yield %c : tensor<4x5xf32>
  }
  return
}

// -----

func.func @axis_out_of_range(%x: tensor<4x7xf32>, %h: tensor<4x5xf32>) {
  // expected-error @+1 {{'mdl.scan' op sequence operand #0 of rank 2 has no axis 2}}
  %r = mdl.scan (%x : tensor<4x7xf32>) init(%h : tensor<4x5xf32>) axis = 2 length = 7 -> tensor<4x5xf32> {
  ^bb0(%xt: tensor<4x7xf32>, %c: tensor<4x5xf32>):
    mdl.yield %c : tensor<4x5xf32>
  }
  return
}

// -----

func.func @bad_slice(%x: tensor<4x7x3xf32>, %h: tensor<4x5xf32>) {
  // expected-error @+1 {{'mdl.scan' op body argument #0 must be the step slice 'tensor<4x3xf32>', got 'tensor<4x7xf32>'}}
  %r = mdl.scan (%x : tensor<4x7x3xf32>) init(%h : tensor<4x5xf32>) axis = 1 length = 7 -> tensor<4x5xf32> {
  ^bb0(%xt: tensor<4x7xf32>, %c: tensor<4x5xf32>):
    mdl.yield %c : tensor<4x5xf32>
  }
  return
}

// -----

func.func @arg_count(%x: tensor<4x7x3xf32>, %h: tensor<4x5xf32>) {
  // expected-error @+1 {{'mdl.scan' op body must have 2 arguments (one per sequence operand and per carry), got 1}}
  %r = mdl.scan (%x : tensor<4x7x3xf32>) init(%h : tensor<4x5xf32>) axis = 1 length = 7 -> tensor<4x5xf32> {
  ^bb0(%c: tensor<4x5xf32>):
    mdl.yield %c : tensor<4x5xf32>
  }
  return
}

// -----

func.func @carry_type(%h: tensor<4x5xf32>, %g: tensor<5xf32>) {
  // expected-error @+1 {{'mdl.scan' op yielded carry #0 has type 'tensor<5xf32>', expected 'tensor<4x5xf32>'}}
  %r = mdl.scan () init(%h : tensor<4x5xf32>) axis = 0 length = 2 -> tensor<4x5xf32> {
  ^bb0(%c: tensor<4x5xf32>):
    mdl.yield %g : tensor<5xf32>
  }
  return
}

// -----

func.func @missing_carry(%h: tensor<4x5xf32>) {
  // expected-error @+1 {{'mdl.scan' op yield must return the 1 carries first, got 0 values}}
  %r = mdl.scan () init(%h : tensor<4x5xf32>) axis = 0 length = 2 -> tensor<4x5xf32> {
  ^bb0(%c: tensor<4x5xf32>):
    mdl.yield
  }
  return
}

// -----

func.func @stacked_type(%h: tensor<4x5xf32>) {
  // expected-error @+1 {{'mdl.scan' op result #1 must have type 'tensor<4x3x5xf32>', got 'tensor<3x4x5xf32>'}}
  %r:2 = mdl.scan () init(%h : tensor<4x5xf32>) axis = 1 length = 3 -> tensor<4x5xf32>, tensor<3x4x5xf32> {
  ^bb0(%c: tensor<4x5xf32>):
    mdl.yield %c, %c : tensor<4x5xf32>, tensor<4x5xf32>
  }
  return
}

// -----

func.func @result_count(%h: tensor<4x5xf32>) {
  // expected-error @+1 {{'mdl.scan' op has 1 results but the body yields 2 values}}
  %r = mdl.scan () init(%h : tensor<4x5xf32>) axis = 0 length = 3 -> tensor<4x5xf32> {
  ^bb0(%c: tensor<4x5xf32>):
    mdl.yield %c, %c : tensor<4x5xf32>, tensor<4x5xf32>
  }
  return
}

// -----

func.func @bad_length(%h: tensor<4x5xf32>) {
  // expected-error @+1 {{'mdl.scan' op length must be positive, got 0}}
  %r = mdl.scan () init(%h : tensor<4x5xf32>) axis = 0 length = 0 -> tensor<4x5xf32> {
  ^bb0(%c: tensor<4x5xf32>):
    mdl.yield %c : tensor<4x5xf32>
  }
  return
}

// -----

func.func @yield_outside(%h: tensor<4x5xf32>) {
  // expected-error @+1 {{'mdl.yield' op expects parent op 'mdl.scan'}}
  mdl.yield %h : tensor<4x5xf32>
}
