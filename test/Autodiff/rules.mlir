// RUN: adjoint-opt %s -split-input-file --adjoint-autodiff | FileCheck %s

// The IR that adjoint-autodiff builds for every adjoint rule (no cleanup
// passes run, so each check sees exactly what the rule produced). Every loss
// reduces with mdl.sum over all axes, whose adjoint broadcasts the seed 1.0:
// that broadcast is [[G]], the adjoint reaching the op under test.

// CHECK-LABEL: func.func @add_same_shape_grad
// CHECK-SAME: (%[[A:.+]]: tensor<8x3xf32> {mdl.param = @a}, %[[B:.+]]: tensor<8x3xf32> {mdl.param = @b})
// CHECK-SAME: -> (tensor<f32> {mdl.loss_value}, tensor<8x3xf32> {mdl.grad = @a}, tensor<8x3xf32> {mdl.grad = @b})
// CHECK-SAME: attributes {mdl.grad_of = @add_same_shape}
// CHECK:      %[[Y:.+]] = mdl.add %[[A]], %[[B]]
// CHECK:      %[[L:.+]] = mdl.sum %[[Y]] axes = [0, 1]
// CHECK:      %[[ONE:.+]] = arith.constant dense<1.000000e+00> : tensor<f32>
// CHECK-NEXT: %[[G:.+]] = mdl.broadcast_in_dim %[[ONE]] dims = [] : tensor<f32> -> tensor<8x3xf32>
// CHECK-NEXT: return %[[L]], %[[G]], %[[G]] :
func.func @add_same_shape(%a: tensor<8x3xf32> {mdl.param = @a}, %b: tensor<8x3xf32> {mdl.param = @b}) -> tensor<f32> attributes {mdl.loss} {
  %0 = mdl.add %a, %b : tensor<8x3xf32>, tensor<8x3xf32> -> tensor<8x3xf32>
  %1 = mdl.sum %0 axes = [0, 1] : tensor<8x3xf32> -> tensor<f32>
  return %1 : tensor<f32>
}

// -----

// Broadcast operands get the adjoint summed over the broadcast axes, then
// reshaped when a size-1 dimension was kept (1x3) and not when it was missing
// (3) or the operand is a scalar.
// CHECK-LABEL: func.func @add_broadcast_grad
// CHECK-SAME: (%[[W:.+]]: tensor<8x3xf32> {mdl.param = @w}, %[[B:.+]]: tensor<3xf32> {mdl.param = @b}, %[[C:.+]]: tensor<1x3xf32> {mdl.param = @c}, %[[S:.+]]: tensor<f32> {mdl.param = @s})
// CHECK:      %[[G:.+]] = mdl.broadcast_in_dim %{{.+}} dims = [] : tensor<f32> -> tensor<8x3xf32>
// CHECK-NEXT: %[[DS:.+]] = mdl.sum %[[G]] axes = [0, 1] : tensor<8x3xf32> -> tensor<f32>
// CHECK-NEXT: %[[DC0:.+]] = mdl.sum %[[G]] axes = [0] : tensor<8x3xf32> -> tensor<3xf32>
// CHECK-NEXT: %[[DC:.+]] = mdl.reshape %[[DC0]] : tensor<3xf32> -> tensor<1x3xf32>
// CHECK-NEXT: %[[DB:.+]] = mdl.sum %[[G]] axes = [0] : tensor<8x3xf32> -> tensor<3xf32>
// CHECK-NOT:  mdl.reshape
// CHECK-NEXT: return %{{.+}}, %[[G]], %[[DB]], %[[DC]], %[[DS]] :
func.func @add_broadcast(%w: tensor<8x3xf32> {mdl.param = @w}, %b: tensor<3xf32> {mdl.param = @b}, %c: tensor<1x3xf32> {mdl.param = @c}, %s: tensor<f32> {mdl.param = @s}) -> tensor<f32> attributes {mdl.loss} {
  %0 = mdl.add %w, %b : tensor<8x3xf32>, tensor<3xf32> -> tensor<8x3xf32>
  %1 = mdl.add %c, %0 : tensor<1x3xf32>, tensor<8x3xf32> -> tensor<8x3xf32>
  %2 = mdl.add %1, %s : tensor<8x3xf32>, tensor<f32> -> tensor<8x3xf32>
  %3 = mdl.sum %2 axes = [0, 1] : tensor<8x3xf32> -> tensor<f32>
  return %3 : tensor<f32>
}

