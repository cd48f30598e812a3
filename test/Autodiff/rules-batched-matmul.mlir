// RUN: adjoint-opt %s -split-input-file --adjoint-autodiff | FileCheck %s

// The adjoint IR of the batched mdl.matmul forms (no cleanup passes run).
// [[G]] is the broadcast seed, the adjoint reaching the product.

// A weight shared by every batch element: dX = dC W^T keeps the batch form;
// dW is one 2-D product over the collapsed rows (the reduction over the
// broadcast batch dimension happens in the contraction).
// CHECK-LABEL: func.func @shared_weight_grad
// CHECK-SAME: (%[[X:.+]]: tensor<2x8x4xf32> {mdl.param = @x}, %[[W:.+]]: tensor<4x3xf32> {mdl.param = @w})
// CHECK:      %[[G:.+]] = mdl.broadcast_in_dim
// CHECK-NEXT: %[[DX:.+]] = mdl.matmul %[[G]], %[[W]] {transpose_rhs} : tensor<2x8x3xf32>, tensor<4x3xf32> -> tensor<2x8x4xf32>
// CHECK-NEXT: %[[X2:.+]] = mdl.reshape %[[X]] : tensor<2x8x4xf32> -> tensor<16x4xf32>
// CHECK-NEXT: %[[G2:.+]] = mdl.reshape %[[G]] : tensor<2x8x3xf32> -> tensor<16x3xf32>
// CHECK-NEXT: %[[DW:.+]] = mdl.matmul %[[X2]], %[[G2]] {transpose_lhs} : tensor<16x4xf32>, tensor<16x3xf32> -> tensor<4x3xf32>
// CHECK-NEXT: return %{{.+}}, %[[DX]], %[[DW]] :
func.func @shared_weight(%x: tensor<2x8x4xf32> {mdl.param = @x}, %w: tensor<4x3xf32> {mdl.param = @w}) -> tensor<f32> attributes {mdl.loss} {
  %0 = mdl.matmul %x, %w : tensor<2x8x4xf32>, tensor<4x3xf32> -> tensor<2x8x3xf32>
  %1 = mdl.sum %0 axes = [0, 1, 2] : tensor<2x8x3xf32> -> tensor<f32>
  return %1 : tensor<f32>
}

// -----

// Shared transposed weight (W is 3x4, C = X W^T): dX = dC W, dW = dC^T X over
// the collapsed rows.
// CHECK-LABEL: func.func @shared_weight_nt_grad
// CHECK-SAME: (%[[X:.+]]: tensor<2x8x4xf32> {mdl.param = @x}, %[[W:.+]]: tensor<3x4xf32> {mdl.param = @w})
// CHECK:      %[[G:.+]] = mdl.broadcast_in_dim
// CHECK-NEXT: %[[DX:.+]] = mdl.matmul %[[G]], %[[W]] : tensor<2x8x3xf32>, tensor<3x4xf32> -> tensor<2x8x4xf32>
// CHECK-NEXT: %[[X2:.+]] = mdl.reshape %[[X]] : tensor<2x8x4xf32> -> tensor<16x4xf32>
// CHECK-NEXT: %[[G2:.+]] = mdl.reshape %[[G]] : tensor<2x8x3xf32> -> tensor<16x3xf32>
// CHECK-NEXT: %[[DW:.+]] = mdl.matmul %[[G2]], %[[X2]] {transpose_lhs} : tensor<16x3xf32>, tensor<16x4xf32> -> tensor<3x4xf32>
// CHECK-NEXT: return %{{.+}}, %[[DX]], %[[DW]] :
func.func @shared_weight_nt(%x: tensor<2x8x4xf32> {mdl.param = @x}, %w: tensor<3x4xf32> {mdl.param = @w}) -> tensor<f32> attributes {mdl.loss} {
  %0 = mdl.matmul %x, %w {transpose_rhs} : tensor<2x8x4xf32>, tensor<3x4xf32> -> tensor<2x8x3xf32>
  %1 = mdl.sum %0 axes = [0, 1, 2] : tensor<2x8x3xf32> -> tensor<f32>
  return %1 : tensor<f32>
}

// -----

// Scores of attention, S = Q K^T with equal batch dimensions [2, 3]:
// dQ = dS K, dK = dS^T Q, both batched; nothing is summed.
// CHECK-LABEL: func.func @batched_nt_grad
// CHECK-SAME: (%[[Q:.+]]: tensor<2x3x8x4xf32> {mdl.param = @q}, %[[K:.+]]: tensor<2x3x5x4xf32> {mdl.param = @k})
// CHECK:      %[[G:.+]] = mdl.broadcast_in_dim
// CHECK-NEXT: %[[DQ:.+]] = mdl.matmul %[[G]], %[[K]] : tensor<2x3x8x5xf32>, tensor<2x3x5x4xf32> -> tensor<2x3x8x4xf32>
// CHECK-NEXT: %[[DK:.+]] = mdl.matmul %[[G]], %[[Q]] {transpose_lhs} : tensor<2x3x8x5xf32>, tensor<2x3x8x4xf32> -> tensor<2x3x5x4xf32>
// CHECK-NEXT: return %{{.+}}, %[[DQ]], %[[DK]] :
func.func @batched_nt(%q: tensor<2x3x8x4xf32> {mdl.param = @q}, %k: tensor<2x3x5x4xf32> {mdl.param = @k}) -> tensor<f32> attributes {mdl.loss} {
  %0 = mdl.matmul %q, %k {transpose_rhs} : tensor<2x3x8x4xf32>, tensor<2x3x5x4xf32> -> tensor<2x3x8x5xf32>
  %1 = mdl.sum %0 axes = [0, 1, 2, 3] : tensor<2x3x8x5xf32> -> tensor<f32>
  return %1 : tensor<f32>
}

