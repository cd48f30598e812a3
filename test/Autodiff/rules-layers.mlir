// RUN: adjoint-opt %s -split-input-file --adjoint-autodiff | FileCheck %s

// The IR that adjoint-autodiff builds for the adjoint rules of the common
// layers (elementwise functions, pow/minimum/maximum/where, max/min/
// logsumexp/variance, softmax/log_softmax and the losses), as in rules.mlir:
// no cleanup passes run, and every loss reduces with mdl.sum, whose adjoint
// broadcast [[G]] is the adjoint reaching the op under test. Guards use
// mdl.where on a comparison mask with a 0 constant (a `where` selects, so an
// inf or NaN in the discarded branch never reaches the result).

// exp' = exp, from the saved forward result.
// CHECK-LABEL: func.func @exp_grad
// CHECK:      %[[Y:.+]] = mdl.exp %[[A:.+]] : tensor<8x3xf32>
// CHECK:      %[[G:.+]] = mdl.broadcast_in_dim
// CHECK-NEXT: %[[D:.+]] = mdl.mul %[[G]], %[[Y]] : tensor<8x3xf32>, tensor<8x3xf32> -> tensor<8x3xf32>
// CHECK-NEXT: return %{{.+}}, %[[D]] :
func.func @exp(%a: tensor<8x3xf32> {mdl.param = @a}) -> tensor<f32> attributes {mdl.loss} {
  %0 = mdl.exp %a : tensor<8x3xf32>
  %1 = mdl.sum %0 axes = [0, 1] : tensor<8x3xf32> -> tensor<f32>
  return %1 : tensor<f32>
}

// -----

// log' = 1/x, guarded: 0 where x <= 0 (where the forward is not finite), so
// a log that `where` discards cannot make the reverse sweep NaN.
// CHECK-LABEL: func.func @log_grad
// CHECK-SAME: (%[[A:.+]]: tensor<8x3xf32> {mdl.param = @a})
// CHECK:      %[[G:.+]] = mdl.broadcast_in_dim
// CHECK-NEXT: %[[Z:.+]] = arith.constant dense<0.000000e+00> : tensor<f32>
// CHECK-NEXT: %[[POS:.+]] = mdl.greater %[[A]], %[[Z]] : tensor<8x3xf32>, tensor<f32> -> tensor<8x3xf32>
// CHECK-NEXT: %[[Q:.+]] = mdl.div %[[G]], %[[A]] : tensor<8x3xf32>, tensor<8x3xf32> -> tensor<8x3xf32>
// CHECK-NEXT: %[[Z2:.+]] = arith.constant dense<0.000000e+00> : tensor<f32>
// CHECK-NEXT: %[[D:.+]] = mdl.where %[[POS]], %[[Q]], %[[Z2]] : tensor<8x3xf32>, tensor<8x3xf32>, tensor<f32> -> tensor<8x3xf32>
// CHECK-NEXT: return %{{.+}}, %[[D]] :
func.func @log(%a: tensor<8x3xf32> {mdl.param = @a}) -> tensor<f32> attributes {mdl.loss} {
  %0 = mdl.log %a : tensor<8x3xf32>
  %1 = mdl.sum %0 axes = [0, 1] : tensor<8x3xf32> -> tensor<f32>
  return %1 : tensor<f32>
}

// -----

// log1p' = 1/(1 + x) where 1 + x > 0, else 0.
// CHECK-LABEL: func.func @log1p_grad
// CHECK-SAME: (%[[A:.+]]: tensor<8x3xf32> {mdl.param = @a})
// CHECK:      %[[G:.+]] = mdl.broadcast_in_dim
// CHECK-NEXT: %[[ONE:.+]] = arith.constant dense<1.000000e+00> : tensor<f32>
// CHECK-NEXT: %[[XP1:.+]] = mdl.add %[[A]], %[[ONE]] : tensor<8x3xf32>, tensor<f32> -> tensor<8x3xf32>
// CHECK-NEXT: %[[Z:.+]] = arith.constant dense<0.000000e+00> : tensor<f32>
// CHECK-NEXT: %[[POS:.+]] = mdl.greater %[[XP1]], %[[Z]]
// CHECK-NEXT: %[[Q:.+]] = mdl.div %[[G]], %[[XP1]]
// CHECK-NEXT: %[[Z2:.+]] = arith.constant dense<0.000000e+00> : tensor<f32>
// CHECK-NEXT: %[[D:.+]] = mdl.where %[[POS]], %[[Q]], %[[Z2]]
// CHECK-NEXT: return %{{.+}}, %[[D]] :
func.func @log1p(%a: tensor<8x3xf32> {mdl.param = @a}) -> tensor<f32> attributes {mdl.loss} {
  %0 = mdl.log1p %a : tensor<8x3xf32>
  %1 = mdl.sum %0 axes = [0, 1] : tensor<8x3xf32> -> tensor<f32>
  return %1 : tensor<f32>
}

// -----

// sqrt' = 0.5 / sqrt(x) from the saved result y, taken as 0 where y is not
// positive: at 0 (infinite derivative, finite forward) the adjoint is 0, not
// inf or NaN.
// CHECK-LABEL: func.func @sqrt_grad
// CHECK:      %[[Y:.+]] = mdl.sqrt
// CHECK:      %[[G:.+]] = mdl.broadcast_in_dim
// CHECK-NEXT: %[[Z:.+]] = arith.constant dense<0.000000e+00> : tensor<f32>
// CHECK-NEXT: %[[POS:.+]] = mdl.greater %[[Y]], %[[Z]] : tensor<8x3xf32>, tensor<f32> -> tensor<8x3xf32>
// CHECK-NEXT: %[[Q:.+]] = mdl.div %[[G]], %[[Y]]
// CHECK-NEXT: %[[H:.+]] = arith.constant dense<5.000000e-01> : tensor<f32>
// CHECK-NEXT: %[[QH:.+]] = mdl.mul %[[Q]], %[[H]]
// CHECK-NEXT: %[[Z2:.+]] = arith.constant dense<0.000000e+00> : tensor<f32>
// CHECK-NEXT: %[[D:.+]] = mdl.where %[[POS]], %[[QH]], %[[Z2]]
// CHECK-NEXT: return %{{.+}}, %[[D]] :
func.func @sqrt(%a: tensor<8x3xf32> {mdl.param = @a}) -> tensor<f32> attributes {mdl.loss} {
  %0 = mdl.sqrt %a : tensor<8x3xf32>
  %1 = mdl.sum %0 axes = [0, 1] : tensor<8x3xf32> -> tensor<f32>
  return %1 : tensor<f32>
}