// -----

// Both operands broadcast: 8x1 and 1x3 -> 8x3.
// CHECK-LABEL: func.func @add_outer_grad
// CHECK:      %[[G:.+]] = mdl.broadcast_in_dim
// CHECK-NEXT: %[[DA0:.+]] = mdl.sum %[[G]] axes = [1] : tensor<8x3xf32> -> tensor<8xf32>
// CHECK-NEXT: %[[DA:.+]] = mdl.reshape %[[DA0]] : tensor<8xf32> -> tensor<8x1xf32>
// CHECK-NEXT: %[[DB0:.+]] = mdl.sum %[[G]] axes = [0] : tensor<8x3xf32> -> tensor<3xf32>
// CHECK-NEXT: %[[DB:.+]] = mdl.reshape %[[DB0]] : tensor<3xf32> -> tensor<1x3xf32>
// CHECK-NEXT: return %{{.+}}, %[[DA]], %[[DB]] :
func.func @add_outer(%a: tensor<8x1xf32> {mdl.param = @a}, %b: tensor<1x3xf32> {mdl.param = @b}) -> tensor<f32> attributes {mdl.loss} {
  %0 = mdl.add %a, %b : tensor<8x1xf32>, tensor<1x3xf32> -> tensor<8x3xf32>
  %1 = mdl.sum %0 axes = [0, 1] : tensor<8x3xf32> -> tensor<f32>
  return %1 : tensor<f32>
}

// -----

// d(a - b): da = g, db = -g summed to b's shape.
// CHECK-LABEL: func.func @sub_grad
// CHECK:      %[[G:.+]] = mdl.broadcast_in_dim
// CHECK-NEXT: %[[N:.+]] = mdl.neg %[[G]] : tensor<8x3xf32>
// CHECK-NEXT: %[[DB:.+]] = mdl.sum %[[N]] axes = [0] : tensor<8x3xf32> -> tensor<3xf32>
// CHECK-NEXT: return %{{.+}}, %[[G]], %[[DB]] :
func.func @sub(%a: tensor<8x3xf32> {mdl.param = @a}, %b: tensor<3xf32> {mdl.param = @b}) -> tensor<f32> attributes {mdl.loss} {
  %0 = mdl.sub %a, %b : tensor<8x3xf32>, tensor<3xf32> -> tensor<8x3xf32>
  %1 = mdl.sum %0 axes = [0, 1] : tensor<8x3xf32> -> tensor<f32>
  return %1 : tensor<f32>
}

// -----

// d(a * b): da = g * b, db = g * a summed to b's shape.
// CHECK-LABEL: func.func @mul_grad
// CHECK-SAME: (%[[A:.+]]: tensor<8x3xf32> {mdl.param = @a}, %[[B:.+]]: tensor<3xf32> {mdl.param = @b})
// CHECK:      %[[G:.+]] = mdl.broadcast_in_dim
// CHECK-NEXT: %[[DA:.+]] = mdl.mul %[[G]], %[[B]] : tensor<8x3xf32>, tensor<3xf32> -> tensor<8x3xf32>
// CHECK-NEXT: %[[GA:.+]] = mdl.mul %[[G]], %[[A]] : tensor<8x3xf32>, tensor<8x3xf32> -> tensor<8x3xf32>
// CHECK-NEXT: %[[DB:.+]] = mdl.sum %[[GA]] axes = [0] : tensor<8x3xf32> -> tensor<3xf32>
// CHECK-NEXT: return %{{.+}}, %[[DA]], %[[DB]] :
func.func @mul(%a: tensor<8x3xf32> {mdl.param = @a}, %b: tensor<3xf32> {mdl.param = @b}) -> tensor<f32> attributes {mdl.loss} {
  %0 = mdl.mul %a, %b : tensor<8x3xf32>, tensor<3xf32> -> tensor<8x3xf32>
  %1 = mdl.sum %0 axes = [0, 1] : tensor<8x3xf32> -> tensor<f32>
  return %1 : tensor<f32>
}