// -----

// Broadcast batch dimensions: [2, 1] against [3] gives [2, 3]. Each adjoint
// is the batched product over [2, 3], summed over the dimensions its operand
// was broadcast along: axis 1 for A (then reshaped to its unit axis), axis 0
// for the per-head weight B.
// CHECK-LABEL: func.func @broadcast_batch_grad
// CHECK-SAME: (%[[A:.+]]: tensor<2x1x8x4xf32> {mdl.param = @a}, %[[B:.+]]: tensor<3x4x5xf32> {mdl.param = @b})
// CHECK:      %[[G:.+]] = mdl.broadcast_in_dim
// CHECK-NEXT: %[[FA:.+]] = mdl.matmul %[[G]], %[[B]] {transpose_rhs} : tensor<2x3x8x5xf32>, tensor<3x4x5xf32> -> tensor<2x3x8x4xf32>
// CHECK-NEXT: %[[SA:.+]] = mdl.sum %[[FA]] axes = [1] : tensor<2x3x8x4xf32> -> tensor<2x8x4xf32>
// CHECK-NEXT: %[[DA:.+]] = mdl.reshape %[[SA]] : tensor<2x8x4xf32> -> tensor<2x1x8x4xf32>
// CHECK-NEXT: %[[FB:.+]] = mdl.matmul %[[A]], %[[G]] {transpose_lhs} : tensor<2x1x8x4xf32>, tensor<2x3x8x5xf32> -> tensor<2x3x4x5xf32>
// CHECK-NEXT: %[[DB:.+]] = mdl.sum %[[FB]] axes = [0] : tensor<2x3x4x5xf32> -> tensor<3x4x5xf32>
// CHECK-NEXT: return %{{.+}}, %[[DA]], %[[DB]] :
func.func @broadcast_batch(%a: tensor<2x1x8x4xf32> {mdl.param = @a}, %b: tensor<3x4x5xf32> {mdl.param = @b}) -> tensor<f32> attributes {mdl.loss} {
  %0 = mdl.matmul %a, %b : tensor<2x1x8x4xf32>, tensor<3x4x5xf32> -> tensor<2x3x8x5xf32>
  %1 = mdl.sum %0 axes = [0, 1, 2, 3] : tensor<2x3x8x5xf32> -> tensor<f32>
  return %1 : tensor<f32>
}

// -----

// A rank-2 left operand broadcast over the batch of B, with both operands
// transposed (C = A^T B^T): dA = B^T dC^T summed over the batch.
// CHECK-LABEL: func.func @rank2_lhs_tt_grad
// CHECK-SAME: (%[[A:.+]]: tensor<4x8xf32> {mdl.param = @a}, %[[B:.+]]: tensor<2x5x4xf32> {mdl.param = @b})
// CHECK:      %[[G:.+]] = mdl.broadcast_in_dim
// CHECK-NEXT: %[[FA:.+]] = mdl.matmul %[[B]], %[[G]] {transpose_lhs, transpose_rhs} : tensor<2x5x4xf32>, tensor<2x8x5xf32> -> tensor<2x4x8xf32>
// CHECK-NEXT: %[[DA:.+]] = mdl.sum %[[FA]] axes = [0] : tensor<2x4x8xf32> -> tensor<4x8xf32>
// CHECK-NEXT: %[[DB:.+]] = mdl.matmul %[[G]], %[[A]] {transpose_lhs, transpose_rhs} : tensor<2x8x5xf32>, tensor<4x8xf32> -> tensor<2x5x4xf32>
// CHECK-NEXT: return %{{.+}}, %[[DA]], %[[DB]] :
func.func @rank2_lhs_tt(%a: tensor<4x8xf32> {mdl.param = @a}, %b: tensor<2x5x4xf32> {mdl.param = @b}) -> tensor<f32> attributes {mdl.loss} {
  %0 = mdl.matmul %a, %b {transpose_lhs, transpose_rhs} : tensor<4x8xf32>, tensor<2x5x4xf32> -> tensor<2x8x5xf32>
  %1 = mdl.sum %0 axes = [0, 1, 2] : tensor<2x8x5xf32> -> tensor<f32>
  return %1 : tensor<f32>
}