// -----

// rsqrt' = -0.5 y^3 from the saved result y, where x > 0.
// CHECK-LABEL: func.func @rsqrt_grad
// CHECK-SAME: (%[[A:.+]]: tensor<8x3xf32> {mdl.param = @a})
// CHECK:      %[[Y:.+]] = mdl.rsqrt %[[A]]
// CHECK:      %[[G:.+]] = mdl.broadcast_in_dim
// CHECK-NEXT: %[[Z:.+]] = arith.constant dense<0.000000e+00> : tensor<f32>
// CHECK-NEXT: %[[POS:.+]] = mdl.greater %[[A]], %[[Z]]
// CHECK-NEXT: %[[Y2:.+]] = mdl.mul %[[Y]], %[[Y]]
// CHECK-NEXT: %[[Y3:.+]] = mdl.mul %[[Y2]], %[[Y]]
// CHECK-NEXT: %[[GY3:.+]] = mdl.mul %[[G]], %[[Y3]]
// CHECK-NEXT: %[[C:.+]] = arith.constant dense<-5.000000e-01> : tensor<f32>
// CHECK-NEXT: %[[S:.+]] = mdl.mul %[[GY3]], %[[C]]
// CHECK-NEXT: %[[Z2:.+]] = arith.constant dense<0.000000e+00> : tensor<f32>
// CHECK-NEXT: %[[D:.+]] = mdl.where %[[POS]], %[[S]], %[[Z2]]
// CHECK-NEXT: return %{{.+}}, %[[D]] :
func.func @rsqrt(%a: tensor<8x3xf32> {mdl.param = @a}) -> tensor<f32> attributes {mdl.loss} {
  %0 = mdl.rsqrt %a : tensor<8x3xf32>
  %1 = mdl.sum %0 axes = [0, 1] : tensor<8x3xf32> -> tensor<f32>
  return %1 : tensor<f32>
}

// -----

// abs' = sign(x) = (x > 0) - (x < 0), 0 at 0.
// CHECK-LABEL: func.func @abs_grad
// CHECK-SAME: (%[[A:.+]]: tensor<8x3xf32> {mdl.param = @a})
// CHECK:      %[[G:.+]] = mdl.broadcast_in_dim
// CHECK-NEXT: %[[Z:.+]] = arith.constant dense<0.000000e+00> : tensor<f32>
// CHECK-NEXT: %[[P:.+]] = mdl.greater %[[A]], %[[Z]]
// CHECK-NEXT: %[[N:.+]] = mdl.less %[[A]], %[[Z]]
// CHECK-NEXT: %[[S:.+]] = mdl.sub %[[P]], %[[N]]
// CHECK-NEXT: %[[D:.+]] = mdl.mul %[[G]], %[[S]]
// CHECK-NEXT: return %{{.+}}, %[[D]] :
func.func @abs(%a: tensor<8x3xf32> {mdl.param = @a}) -> tensor<f32> attributes {mdl.loss} {
  %0 = mdl.abs %a : tensor<8x3xf32>
  %1 = mdl.sum %0 axes = [0, 1] : tensor<8x3xf32> -> tensor<f32>
  return %1 : tensor<f32>
}

// -----

// (1/x)' = -y^2 from the saved result, 0 at x = 0.
// CHECK-LABEL: func.func @reciprocal_grad
// CHECK-SAME: (%[[A:.+]]: tensor<8x3xf32> {mdl.param = @a})
// CHECK:      %[[Y:.+]] = mdl.reciprocal %[[A]]
// CHECK:      %[[G:.+]] = mdl.broadcast_in_dim
// CHECK-NEXT: %[[Z:.+]] = arith.constant dense<0.000000e+00> : tensor<f32>
// CHECK-NEXT: %[[NZ:.+]] = mdl.not_equal %[[A]], %[[Z]]
// CHECK-NEXT: %[[Y2:.+]] = mdl.mul %[[Y]], %[[Y]]
// CHECK-NEXT: %[[GY2:.+]] = mdl.mul %[[G]], %[[Y2]]
// CHECK-NEXT: %[[N:.+]] = mdl.neg %[[GY2]]
// CHECK-NEXT: %[[Z2:.+]] = arith.constant dense<0.000000e+00> : tensor<f32>
// CHECK-NEXT: %[[D:.+]] = mdl.where %[[NZ]], %[[N]], %[[Z2]]
// CHECK-NEXT: return %{{.+}}, %[[D]] :
func.func @reciprocal(%a: tensor<8x3xf32> {mdl.param = @a}) -> tensor<f32> attributes {mdl.loss} {
  %0 = mdl.reciprocal %a : tensor<8x3xf32>
  %1 = mdl.sum %0 axes = [0, 1] : tensor<8x3xf32> -> tensor<f32>
  return %1 : tensor<f32>
}

// -----

// sin' = cos, cos' = -sin (recomputed from the input).
// CHECK-LABEL: func.func @sin_cos_grad
// CHECK-SAME: (%[[A:.+]]: tensor<8x3xf32> {mdl.param = @a}, %[[B:.+]]: tensor<8x3xf32> {mdl.param = @b})
// CHECK:      %[[G:.+]] = mdl.broadcast_in_dim
// CHECK-NEXT: %[[S:.+]] = mdl.sin %[[B]]
// CHECK-NEXT: %[[GS:.+]] = mdl.mul %[[G]], %[[S]]
// CHECK-NEXT: %[[DB:.+]] = mdl.neg %[[GS]]
// CHECK-NEXT: %[[C:.+]] = mdl.cos %[[A]]
// CHECK-NEXT: %[[DA:.+]] = mdl.mul %[[G]], %[[C]]
// CHECK-NEXT: return %{{.+}}, %[[DA]], %[[DB]] :
func.func @sin_cos(%a: tensor<8x3xf32> {mdl.param = @a}, %b: tensor<8x3xf32> {mdl.param = @b}) -> tensor<f32> attributes {mdl.loss} {
  %0 = mdl.sin %a : tensor<8x3xf32>
  %1 = mdl.cos %b : tensor<8x3xf32>
  %2 = mdl.add %0, %1 : tensor<8x3xf32>, tensor<8x3xf32> -> tensor<8x3xf32>
  %3 = mdl.sum %2 axes = [0, 1] : tensor<8x3xf32> -> tensor<f32>
  return %3 : tensor<f32>
}