// -----

// d(a / b): da = g / b, db = -((g * (a / b)) / b), reusing the forward quotient.
// CHECK-LABEL: func.func @div_grad
// CHECK-SAME: (%[[A:.+]]: tensor<8x3xf32> {mdl.param = @a}, %[[B:.+]]: tensor<3xf32> {mdl.param = @b})
// CHECK:      %[[Q:.+]] = mdl.div %[[A]], %[[B]]
// CHECK:      %[[G:.+]] = mdl.broadcast_in_dim
// CHECK-NEXT: %[[DA:.+]] = mdl.div %[[G]], %[[B]] : tensor<8x3xf32>, tensor<3xf32> -> tensor<8x3xf32>
// CHECK-NEXT: %[[GQ:.+]] = mdl.mul %[[G]], %[[Q]] : tensor<8x3xf32>, tensor<8x3xf32> -> tensor<8x3xf32>
// CHECK-NEXT: %[[GQB:.+]] = mdl.div %[[GQ]], %[[B]] : tensor<8x3xf32>, tensor<3xf32> -> tensor<8x3xf32>
// CHECK-NEXT: %[[N:.+]] = mdl.neg %[[GQB]] : tensor<8x3xf32>
// CHECK-NEXT: %[[DB:.+]] = mdl.sum %[[N]] axes = [0] : tensor<8x3xf32> -> tensor<3xf32>
// CHECK-NEXT: return %{{.+}}, %[[DA]], %[[DB]] :
func.func @div(%a: tensor<8x3xf32> {mdl.param = @a}, %b: tensor<3xf32> {mdl.param = @b}) -> tensor<f32> attributes {mdl.loss} {
  %0 = mdl.div %a, %b : tensor<8x3xf32>, tensor<3xf32> -> tensor<8x3xf32>
  %1 = mdl.sum %0 axes = [0, 1] : tensor<8x3xf32> -> tensor<f32>
  return %1 : tensor<f32>
}

// -----

// CHECK-LABEL: func.func @neg_grad
// CHECK:      %[[G:.+]] = mdl.broadcast_in_dim
// CHECK-NEXT: %[[D:.+]] = mdl.neg %[[G]] : tensor<8x3xf32>
// CHECK-NEXT: return %{{.+}}, %[[D]] :
func.func @neg(%a: tensor<8x3xf32> {mdl.param = @a}) -> tensor<f32> attributes {mdl.loss} {
  %0 = mdl.neg %a : tensor<8x3xf32>
  %1 = mdl.sum %0 axes = [0, 1] : tensor<8x3xf32> -> tensor<f32>
  return %1 : tensor<f32>
}

// -----

// relu' selects on the forward input, not the output.
// CHECK-LABEL: func.func @relu_grad
// CHECK-SAME: (%[[A:.+]]: tensor<8x3xf32> {mdl.param = @a})
// CHECK:      %[[X:.+]] = mdl.mul %[[A]], %[[A]]
// CHECK-NEXT: %[[R:.+]] = mdl.relu %[[X]]
// CHECK:      %[[G:.+]] = mdl.broadcast_in_dim
// CHECK-NEXT: %[[DX:.+]] = mdl.relu_grad %[[X]], %[[G]] : tensor<8x3xf32>
// CHECK-NEXT: %[[D1:.+]] = mdl.mul %[[DX]], %[[A]]
// CHECK-NEXT: %[[D2:.+]] = mdl.mul %[[DX]], %[[A]]
// CHECK-NEXT: %[[D:.+]] = mdl.add %[[D1]], %[[D2]]
// CHECK-NEXT: return %{{.+}}, %[[D]] :
func.func @relu(%a: tensor<8x3xf32> {mdl.param = @a}) -> tensor<f32> attributes {mdl.loss} {
  %0 = mdl.mul %a, %a : tensor<8x3xf32>, tensor<8x3xf32> -> tensor<8x3xf32>
  %1 = mdl.relu %0 : tensor<8x3xf32>
  %2 = mdl.sum %1 axes = [0, 1] : tensor<8x3xf32> -> tensor<f32>
  return %2 : tensor<f32>
}

// -----