// -----

// softplus' = sigmoid.
// CHECK-LABEL: func.func @softplus_grad
// CHECK-SAME: (%[[A:.+]]: tensor<8x3xf32> {mdl.param = @a})
// CHECK:      %[[G:.+]] = mdl.broadcast_in_dim
// CHECK-NEXT: %[[S:.+]] = mdl.sigmoid %[[A]]
// CHECK-NEXT: %[[D:.+]] = mdl.mul %[[G]], %[[S]]
// CHECK-NEXT: return %{{.+}}, %[[D]] :
func.func @softplus(%a: tensor<8x3xf32> {mdl.param = @a}) -> tensor<f32> attributes {mdl.loss} {
  %0 = mdl.softplus %a : tensor<8x3xf32>
  %1 = mdl.sum %0 axes = [0, 1] : tensor<8x3xf32> -> tensor<f32>
  return %1 : tensor<f32>
}

// -----

// silu' = s (1 + x (1 - s)), s = sigmoid(x).
// CHECK-LABEL: func.func @silu_grad
// CHECK-SAME: (%[[A:.+]]: tensor<8x3xf32> {mdl.param = @a})
// CHECK:      %[[G:.+]] = mdl.broadcast_in_dim
// CHECK-NEXT: %[[ONE:.+]] = arith.constant dense<1.000000e+00> : tensor<f32>
// CHECK-NEXT: %[[S:.+]] = mdl.sigmoid %[[A]]
// CHECK-NEXT: %[[OMS:.+]] = mdl.sub %[[ONE]], %[[S]]
// CHECK-NEXT: %[[XO:.+]] = mdl.mul %[[A]], %[[OMS]]
// CHECK-NEXT: %[[T:.+]] = mdl.add %[[ONE]], %[[XO]]
// CHECK-NEXT: %[[DS:.+]] = mdl.mul %[[S]], %[[T]]
// CHECK-NEXT: %[[D:.+]] = mdl.mul %[[G]], %[[DS]]
// CHECK-NEXT: return %{{.+}}, %[[D]] :
func.func @silu(%a: tensor<8x3xf32> {mdl.param = @a}) -> tensor<f32> attributes {mdl.loss} {
  %0 = mdl.silu %a : tensor<8x3xf32>
  %1 = mdl.sum %0 axes = [0, 1] : tensor<8x3xf32> -> tensor<f32>
  return %1 : tensor<f32>
}

// -----

// leaky_relu': g where x > 0, else slope * g (at 0 too, like torch).
// CHECK-LABEL: func.func @leaky_relu_grad
// CHECK-SAME: (%[[A:.+]]: tensor<8x3xf32> {mdl.param = @a})
// CHECK:      %[[G:.+]] = mdl.broadcast_in_dim
// CHECK-NEXT: %[[Z:.+]] = arith.constant dense<0.000000e+00> : tensor<f32>
// CHECK-NEXT: %[[POS:.+]] = mdl.greater %[[A]], %[[Z]]
// CHECK-NEXT: %[[SL:.+]] = arith.constant dense<2.500000e-01> : tensor<f32>
// CHECK-NEXT: %[[GS:.+]] = mdl.mul %[[G]], %[[SL]]
// CHECK-NEXT: %[[D:.+]] = mdl.where %[[POS]], %[[G]], %[[GS]] : tensor<8x3xf32>, tensor<8x3xf32>, tensor<8x3xf32> -> tensor<8x3xf32>
// CHECK-NEXT: return %{{.+}}, %[[D]] :
func.func @leaky_relu(%a: tensor<8x3xf32> {mdl.param = @a}) -> tensor<f32> attributes {mdl.loss} {
  %0 = mdl.leaky_relu %a negative_slope = 0.25 : tensor<8x3xf32>
  %1 = mdl.sum %0 axes = [0, 1] : tensor<8x3xf32> -> tensor<f32>
  return %1 : tensor<f32>
}

// -----

// elu': g where x > 0, else g * alpha exp(x) = g * (y + alpha).
// CHECK-LABEL: func.func @elu_grad
// CHECK-SAME: (%[[A:.+]]: tensor<8x3xf32> {mdl.param = @a})
// CHECK:      %[[Y:.+]] = mdl.elu %[[A]] alpha = 5.000000e-01
// CHECK:      %[[G:.+]] = mdl.broadcast_in_dim
// CHECK-NEXT: %[[Z:.+]] = arith.constant dense<0.000000e+00> : tensor<f32>
// CHECK-NEXT: %[[POS:.+]] = mdl.greater %[[A]], %[[Z]]
// CHECK-NEXT: %[[AL:.+]] = arith.constant dense<5.000000e-01> : tensor<f32>
// CHECK-NEXT: %[[YA:.+]] = mdl.add %[[Y]], %[[AL]]
// CHECK-NEXT: %[[GYA:.+]] = mdl.mul %[[G]], %[[YA]]
// CHECK-NEXT: %[[D:.+]] = mdl.where %[[POS]], %[[G]], %[[GYA]]
// CHECK-NEXT: return %{{.+}}, %[[D]] :
func.func @elu(%a: tensor<8x3xf32> {mdl.param = @a}) -> tensor<f32> attributes {mdl.loss} {
  %0 = mdl.elu %a alpha = 0.5 : tensor<8x3xf32>
  %1 = mdl.sum %0 axes = [0, 1] : tensor<8x3xf32> -> tensor<f32>
  return %1 : tensor<f32>
}