// sigmoid' = s (1 - s) from the saved forward result s.
// CHECK-LABEL: func.func @sigmoid_grad
// CHECK:      %[[S:.+]] = mdl.sigmoid
// CHECK:      %[[G:.+]] = mdl.broadcast_in_dim
// CHECK-NEXT: %[[ONE:.+]] = arith.constant dense<1.000000e+00> : tensor<f32>
// CHECK-NEXT: %[[OMS:.+]] = mdl.sub %[[ONE]], %[[S]] : tensor<f32>, tensor<8x3xf32> -> tensor<8x3xf32>
// CHECK-NEXT: %[[DS:.+]] = mdl.mul %[[S]], %[[OMS]]
// CHECK-NEXT: %[[D:.+]] = mdl.mul %[[G]], %[[DS]]
// CHECK-NEXT: return %{{.+}}, %[[D]] :
func.func @sigmoid(%a: tensor<8x3xf32> {mdl.param = @a}) -> tensor<f32> attributes {mdl.loss} {
  %0 = mdl.sigmoid %a : tensor<8x3xf32>
  %1 = mdl.sum %0 axes = [0, 1] : tensor<8x3xf32> -> tensor<f32>
  return %1 : tensor<f32>
}

// -----

// tanh' = 1 - t^2 from the saved forward result t; f64 constants.
// CHECK-LABEL: func.func @tanh_grad
// CHECK:      %[[T:.+]] = mdl.tanh
// CHECK:      %[[G:.+]] = mdl.broadcast_in_dim
// CHECK-NEXT: %[[ONE:.+]] = arith.constant dense<1.000000e+00> : tensor<f64>
// CHECK-NEXT: %[[SQ:.+]] = mdl.mul %[[T]], %[[T]]
// CHECK-NEXT: %[[DT:.+]] = mdl.sub %[[ONE]], %[[SQ]] : tensor<f64>, tensor<8x3xf64> -> tensor<8x3xf64>
// CHECK-NEXT: %[[D:.+]] = mdl.mul %[[G]], %[[DT]]
// CHECK-NEXT: return %{{.+}}, %[[D]] :
func.func @tanh(%a: tensor<8x3xf64> {mdl.param = @a}) -> tensor<f64> attributes {mdl.loss} {
  %0 = mdl.tanh %a : tensor<8x3xf64>
  %1 = mdl.sum %0 axes = [0, 1] : tensor<8x3xf64> -> tensor<f64>
  return %1 : tensor<f64>
}

// -----

// C = A B: dA = dC B^T (transpose_rhs), dB = A^T dC (transpose_lhs).
// CHECK-LABEL: func.func @matmul_nn_grad
// CHECK-SAME: (%[[A:.+]]: tensor<8x4xf32> {mdl.param = @a}, %[[B:.+]]: tensor<4x3xf32> {mdl.param = @b})
// CHECK:      %[[G:.+]] = mdl.broadcast_in_dim
// CHECK-NEXT: %[[DA:.+]] = mdl.matmul %[[G]], %[[B]] {transpose_rhs} : tensor<8x3xf32>, tensor<4x3xf32> -> tensor<8x4xf32>
// CHECK-NEXT: %[[DB:.+]] = mdl.matmul %[[A]], %[[G]] {transpose_lhs} : tensor<8x4xf32>, tensor<8x3xf32> -> tensor<4x3xf32>
// CHECK-NEXT: return %{{.+}}, %[[DA]], %[[DB]] :
func.func @matmul_nn(%a: tensor<8x4xf32> {mdl.param = @a}, %b: tensor<4x3xf32> {mdl.param = @b}) -> tensor<f32> attributes {mdl.loss} {
  %0 = mdl.matmul %a, %b : tensor<8x4xf32>, tensor<4x3xf32> -> tensor<8x3xf32>
  %1 = mdl.sum %0 axes = [0, 1] : tensor<8x3xf32> -> tensor<f32>
  return %1 : tensor<f32>
}

// -----

// C = A^T B (A is 4x8): dA = B dC^T, dB = A dC.
// CHECK-LABEL: func.func @matmul_tn_grad
// CHECK-SAME: (%[[A:.+]]: tensor<4x8xf32> {mdl.param = @a}, %[[B:.+]]: tensor<4x3xf32> {mdl.param = @b})
// CHECK:      %[[G:.+]] = mdl.broadcast_in_dim
// CHECK-NEXT: %[[DA:.+]] = mdl.matmul %[[B]], %[[G]] {transpose_rhs} : tensor<4x3xf32>, tensor<8x3xf32> -> tensor<4x8xf32>
// CHECK-NEXT: %[[DB:.+]] = mdl.matmul %[[A]], %[[G]] : tensor<4x8xf32>, tensor<8x3xf32> -> tensor<4x3xf32>
// CHECK-NEXT: return %{{.+}}, %[[DA]], %[[DB]] :
func.func @matmul_tn(%a: tensor<4x8xf32> {mdl.param = @a}, %b: tensor<4x3xf32> {mdl.param = @b}) -> tensor<f32> attributes {mdl.loss} {
  %0 = mdl.matmul %a, %b {transpose_lhs} : tensor<4x8xf32>, tensor<4x3xf32> -> tensor<8x3xf32>
  %1 = mdl.sum %0 axes = [0, 1] : tensor<8x3xf32> -> tensor<f32>
  return %1 : tensor<f32>
}

// -----

// C = A B^T (B is 3x4): dA = dC B, dB = dC^T A.
// CHECK-LABEL: func.func @matmul_nt_grad
// CHECK-SAME: (%[[A:.+]]: tensor<8x4xf32> {mdl.param = @a}, %[[B:.+]]: tensor<3x4xf32> {mdl.param = @b})
// CHECK:      %[[G:.+]] = mdl.broadcast_in_dim
// CHECK-NEXT: %[[DA:.+]] = mdl.matmul %[[G]], %[[B]] : tensor<8x3xf32>, tensor<3x4xf32> -> tensor<8x4xf32>
// CHECK-NEXT: %[[DB:.+]] = mdl.matmul %[[G]], %[[A]] {transpose_lhs} : tensor<8x3xf32>, tensor<8x4xf32> -> tensor<3x4xf32>
// CHECK-NEXT: return %{{.+}}, %[[DA]], %[[DB]] :
func.func @matmul_nt(%a: tensor<8x4xf32> {mdl.param = @a}, %b: tensor<3x4xf32> {mdl.param = @b}) -> tensor<f32> attributes {mdl.loss} {
  %0 = mdl.matmul %a, %b {transpose_rhs} : tensor<8x4xf32>, tensor<3x4xf32> -> tensor<8x3xf32>
  %1 = mdl.sum %0 axes = [0, 1] : tensor<8x3xf32> -> tensor<f32>
  return %1 : tensor<f32>
}

// -----

// C = A^T B^T: dA = B^T dC^T, dB = dC^T A^T.
// CHECK-LABEL: func.func @matmul_tt_grad
// CHECK-SAME: (%[[A:.+]]: tensor<4x8xf32> {mdl.param = @a}, %[[B:.+]]: tensor<3x4xf32> {mdl.param = @b})
// CHECK:      %[[G:.+]] = mdl.broadcast_in_dim
// CHECK-NEXT: %[[DA:.+]] = mdl.matmul %[[B]], %[[G]] {transpose_lhs, transpose_rhs} : tensor<3x4xf32>, tensor<8x3xf32> -> tensor<4x8xf32>
// CHECK-NEXT: %[[DB:.+]] = mdl.matmul %[[G]], %[[A]] {transpose_lhs, transpose_rhs} : tensor<8x3xf32>, tensor<4x8xf32> -> tensor<3x4xf32>
// CHECK-NEXT: return %{{.+}}, %[[DA]], %[[DB]] :
func.func @matmul_tt(%a: tensor<4x8xf32> {mdl.param = @a}, %b: tensor<3x4xf32> {mdl.param = @b}) -> tensor<f32> attributes {mdl.loss} {
  %0 = mdl.matmul %a, %b {transpose_lhs, transpose_rhs} : tensor<4x8xf32>, tensor<3x4xf32> -> tensor<8x3xf32>
  %1 = mdl.sum %0 axes = [0, 1] : tensor<8x3xf32> -> tensor<f32>
  return %1 : tensor<f32>
}

// -----