// -----

// gelu' is one op, mdl.gelu_grad, with the form (erf or tanh) of the forward.
// CHECK-LABEL: func.func @gelu_grad
// CHECK-SAME: (%[[A:.+]]: tensor<8x3xf32> {mdl.param = @a}, %[[B:.+]]: tensor<8x3xf32> {mdl.param = @b})
// CHECK:      %[[G:.+]] = mdl.broadcast_in_dim
// CHECK-NEXT: %[[DB:.+]] = mdl.gelu_grad %[[B]], %[[G]] tanh : tensor<8x3xf32>
// CHECK-NEXT: %[[DA:.+]] = mdl.gelu_grad %[[A]], %[[G]] : tensor<8x3xf32>
// CHECK-NEXT: return %{{.+}}, %[[DA]], %[[DB]] :
func.func @gelu(%a: tensor<8x3xf32> {mdl.param = @a}, %b: tensor<8x3xf32> {mdl.param = @b}) -> tensor<f32> attributes {mdl.loss} {
  %0 = mdl.gelu %a : tensor<8x3xf32>
  %1 = mdl.gelu %b tanh : tensor<8x3xf32>
  %2 = mdl.add %0, %1 : tensor<8x3xf32>, tensor<8x3xf32> -> tensor<8x3xf32>
  %3 = mdl.sum %2 axes = [0, 1] : tensor<8x3xf32> -> tensor<f32>
  return %3 : tensor<f32>
}

// -----

// clamp': g where min <= x <= max (both ends included, like torch), else 0;
// a missing bound is not tested.
// CHECK-LABEL: func.func @clamp_grad
// CHECK-SAME: (%[[A:.+]]: tensor<8x3xf32> {mdl.param = @a}, %[[B:.+]]: tensor<8x3xf32> {mdl.param = @b})
// CHECK:      %[[G:.+]] = mdl.broadcast_in_dim
// CHECK-NEXT: %[[HI:.+]] = arith.constant dense<2.000000e+00> : tensor<f32>
// CHECK-NEXT: %[[LEB:.+]] = mdl.less_equal %[[B]], %[[HI]]
// CHECK-NEXT: %[[Z:.+]] = arith.constant dense<0.000000e+00> : tensor<f32>
// CHECK-NEXT: %[[DB:.+]] = mdl.where %[[LEB]], %[[G]], %[[Z]]
// CHECK-NEXT: %[[LO:.+]] = arith.constant dense<-1.000000e+00> : tensor<f32>
// CHECK-NEXT: %[[GEA:.+]] = mdl.greater_equal %[[A]], %[[LO]]
// CHECK-NEXT: %[[HI2:.+]] = arith.constant dense<2.000000e+00> : tensor<f32>
// CHECK-NEXT: %[[LEA:.+]] = mdl.less_equal %[[A]], %[[HI2]]
// CHECK-NEXT: %[[IN:.+]] = mdl.mul %[[GEA]], %[[LEA]]
// CHECK-NEXT: %[[Z2:.+]] = arith.constant dense<0.000000e+00> : tensor<f32>
// CHECK-NEXT: %[[DA:.+]] = mdl.where %[[IN]], %[[G]], %[[Z2]]
// CHECK-NEXT: return %{{.+}}, %[[DA]], %[[DB]] :
func.func @clamp(%a: tensor<8x3xf32> {mdl.param = @a}, %b: tensor<8x3xf32> {mdl.param = @b}) -> tensor<f32> attributes {mdl.loss} {
  %0 = mdl.clamp %a min = -1.0 max = 2.0 : tensor<8x3xf32>
  %1 = mdl.clamp %b max = 2.0 : tensor<8x3xf32>
  %2 = mdl.add %0, %1 : tensor<8x3xf32>, tensor<8x3xf32> -> tensor<8x3xf32>
  %3 = mdl.sum %2 axes = [0, 1] : tensor<8x3xf32> -> tensor<f32>
  return %3 : tensor<f32>
}

// -----

// pow: dx = g y x^(y-1), 0 where x^(y-1) is not finite (|.| < inf fails for
// inf and NaN); dy = g x^y log(x) for x > 0, else 0; both summed to the
// operand's shape.
// CHECK-LABEL: func.func @pow_grad
// CHECK-SAME: (%[[A:.+]]: tensor<8x3xf32> {mdl.param = @a}, %[[B:.+]]: tensor<3xf32> {mdl.param = @b})
// CHECK:      %[[Y:.+]] = mdl.pow %[[A]], %[[B]]
// CHECK:      %[[G:.+]] = mdl.broadcast_in_dim
// CHECK-NEXT: %[[ONE:.+]] = arith.constant dense<1.000000e+00> : tensor<f32>
// CHECK-NEXT: %[[YM1:.+]] = mdl.sub %[[B]], %[[ONE]] : tensor<3xf32>, tensor<f32> -> tensor<3xf32>
// CHECK-NEXT: %[[P:.+]] = mdl.pow %[[A]], %[[YM1]] : tensor<8x3xf32>, tensor<3xf32> -> tensor<8x3xf32>
// CHECK-NEXT: %[[INF:.+]] = arith.constant dense<0x7F800000> : tensor<f32>
// CHECK-NEXT: %[[AP:.+]] = mdl.abs %[[P]]
// CHECK-NEXT: %[[FIN:.+]] = mdl.less %[[AP]], %[[INF]]
// CHECK-NEXT: %[[GY:.+]] = mdl.mul %[[G]], %[[B]]
// CHECK-NEXT: %[[GYP:.+]] = mdl.mul %[[GY]], %[[P]]
// CHECK-NEXT: %[[Z:.+]] = arith.constant dense<0.000000e+00> : tensor<f32>
// CHECK-NEXT: %[[DA:.+]] = mdl.where %[[FIN]], %[[GYP]], %[[Z]]
// CHECK-NEXT: %[[Z2:.+]] = arith.constant dense<0.000000e+00> : tensor<f32>
// CHECK-NEXT: %[[POS:.+]] = mdl.greater %[[A]], %[[Z2]]
// CHECK-NEXT: %[[LOG:.+]] = mdl.log %[[A]]
// CHECK-NEXT: %[[GO:.+]] = mdl.mul %[[G]], %[[Y]]
// CHECK-NEXT: %[[GOL:.+]] = mdl.mul %[[GO]], %[[LOG]]
// CHECK-NEXT: %[[Z3:.+]] = arith.constant dense<0.000000e+00> : tensor<f32>
// CHECK-NEXT: %[[W:.+]] = mdl.where %[[POS]], %[[GOL]], %[[Z3]]
// CHECK-NEXT: %[[DB:.+]] = mdl.sum %[[W]] axes = [0] : tensor<8x3xf32> -> tensor<3xf32>
// CHECK-NEXT: return %{{.+}}, %[[DA]], %[[DB]] :
func.func @pow(%a: tensor<8x3xf32> {mdl.param = @a}, %b: tensor<3xf32> {mdl.param = @b}) -> tensor<f32> attributes {mdl.loss} {
  %0 = mdl.pow %a, %b : tensor<8x3xf32>, tensor<3xf32> -> tensor<8x3xf32>
  %1 = mdl.sum %0 axes = [0, 1] : tensor<8x3xf32> -> tensor<f32>
  return %1 : tensor<f32>
}