// sum over axis 1 of a 2x3x4 tensor: the adjoint broadcasts back along the
// kept dimensions 0 and 2.
// CHECK-LABEL: func.func @sum_grad
// CHECK:      %[[G:.+]] = mdl.broadcast_in_dim %{{.+}} dims = [] : tensor<f32> -> tensor<2x4xf32>
// CHECK-NEXT: %[[D:.+]] = mdl.broadcast_in_dim %[[G]] dims = [0, 2] : tensor<2x4xf32> -> tensor<2x3x4xf32>
// CHECK-NEXT: return %{{.+}}, %[[D]] :
func.func @sum(%a: tensor<2x3x4xf32> {mdl.param = @a}) -> tensor<f32> attributes {mdl.loss} {
  %0 = mdl.sum %a axes = [1] : tensor<2x3x4xf32> -> tensor<2x4xf32>
  %1 = mdl.sum %0 axes = [0, 1] : tensor<2x4xf32> -> tensor<f32>
  return %1 : tensor<f32>
}

// -----

// mean over axes 0 and 2 (2 * 4 = 8 elements): scale by 1/8, then broadcast.
// CHECK-LABEL: func.func @mean_grad
// CHECK:      %[[G:.+]] = mdl.broadcast_in_dim %{{.+}} dims = [] : tensor<f32> -> tensor<3xf32>
// CHECK-NEXT: %[[SC:.+]] = arith.constant dense<1.250000e-01> : tensor<f32>
// CHECK-NEXT: %[[M:.+]] = mdl.mul %[[G]], %[[SC]] : tensor<3xf32>, tensor<f32> -> tensor<3xf32>
// CHECK-NEXT: %[[D:.+]] = mdl.broadcast_in_dim %[[M]] dims = [1] : tensor<3xf32> -> tensor<2x3x4xf32>
// CHECK-NEXT: return %{{.+}}, %[[D]] :
func.func @mean(%a: tensor<2x3x4xf32> {mdl.param = @a}) -> tensor<f32> attributes {mdl.loss} {
  %0 = mdl.mean %a axes = [0, 2] : tensor<2x3x4xf32> -> tensor<3xf32>
  %1 = mdl.sum %0 axes = [0] : tensor<3xf32> -> tensor<f32>
  return %1 : tensor<f32>
}

// -----

// A full mean to a scalar: the seed itself is scaled by 1/6.
// CHECK-LABEL: func.func @mean_all_grad
// CHECK:      %[[ONE:.+]] = arith.constant dense<1.000000e+00> : tensor<f32>
// CHECK-NEXT: %[[SC:.+]] = arith.constant dense<0.16666{{[0-9]+}}> : tensor<f32>
// CHECK-NEXT: %[[M:.+]] = mdl.mul %[[ONE]], %[[SC]] : tensor<f32>, tensor<f32> -> tensor<f32>
// CHECK-NEXT: %[[D:.+]] = mdl.broadcast_in_dim %[[M]] dims = [] : tensor<f32> -> tensor<2x3xf32>
// CHECK-NEXT: return %{{.+}}, %[[D]] :
func.func @mean_all(%a: tensor<2x3xf32> {mdl.param = @a}) -> tensor<f32> attributes {mdl.loss} {
  %0 = mdl.mean %a axes = [0, 1] : tensor<2x3xf32> -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// broadcast_in_dim 1x3 -> 4x5x3 along dims [0, 2]: dimension 0 (size 1 -> 4)
// and the new dimension 1 are summed, then the kept size-1 is restored.
// CHECK-LABEL: func.func @broadcast_in_dim_grad
// CHECK:      %[[G:.+]] = mdl.broadcast_in_dim %{{.+}} dims = [] : tensor<f32> -> tensor<4x5x3xf32>
// CHECK-NEXT: %[[S:.+]] = mdl.sum %[[G]] axes = [0, 1] : tensor<4x5x3xf32> -> tensor<3xf32>
// CHECK-NEXT: %[[D:.+]] = mdl.reshape %[[S]] : tensor<3xf32> -> tensor<1x3xf32>
// CHECK-NEXT: return %{{.+}}, %[[D]] :
func.func @broadcast_in_dim(%a: tensor<1x3xf32> {mdl.param = @a}) -> tensor<f32> attributes {mdl.loss} {
  %0 = mdl.broadcast_in_dim %a dims = [0, 2] : tensor<1x3xf32> -> tensor<4x5x3xf32>
  %1 = mdl.sum %0 axes = [0, 1, 2] : tensor<4x5x3xf32> -> tensor<f32>
  return %1 : tensor<f32>
}

// -----

// broadcast_in_dim that only adds a dimension: a sum, no reshape.
// CHECK-LABEL: func.func @broadcast_in_dim_rows_grad
// CHECK:      %[[G:.+]] = mdl.broadcast_in_dim %{{.+}} dims = [] : tensor<f32> -> tensor<8x3xf32>
// CHECK-NEXT: %[[D:.+]] = mdl.sum %[[G]] axes = [0] : tensor<8x3xf32> -> tensor<3xf32>
// CHECK-NEXT: return %{{.+}}, %[[D]] :
func.func @broadcast_in_dim_rows(%a: tensor<3xf32> {mdl.param = @a}) -> tensor<f32> attributes {mdl.loss} {
  %0 = mdl.broadcast_in_dim %a dims = [1] : tensor<3xf32> -> tensor<8x3xf32>
  %1 = mdl.sum %0 axes = [0, 1] : tensor<8x3xf32> -> tensor<f32>
  return %1 : tensor<f32>
}

// -----

// CHECK-LABEL: func.func @reshape_grad
// CHECK:      %[[G:.+]] = mdl.broadcast_in_dim %{{.+}} dims = [] : tensor<f32> -> tensor<6x4xf32>
// CHECK-NEXT: %[[D:.+]] = mdl.reshape %[[G]] : tensor<6x4xf32> -> tensor<2x3x4xf32>
// CHECK-NEXT: return %{{.+}}, %[[D]] :
func.func @reshape(%a: tensor<2x3x4xf32> {mdl.param = @a}) -> tensor<f32> attributes {mdl.loss} {
  %0 = mdl.reshape %a : tensor<2x3x4xf32> -> tensor<6x4xf32>
  %1 = mdl.sum %0 axes = [0, 1] : tensor<6x4xf32> -> tensor<f32>
  return %1 : tensor<f32>
}

// -----

// mse against data: mse_grad for the prediction only; the target (an input)
// gets no adjoint and the mask is passed through.
// CHECK-LABEL: func.func @mse_grad
// CHECK-SAME: (%[[P:.+]]: tensor<8x3xf32> {mdl.param = @p}, %[[T:.+]]: tensor<8x3xf32> {mdl.input = "t"}, %[[M:.+]]: tensor<8xf32> {mdl.mask})
// CHECK:      %[[L:.+]] = mdl.mse %[[P]], %[[T]] mask %[[M]]
// CHECK-NEXT: %[[ONE:.+]] = arith.constant dense<1.000000e+00> : tensor<f32>
// CHECK-NEXT: %[[D:.+]] = mdl.mse_grad %[[ONE]], %[[P]], %[[T]] mask %[[M]] : tensor<f32>, tensor<8x3xf32>, tensor<8xf32> -> tensor<8x3xf32>
// CHECK-NOT:  mdl.neg
// CHECK-NEXT: return %[[L]], %[[D]] :
func.func @mse(%p: tensor<8x3xf32> {mdl.param = @p}, %t: tensor<8x3xf32> {mdl.input = "t"}, %m: tensor<8xf32> {mdl.mask}) -> tensor<f32> attributes {mdl.loss} {
  %0 = mdl.mse %p, %t mask %m : tensor<8x3xf32>, tensor<8x3xf32>, tensor<8xf32> -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// A differentiated target gets -mse_grad; without a mask none is passed.
// CHECK-LABEL: func.func @mse_target_grad
// CHECK-SAME: (%[[P:.+]]: tensor<8x3xf32> {mdl.param = @p}, %[[T:.+]]: tensor<8x3xf32> {mdl.param = @t})
// CHECK:      %[[ONE:.+]] = arith.constant dense<1.000000e+00> : tensor<f32>
// CHECK-NEXT: %[[D:.+]] = mdl.mse_grad %[[ONE]], %[[P]], %[[T]] : tensor<f32>, tensor<8x3xf32> -> tensor<8x3xf32>
// CHECK-NEXT: %[[DT:.+]] = mdl.neg %[[D]] : tensor<8x3xf32>
// CHECK-NEXT: return %{{.+}}, %[[D]], %[[DT]] :
func.func @mse_target(%p: tensor<8x3xf32> {mdl.param = @p}, %t: tensor<8x3xf32> {mdl.param = @t}) -> tensor<f32> attributes {mdl.loss} {
  %0 = mdl.mse %p, %t : tensor<8x3xf32>, tensor<8x3xf32> -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// Only the target depends on a parameter: mse_grad is still the base, negated.
// CHECK-LABEL: func.func @mse_target_only_grad
// CHECK-SAME: (%[[T:.+]]: tensor<8x3xf32> {mdl.param = @t}, %[[P:.+]]: tensor<8x3xf32> {mdl.input = "p"})
// CHECK:      %[[D:.+]] = mdl.mse_grad %{{.+}}, %[[P]], %[[T]]
// CHECK-NEXT: %[[DT:.+]] = mdl.neg %[[D]] : tensor<8x3xf32>
// CHECK-NEXT: return %{{.+}}, %[[DT]] :
func.func @mse_target_only(%t: tensor<8x3xf32> {mdl.param = @t}, %p: tensor<8x3xf32> {mdl.input = "p"}) -> tensor<f32> attributes {mdl.loss} {
  %0 = mdl.mse %p, %t : tensor<8x3xf32>, tensor<8x3xf32> -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// softmax_cross_entropy: one grad op for the logits; the integer labels and
// the mask get nothing.
// CHECK-LABEL: func.func @xent_grad
// CHECK-SAME: (%[[W:.+]]: tensor<4x10xf32> {mdl.param = @w}, %[[X:.+]]: tensor<8x4xf32> {mdl.input = "x"}, %[[Y:.+]]: tensor<8xi32> {mdl.input = "y"}, %[[M:.+]]: tensor<8xf32> {mdl.mask})
// CHECK:      %[[Z:.+]] = mdl.matmul %[[X]], %[[W]]
// CHECK-NEXT: %[[L:.+]] = mdl.softmax_cross_entropy %[[Z]], %[[Y]] mask %[[M]]
// CHECK-NEXT: %[[ONE:.+]] = arith.constant dense<1.000000e+00> : tensor<f32>
// CHECK-NEXT: %[[DZ:.+]] = mdl.softmax_cross_entropy_grad %[[ONE]], %[[Z]], %[[Y]] mask %[[M]] : tensor<f32>, tensor<8x10xf32>, tensor<8xi32>, tensor<8xf32> -> tensor<8x10xf32>
// CHECK-NEXT: %[[DW:.+]] = mdl.matmul %[[X]], %[[DZ]] {transpose_lhs}
// CHECK-NEXT: return %[[L]], %[[DW]] :
func.func @xent(%w: tensor<4x10xf32> {mdl.param = @w}, %x: tensor<8x4xf32> {mdl.input = "x"}, %y: tensor<8xi32> {mdl.input = "y"}, %m: tensor<8xf32> {mdl.mask}) -> tensor<f32> attributes {mdl.loss} {
  %0 = mdl.matmul %x, %w : tensor<8x4xf32>, tensor<4x10xf32> -> tensor<8x10xf32>
  %1 = mdl.softmax_cross_entropy %0, %y mask %m : tensor<8x10xf32>, tensor<8xi32>, tensor<8xf32> -> tensor<f32>
  return %1 : tensor<f32>
}

// -----

// CHECK-LABEL: func.func @xent_nomask_grad
// CHECK:      mdl.softmax_cross_entropy_grad %{{[^ ]+}}, %{{[^ ]+}}, %{{[^ ]+}} : tensor<f32>, tensor<8x10xf32>, tensor<8xi32> -> tensor<8x10xf32>
func.func @xent_nomask(%z: tensor<8x10xf32> {mdl.param = @z}, %y: tensor<8xi32> {mdl.input = "y"}) -> tensor<f32> attributes {mdl.loss} {
  %0 = mdl.softmax_cross_entropy %z, %y : tensor<8x10xf32>, tensor<8xi32> -> tensor<f32>
  return %0 : tensor<f32>
}