// -----

// maximum: the adjoint goes to the selected operand, ties to the first.
// CHECK-LABEL: func.func @maximum_grad
// CHECK-SAME: (%[[A:.+]]: tensor<8x3xf32> {mdl.param = @a}, %[[B:.+]]: tensor<3xf32> {mdl.param = @b})
// CHECK:      %[[G:.+]] = mdl.broadcast_in_dim
// CHECK-NEXT: %[[PICK:.+]] = mdl.greater_equal %[[A]], %[[B]] : tensor<8x3xf32>, tensor<3xf32> -> tensor<8x3xf32>
// CHECK-NEXT: %[[Z:.+]] = arith.constant dense<0.000000e+00> : tensor<f32>
// CHECK-NEXT: %[[DA:.+]] = mdl.where %[[PICK]], %[[G]], %[[Z]]
// CHECK-NEXT: %[[Z2:.+]] = arith.constant dense<0.000000e+00> : tensor<f32>
// CHECK-NEXT: %[[WB:.+]] = mdl.where %[[PICK]], %[[Z2]], %[[G]] : tensor<8x3xf32>, tensor<f32>, tensor<8x3xf32> -> tensor<8x3xf32>
// CHECK-NEXT: %[[DB:.+]] = mdl.sum %[[WB]] axes = [0] : tensor<8x3xf32> -> tensor<3xf32>
// CHECK-NEXT: return %{{.+}}, %[[DA]], %[[DB]] :
func.func @maximum(%a: tensor<8x3xf32> {mdl.param = @a}, %b: tensor<3xf32> {mdl.param = @b}) -> tensor<f32> attributes {mdl.loss} {
  %0 = mdl.maximum %a, %b : tensor<8x3xf32>, tensor<3xf32> -> tensor<8x3xf32>
  %1 = mdl.sum %0 axes = [0, 1] : tensor<8x3xf32> -> tensor<f32>
  return %1 : tensor<f32>
}

// -----

// minimum: as maximum with a <= b.
// CHECK-LABEL: func.func @minimum_grad
// CHECK-SAME: (%[[A:.+]]: tensor<8x3xf32> {mdl.param = @a}, %[[B:.+]]: tensor<3xf32> {mdl.param = @b})
// CHECK:      %[[G:.+]] = mdl.broadcast_in_dim
// CHECK-NEXT: %[[PICK:.+]] = mdl.less_equal %[[A]], %[[B]] : tensor<8x3xf32>, tensor<3xf32> -> tensor<8x3xf32>
// CHECK-NEXT: %[[Z:.+]] = arith.constant dense<0.000000e+00> : tensor<f32>
// CHECK-NEXT: %[[DA:.+]] = mdl.where %[[PICK]], %[[G]], %[[Z]]
// CHECK-NEXT: %[[Z2:.+]] = arith.constant dense<0.000000e+00> : tensor<f32>
// CHECK-NEXT: %[[WB:.+]] = mdl.where %[[PICK]], %[[Z2]], %[[G]]
// CHECK-NEXT: %[[DB:.+]] = mdl.sum %[[WB]] axes = [0] : tensor<8x3xf32> -> tensor<3xf32>
// CHECK-NEXT: return %{{.+}}, %[[DA]], %[[DB]] :
func.func @minimum(%a: tensor<8x3xf32> {mdl.param = @a}, %b: tensor<3xf32> {mdl.param = @b}) -> tensor<f32> attributes {mdl.loss} {
  %0 = mdl.minimum %a, %b : tensor<8x3xf32>, tensor<3xf32> -> tensor<8x3xf32>
  %1 = mdl.sum %0 axes = [0, 1] : tensor<8x3xf32> -> tensor<f32>
  return %1 : tensor<f32>
}

// -----

// where: the adjoint of each branch is g where it was selected, summed to its
// shape; the condition (a comparison mask) gets none: the mask's own adjoint
// (g * where(...), from the product) reaches mdl.greater, which has no
// adjoint, so nothing flows through the comparison into a or b.
// CHECK-LABEL: func.func @where_grad
// CHECK-SAME: (%[[A:.+]]: tensor<8x3xf32> {mdl.param = @a}, %[[B:.+]]: tensor<3xf32> {mdl.param = @b})
// CHECK:      %[[C:.+]] = mdl.greater %[[A]], %[[B]]
// CHECK:      %[[G:.+]] = mdl.broadcast_in_dim
// CHECK-NEXT: %[[GW:.+]] = mdl.mul %[[G]], %[[C]]
// CHECK-NEXT: mdl.mul %[[G]], %{{.+}}
// CHECK-NEXT: %[[Z:.+]] = arith.constant dense<0.000000e+00> : tensor<f32>
// CHECK-NEXT: %[[DA:.+]] = mdl.where %[[C]], %[[GW]], %[[Z]]
// CHECK-NEXT: %[[Z2:.+]] = arith.constant dense<0.000000e+00> : tensor<f32>
// CHECK-NEXT: %[[WB:.+]] = mdl.where %[[C]], %[[Z2]], %[[GW]]
// CHECK-NEXT: %[[DB:.+]] = mdl.sum %[[WB]] axes = [0] : tensor<8x3xf32> -> tensor<3xf32>
// CHECK-NEXT: return %{{.+}}, %[[DA]], %[[DB]] :
func.func @where(%a: tensor<8x3xf32> {mdl.param = @a}, %b: tensor<3xf32> {mdl.param = @b}) -> tensor<f32> attributes {mdl.loss} {
  %c = mdl.greater %a, %b : tensor<8x3xf32>, tensor<3xf32> -> tensor<8x3xf32>
  %0 = mdl.where %c, %a, %b : tensor<8x3xf32>, tensor<8x3xf32>, tensor<3xf32> -> tensor<8x3xf32>
  %1 = mdl.mul %0, %c : tensor<8x3xf32>, tensor<8x3xf32> -> tensor<8x3xf32>
  %2 = mdl.sum %1 axes = [0, 1] : tensor<8x3xf32> -> tensor<f32>
  return %2 : tensor<f32>
}

// -----

// max/min over axes: the adjoint goes to the elements equal to the result,
// split evenly between ties: hit = (x == y), g / sum(hit), times hit.
// CHECK-LABEL: func.func @max_min_grad
// CHECK-SAME: (%[[A:.+]]: tensor<8x3xf32> {mdl.param = @a}, %[[B:.+]]: tensor<8x3xf32> {mdl.param = @b})
// CHECK:      %[[MX:.+]] = mdl.max %[[A]] axes = [1] : tensor<8x3xf32> -> tensor<8xf32>
// CHECK-NEXT: %[[MN:.+]] = mdl.min %[[B]] axes = [0] : tensor<8x3xf32> -> tensor<3xf32>
// CHECK:      %[[GB:.+]] = mdl.broadcast_in_dim %{{.+}} dims = [] : tensor<f32> -> tensor<3xf32>
// CHECK-NEXT: %[[GA:.+]] = mdl.broadcast_in_dim %{{.+}} dims = [] : tensor<f32> -> tensor<8xf32>
// CHECK-NEXT: %[[YB:.+]] = mdl.broadcast_in_dim %[[MN]] dims = [1] : tensor<3xf32> -> tensor<8x3xf32>
// CHECK-NEXT: %[[HB:.+]] = mdl.equal %[[B]], %[[YB]]
// CHECK-NEXT: %[[NB:.+]] = mdl.sum %[[HB]] axes = [0] : tensor<8x3xf32> -> tensor<3xf32>
// CHECK-NEXT: %[[SB:.+]] = mdl.div %[[GB]], %[[NB]] : tensor<3xf32>, tensor<3xf32> -> tensor<3xf32>
// CHECK-NEXT: %[[SBB:.+]] = mdl.broadcast_in_dim %[[SB]] dims = [1] : tensor<3xf32> -> tensor<8x3xf32>
// CHECK-NEXT: %[[DB:.+]] = mdl.mul %[[HB]], %[[SBB]]
// CHECK-NEXT: %[[YA:.+]] = mdl.broadcast_in_dim %[[MX]] dims = [0] : tensor<8xf32> -> tensor<8x3xf32>
// CHECK-NEXT: %[[HA:.+]] = mdl.equal %[[A]], %[[YA]]
// CHECK-NEXT: %[[NA:.+]] = mdl.sum %[[HA]] axes = [1] : tensor<8x3xf32> -> tensor<8xf32>
// CHECK-NEXT: %[[SA:.+]] = mdl.div %[[GA]], %[[NA]]
// CHECK-NEXT: %[[SAB:.+]] = mdl.broadcast_in_dim %[[SA]] dims = [0] : tensor<8xf32> -> tensor<8x3xf32>
// CHECK-NEXT: %[[DA:.+]] = mdl.mul %[[HA]], %[[SAB]]
// CHECK-NEXT: return %{{.+}}, %[[DA]], %[[DB]] :
func.func @max_min(%a: tensor<8x3xf32> {mdl.param = @a}, %b: tensor<8x3xf32> {mdl.param = @b}) -> tensor<f32> attributes {mdl.loss} {
  %0 = mdl.max %a axes = [1] : tensor<8x3xf32> -> tensor<8xf32>
  %1 = mdl.min %b axes = [0] : tensor<8x3xf32> -> tensor<3xf32>
  %2 = mdl.sum %0 axes = [0] : tensor<8xf32> -> tensor<f32>
  %3 = mdl.sum %1 axes = [0] : tensor<3xf32> -> tensor<f32>
  %4 = mdl.add %2, %3 : tensor<f32>, tensor<f32> -> tensor<f32>
  return %4 : tensor<f32>
}

// -----

// logsumexp' = exp(x - lse) (the softmax over the reduced axes), from the
// saved result.
// CHECK-LABEL: func.func @logsumexp_grad
// CHECK-SAME: (%[[A:.+]]: tensor<8x3xf32> {mdl.param = @a})
// CHECK:      %[[Y:.+]] = mdl.logsumexp %[[A]] axes = [1]
// CHECK:      %[[G:.+]] = mdl.broadcast_in_dim %{{.+}} dims = [] : tensor<f32> -> tensor<8xf32>
// CHECK-NEXT: %[[YB:.+]] = mdl.broadcast_in_dim %[[Y]] dims = [0] : tensor<8xf32> -> tensor<8x3xf32>
// CHECK-NEXT: %[[D:.+]] = mdl.sub %[[A]], %[[YB]]
// CHECK-NEXT: %[[P:.+]] = mdl.exp %[[D]]
// CHECK-NEXT: %[[GB:.+]] = mdl.broadcast_in_dim %[[G]] dims = [0] : tensor<8xf32> -> tensor<8x3xf32>
// CHECK-NEXT: %[[DA:.+]] = mdl.mul %[[GB]], %[[P]]
// CHECK-NEXT: return %{{.+}}, %[[DA]] :
func.func @logsumexp(%a: tensor<8x3xf32> {mdl.param = @a}) -> tensor<f32> attributes {mdl.loss} {
  %0 = mdl.logsumexp %a axes = [1] : tensor<8x3xf32> -> tensor<8xf32>
  %1 = mdl.sum %0 axes = [0] : tensor<8xf32> -> tensor<f32>
  return %1 : tensor<f32>
}

// -----

// variance' = 2 (x - mean) / n' with n' = n (population: 2/8 over 8 rows)
// or n - 1 (unbiased: 2/23 over all 24 elements).
// CHECK-LABEL: func.func @variance_grad
// CHECK-SAME: (%[[A:.+]]: tensor<8x3xf32> {mdl.param = @a}, %[[B:.+]]: tensor<8x3xf32> {mdl.param = @b})
// CHECK:      %[[ONE:.+]] = arith.constant dense<1.000000e+00> : tensor<f32>
// CHECK-NEXT: %[[GA:.+]] = mdl.broadcast_in_dim %[[ONE]] dims = [] : tensor<f32> -> tensor<3xf32>
// CHECK-NEXT: %[[MB:.+]] = mdl.mean %[[B]] axes = [0, 1] : tensor<8x3xf32> -> tensor<f32>
// CHECK-NEXT: %[[MBB:.+]] = mdl.broadcast_in_dim %[[MB]] dims = [] : tensor<f32> -> tensor<8x3xf32>
// CHECK-NEXT: %[[DEVB:.+]] = mdl.sub %[[B]], %[[MBB]]
// CHECK-NEXT: %[[CB:.+]] = arith.constant dense<0.0869565233> : tensor<f32>
// CHECK-NEXT: %[[SB:.+]] = mdl.mul %[[ONE]], %[[CB]] : tensor<f32>, tensor<f32> -> tensor<f32>
// CHECK-NEXT: %[[SBB:.+]] = mdl.broadcast_in_dim %[[SB]] dims = [] : tensor<f32> -> tensor<8x3xf32>
// CHECK-NEXT: %[[DB:.+]] = mdl.mul %[[DEVB]], %[[SBB]]
// CHECK-NEXT: %[[MA:.+]] = mdl.mean %[[A]] axes = [0] : tensor<8x3xf32> -> tensor<3xf32>
// CHECK-NEXT: %[[MAB:.+]] = mdl.broadcast_in_dim %[[MA]] dims = [1] : tensor<3xf32> -> tensor<8x3xf32>
// CHECK-NEXT: %[[DEVA:.+]] = mdl.sub %[[A]], %[[MAB]]
// CHECK-NEXT: %[[CA:.+]] = arith.constant dense<2.500000e-01> : tensor<f32>
// CHECK-NEXT: %[[SA:.+]] = mdl.mul %[[GA]], %[[CA]] : tensor<3xf32>, tensor<f32> -> tensor<3xf32>
// CHECK-NEXT: %[[SAB:.+]] = mdl.broadcast_in_dim %[[SA]] dims = [1] : tensor<3xf32> -> tensor<8x3xf32>
// CHECK-NEXT: %[[DA:.+]] = mdl.mul %[[DEVA]], %[[SAB]]
// CHECK-NEXT: return %{{.+}}, %[[DA]], %[[DB]] :
func.func @variance(%a: tensor<8x3xf32> {mdl.param = @a}, %b: tensor<8x3xf32> {mdl.param = @b}) -> tensor<f32> attributes {mdl.loss} {
  %0 = mdl.variance %a axes = [0] : tensor<8x3xf32> -> tensor<3xf32>
  %1 = mdl.variance %b axes = [0, 1] unbiased : tensor<8x3xf32> -> tensor<f32>
  %2 = mdl.sum %0 axes = [0] : tensor<3xf32> -> tensor<f32>
  %3 = mdl.add %2, %1 : tensor<f32>, tensor<f32> -> tensor<f32>
  return %3 : tensor<f32>
}

// -----

// softmax' : y * (g - sum(g * y)) along the axis, from the saved result y.
// CHECK-LABEL: func.func @softmax_grad
// CHECK-SAME: (%[[A:.+]]: tensor<8x3xf32> {mdl.param = @a}, %[[W:.+]]: tensor<8x3xf32> {mdl.param = @w})
// CHECK:      %[[Y:.+]] = mdl.softmax %[[A]] axis = 1
// CHECK:      %[[G:.+]] = mdl.broadcast_in_dim
// CHECK-NEXT: %[[GY:.+]] = mdl.mul %[[G]], %[[W]]
// CHECK-NEXT: %[[DW:.+]] = mdl.mul %[[G]], %[[Y]]
// CHECK-NEXT: %[[P:.+]] = mdl.mul %[[GY]], %[[Y]]
// CHECK-NEXT: %[[S:.+]] = mdl.sum %[[P]] axes = [1] : tensor<8x3xf32> -> tensor<8xf32>
// CHECK-NEXT: %[[SB:.+]] = mdl.broadcast_in_dim %[[S]] dims = [0] : tensor<8xf32> -> tensor<8x3xf32>
// CHECK-NEXT: %[[D:.+]] = mdl.sub %[[GY]], %[[SB]]
// CHECK-NEXT: %[[DA:.+]] = mdl.mul %[[Y]], %[[D]]
// CHECK-NEXT: return %{{.+}}, %[[DA]], %[[DW]] :
func.func @softmax(%a: tensor<8x3xf32> {mdl.param = @a}, %w: tensor<8x3xf32> {mdl.param = @w}) -> tensor<f32> attributes {mdl.loss} {
  %0 = mdl.softmax %a axis = 1 : tensor<8x3xf32>
  %1 = mdl.mul %0, %w : tensor<8x3xf32>, tensor<8x3xf32> -> tensor<8x3xf32>
  %2 = mdl.sum %1 axes = [0, 1] : tensor<8x3xf32> -> tensor<f32>
  return %2 : tensor<f32>
}

// -----

// log_softmax' : g - exp(y) * sum(g) along the axis (here axis 0).
// CHECK-LABEL: func.func @log_softmax_grad
// CHECK:      %[[Y:.+]] = mdl.log_softmax %{{.+}} axis = 0
// CHECK:      %[[G:.+]] = mdl.broadcast_in_dim
// CHECK-NEXT: %[[S:.+]] = mdl.sum %[[G]] axes = [0] : tensor<8x3xf32> -> tensor<3xf32>
// CHECK-NEXT: %[[SB:.+]] = mdl.broadcast_in_dim %[[S]] dims = [1] : tensor<3xf32> -> tensor<8x3xf32>
// CHECK-NEXT: %[[P:.+]] = mdl.exp %[[Y]]
// CHECK-NEXT: %[[PS:.+]] = mdl.mul %[[P]], %[[SB]]
// CHECK-NEXT: %[[DA:.+]] = mdl.sub %[[G]], %[[PS]]
// CHECK-NEXT: return %{{.+}}, %[[DA]] :
func.func @log_softmax(%a: tensor<8x3xf32> {mdl.param = @a}) -> tensor<f32> attributes {mdl.loss} {
  %0 = mdl.log_softmax %a axis = 0 : tensor<8x3xf32>
  %1 = mdl.sum %0 axes = [0, 1] : tensor<8x3xf32> -> tensor<f32>
  return %1 : tensor<f32>
}

// -----

// The new losses with a row mask: each gets its grad op (the mask and the
// integer labels get no adjoint). p is a prediction of l1 and bce, the
// log-probabilities of nll and the logits of the soft-target cross-entropy;
// q is a target (huber's, bce's and the cross-entropy's probabilities):
// huber's target adjoint is the negated prediction adjoint, bce and the
// cross-entropy have their own target forms (wrt_target / wrt_targets).
// CHECK-LABEL: func.func @losses_grad
// CHECK-SAME: (%[[P:.+]]: tensor<8x3xf32> {mdl.param = @p}, %[[Q:.+]]: tensor<8x3xf32> {mdl.param = @q}, %[[T:.+]]: tensor<8x3xf32> {mdl.input = "t"}, %[[Y:.+]]: tensor<8xi32> {mdl.input = "y"}, %[[M:.+]]: tensor<8xf32> {mdl.mask})
// CHECK:      %[[ONE:.+]] = arith.constant dense<1.000000e+00> : tensor<f32>
// CHECK-NEXT: %[[XP:.+]] = mdl.softmax_cross_entropy_grad %[[ONE]], %[[P]], %[[Q]] mask %[[M]] : tensor<f32>, tensor<8x3xf32>, tensor<8x3xf32>, tensor<8xf32> -> tensor<8x3xf32>
// CHECK-NEXT: %[[XQ:.+]] = mdl.softmax_cross_entropy_grad %[[ONE]], %[[P]], %[[Q]] mask %[[M]] wrt_targets :
// CHECK-NEXT: %[[NP:.+]] = mdl.nll_grad %[[ONE]], %[[P]], %[[Y]] mask %[[M]] : tensor<f32>, tensor<8x3xf32>, tensor<8xi32>, tensor<8xf32> -> tensor<8x3xf32>
// CHECK-NEXT: %[[S1:.+]] = mdl.add %[[XP]], %[[NP]]
// CHECK-NEXT: %[[BP:.+]] = mdl.bce_with_logits_grad %[[ONE]], %[[P]], %[[Q]] mask %[[M]] : tensor<f32>, tensor<8x3xf32>, tensor<8xf32> -> tensor<8x3xf32>
// CHECK-NEXT: %[[BQ:.+]] = mdl.bce_with_logits_grad %[[ONE]], %[[P]], %[[Q]] mask %[[M]] wrt_target :
// CHECK-NEXT: %[[S2:.+]] = mdl.add %[[S1]], %[[BP]]
// CHECK-NEXT: %[[S3:.+]] = mdl.add %[[XQ]], %[[BQ]]
// CHECK-NEXT: %[[HT:.+]] = mdl.huber_grad %[[ONE]], %[[T]], %[[Q]] mask %[[M]] delta = 5.000000e-01 :
// CHECK-NEXT: %[[HQ:.+]] = mdl.neg %[[HT]]
// CHECK-NEXT: %[[DQ:.+]] = mdl.add %[[S3]], %[[HQ]]
// CHECK-NEXT: %[[LP:.+]] = mdl.l1_grad %[[ONE]], %[[P]], %[[T]] mask %[[M]] :
// CHECK-NEXT: %[[DP:.+]] = mdl.add %[[S2]], %[[LP]]
// CHECK-NEXT: return %{{.+}}, %[[DP]], %[[DQ]] :
func.func @losses(%p: tensor<8x3xf32> {mdl.param = @p}, %q: tensor<8x3xf32> {mdl.param = @q}, %t: tensor<8x3xf32> {mdl.input = "t"}, %y: tensor<8xi32> {mdl.input = "y"}, %m: tensor<8xf32> {mdl.mask}) -> tensor<f32> attributes {mdl.loss} {
  %0 = mdl.l1 %p, %t mask %m : tensor<8x3xf32>, tensor<8x3xf32>, tensor<8xf32> -> tensor<f32>
  %1 = mdl.huber %t, %q mask %m delta = 0.5 : tensor<8x3xf32>, tensor<8x3xf32>, tensor<8xf32> -> tensor<f32>
  %2 = mdl.bce_with_logits %p, %q mask %m : tensor<8x3xf32>, tensor<8x3xf32>, tensor<8xf32> -> tensor<f32>
  %3 = mdl.nll %p, %y mask %m : tensor<8x3xf32>, tensor<8xi32>, tensor<8xf32> -> tensor<f32>
  %4 = mdl.softmax_cross_entropy %p, %q mask %m : tensor<8x3xf32>, tensor<8x3xf32>, tensor<8xf32> -> tensor<f32>
  %5 = mdl.add %0, %1 : tensor<f32>, tensor<f32> -> tensor<f32>
  %6 = mdl.add %5, %2 : tensor<f32>, tensor<f32> -> tensor<f32>
  %7 = mdl.add %6, %3 : tensor<f32>, tensor<f32> -> tensor<f32>
  %8 = mdl.add %7, %4 : tensor<f32>, tensor<f32> -> tensor<f32>
  return %8 : tensor<f32>
}
