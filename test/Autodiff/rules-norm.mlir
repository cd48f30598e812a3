// RUN: adjoint-opt %s -split-input-file --adjoint-autodiff | FileCheck %s

// The IR adjoint-autodiff builds for layer_norm, batch_norm, dropout and
// embedding (no cleanup passes; every loss is an mdl.sum, whose adjoint
// broadcast [[G]] is the adjoint reaching the op under test).

// layer_norm reuses its saved statistics: xhat = (x - mean) rstd,
// g = dy gamma, dx = rstd (g - mean(g) - xhat mean(g xhat)) over the
// normalized axis (1/8 = 0.125), dgamma = sum(dy xhat), dbeta = sum(dy)
// over the other axes. The statistics results are unused: their zero
// adjoints add nothing.
// CHECK-LABEL: func.func @ln_grad
// CHECK-SAME: (%[[X:.+]]: tensor<4x8xf32> {mdl.param = @x}, %[[GAM:.+]]: tensor<8xf32> {mdl.param = @g}
// CHECK:      %{{.+}}, %[[MU:.+]], %[[RS:.+]] = mdl.layer_norm %[[X]], %[[GAM]], %{{.+}} axes = [1] eps = 1.000000e-05
// CHECK:      %[[G:.+]] = mdl.broadcast_in_dim %{{.+}} dims = [] : tensor<f32> -> tensor<4x8xf32>
// CHECK:      %[[MUB:.+]] = mdl.broadcast_in_dim %[[MU]] dims = [0] : tensor<4xf32> -> tensor<4x8xf32>
// CHECK-NEXT: %[[RSB:.+]] = mdl.broadcast_in_dim %[[RS]] dims = [0] : tensor<4xf32> -> tensor<4x8xf32>
// CHECK-NEXT: %[[C:.+]] = mdl.sub %[[X]], %[[MUB]]
// CHECK-NEXT: %[[XH:.+]] = mdl.mul %[[C]], %[[RSB]]
// CHECK-NEXT: %[[GB:.+]] = mdl.broadcast_in_dim %[[GAM]] dims = [1] : tensor<8xf32> -> tensor<4x8xf32>
// CHECK-NEXT: %[[GG:.+]] = mdl.mul %[[G]], %[[GB]]
// CHECK-NEXT: %[[INV:.+]] = arith.constant dense<1.250000e-01> : tensor<f32>
// CHECK-NEXT: %[[S1:.+]] = mdl.sum %[[GG]] axes = [1] : tensor<4x8xf32> -> tensor<4xf32>
// CHECK-NEXT: %[[M1:.+]] = mdl.mul %[[S1]], %[[INV]]
// CHECK-NEXT: %[[GX:.+]] = mdl.mul %[[GG]], %[[XH]]
// CHECK-NEXT: %[[S2:.+]] = mdl.sum %[[GX]] axes = [1] : tensor<4x8xf32> -> tensor<4xf32>
// CHECK-NEXT: %[[M2:.+]] = mdl.mul %[[S2]], %[[INV]]
// CHECK-NEXT: %[[M1B:.+]] = mdl.broadcast_in_dim %[[M1]] dims = [0]
// CHECK-NEXT: %[[T1:.+]] = mdl.sub %[[GG]], %[[M1B]]
// CHECK-NEXT: %[[M2B:.+]] = mdl.broadcast_in_dim %[[M2]] dims = [0]
// CHECK-NEXT: %[[T2:.+]] = mdl.mul %[[XH]], %[[M2B]]
// CHECK-NEXT: %[[T3:.+]] = mdl.sub %[[T1]], %[[T2]]
// CHECK-NEXT: %[[DX:.+]] = mdl.mul %[[RSB]], %[[T3]]
// CHECK-NEXT: %[[DYX:.+]] = mdl.mul %[[G]], %[[XH]]
// CHECK-NEXT: %[[DG:.+]] = mdl.sum %[[DYX]] axes = [0] : tensor<4x8xf32> -> tensor<8xf32>
// CHECK-NEXT: %[[DB:.+]] = mdl.sum %[[G]] axes = [0] : tensor<4x8xf32> -> tensor<8xf32>
// CHECK-NEXT: return %{{.+}}, %[[DX]], %[[DG]], %[[DB]] :
func.func @ln(%x: tensor<4x8xf32> {mdl.param = @x}, %g: tensor<8xf32> {mdl.param = @g}, %b: tensor<8xf32> {mdl.param = @b}) -> tensor<f32> attributes {mdl.loss} {
  %y, %mu, %rs = mdl.layer_norm %x, %g, %b axes = [1] eps = 1.0e-05 : tensor<4x8xf32>, tensor<8xf32>, tensor<8xf32> -> tensor<4x8xf32>, tensor<4xf32>, tensor<4xf32>
  %1 = mdl.sum %y axes = [0, 1] : tensor<4x8xf32> -> tensor<f32>
  return %1 : tensor<f32>
}

// -----

// A scalar gain and bias get the sum over every axis (x is not a param:
// no dx is built).
// CHECK-LABEL: func.func @ln_scalar_grad
// CHECK:      %[[G:.+]] = mdl.broadcast_in_dim %{{.+}} dims = [] : tensor<f32> -> tensor<4x8xf32>
// CHECK:      %[[DG:.+]] = mdl.sum %{{.+}} axes = [0, 1] : tensor<4x8xf32> -> tensor<f32>
// CHECK-NEXT: %[[DB:.+]] = mdl.sum %[[G]] axes = [0, 1] : tensor<4x8xf32> -> tensor<f32>
// CHECK-NEXT: return %{{.+}}, %[[DG]], %[[DB]] :
func.func @ln_scalar(%x: tensor<4x8xf32>, %g: tensor<f32> {mdl.param = @g}, %b: tensor<f32> {mdl.param = @b}) -> tensor<f32> attributes {mdl.loss} {
  %y, %mu, %rs = mdl.layer_norm %x, %g, %b axes = [1] eps = 1.0e-05 : tensor<4x8xf32>, tensor<f32>, tensor<f32> -> tensor<4x8xf32>, tensor<4xf32>, tensor<4xf32>
  %1 = mdl.sum %y axes = [0, 1] : tensor<4x8xf32> -> tensor<f32>
  return %1 : tensor<f32>
}

// -----

// batch_norm with a row mask: n = sum(mask) (no other axes), rstd from the
// saved variance, per-channel sums over all rows s1 = sum(dy),
// s2 = sum(dy xhat); dx = (dy - m (xhat s2 / n + s1 / n)) gamma rstd;
// dgamma = s2, dbeta = s1; the mask gets no adjoint.
// CHECK-LABEL: func.func @bn_grad
// CHECK-SAME: (%[[X:.+]]: tensor<6x4xf32> {mdl.param = @x}, %[[GAM:.+]]: tensor<4xf32> {mdl.param = @g}, %{{.+}}: tensor<4xf32> {mdl.param = @b}, %[[M:.+]]: tensor<6xf32> {mdl.mask})
// CHECK:      %{{.+}}, %[[MU:.+]], %[[VAR:.+]] = mdl.batch_norm %[[X]], %[[GAM]], %{{.+}} mask %[[M]] eps = 1.000000e-03
// CHECK:      %[[G:.+]] = mdl.broadcast_in_dim %{{.+}} dims = [] : tensor<f32> -> tensor<6x4xf32>
// CHECK:      %[[MB:.+]] = mdl.broadcast_in_dim %[[M]] dims = [0] : tensor<6xf32> -> tensor<6x4xf32>
// CHECK-NEXT: %[[N:.+]] = mdl.sum %[[M]] axes = [0] : tensor<6xf32> -> tensor<f32>
// CHECK-NEXT: %[[EPS:.+]] = arith.constant dense<1.000000e-03> : tensor<f32>
// CHECK-NEXT: %[[VE:.+]] = mdl.add %[[VAR]], %[[EPS]]
// CHECK-NEXT: %[[RS:.+]] = mdl.rsqrt %[[VE]] : tensor<4xf32>
// CHECK-NEXT: %[[C:.+]] = mdl.sub %[[X]], %[[MU]] : tensor<6x4xf32>, tensor<4xf32> -> tensor<6x4xf32>
// CHECK-NEXT: %[[XH:.+]] = mdl.mul %[[C]], %[[RS]] : tensor<6x4xf32>, tensor<4xf32> -> tensor<6x4xf32>
// CHECK-NEXT: %[[S1:.+]] = mdl.sum %[[G]] axes = [0] : tensor<6x4xf32> -> tensor<4xf32>
// CHECK-NEXT: %[[GX:.+]] = mdl.mul %[[G]], %[[XH]]
// CHECK-NEXT: %[[S2:.+]] = mdl.sum %[[GX]] axes = [0] : tensor<6x4xf32> -> tensor<4xf32>
// CHECK-NEXT: %[[T1:.+]] = mdl.div %[[S1]], %[[N]]
// CHECK-NEXT: %[[Q:.+]] = mdl.div %[[S2]], %[[N]]
// CHECK-NEXT: %[[T2:.+]] = mdl.mul %[[XH]], %[[Q]]
// CHECK-NEXT: %[[T:.+]] = mdl.add %[[T2]], %[[T1]]
// CHECK-NEXT: %[[TM:.+]] = mdl.mul %[[T]], %[[MB]]
// CHECK-NEXT: %[[IN:.+]] = mdl.sub %[[G]], %[[TM]]
// CHECK-NEXT: %[[GR:.+]] = mdl.mul %[[GAM]], %[[RS]]
// CHECK-NEXT: %[[DX:.+]] = mdl.mul %[[IN]], %[[GR]]
// CHECK-NEXT: return %{{.+}}, %[[DX]], %[[S2]], %[[S1]] :
func.func @bn(%x: tensor<6x4xf32> {mdl.param = @x}, %g: tensor<4xf32> {mdl.param = @g}, %b: tensor<4xf32> {mdl.param = @b}, %m: tensor<6xf32> {mdl.mask}) -> tensor<f32> attributes {mdl.loss} {
  %y, %mu, %var = mdl.batch_norm %x, %g, %b mask %m eps = 1.0e-03 : tensor<6x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<6xf32> -> tensor<6x4xf32>, tensor<4xf32>, tensor<4xf32>
  %1 = mdl.sum %y axes = [0, 1] : tensor<6x4xf32> -> tensor<f32>
  return %1 : tensor<f32>
}

// -----

// NHWC without a mask: n is the constant B*H*W = 2*3*5 = 30 and the sums
// run over axes 0, 1, 2.
// CHECK-LABEL: func.func @bn4_grad
// CHECK:      arith.constant dense<3.000000e+01> : tensor<f32>
// CHECK:      mdl.sum %{{.+}} axes = [0, 1, 2] : tensor<2x3x5x4xf32> -> tensor<4xf32>
// CHECK:      mdl.sum %{{.+}} axes = [0, 1, 2] : tensor<2x3x5x4xf32> -> tensor<4xf32>
func.func @bn4(%x: tensor<2x3x5x4xf32> {mdl.param = @x}, %g: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<f32> attributes {mdl.loss} {
  %y, %mu, %var = mdl.batch_norm %x, %g, %b eps = 1.0e-05 : tensor<2x3x5x4xf32>, tensor<4xf32>, tensor<4xf32> -> tensor<2x3x5x4xf32>, tensor<4xf32>, tensor<4xf32>
  %1 = mdl.sum %y axes = [0, 1, 2, 3] : tensor<2x3x5x4xf32> -> tensor<f32>
  return %1 : tensor<f32>
}

// -----

// The statistics as results: a used mean adds m dmean / n to dx (here the
// whole adjoint of x comes through it, the normalized output is unused).
// CHECK-LABEL: func.func @bn_mean_grad
// CHECK:      %[[DM:.+]] = mdl.broadcast_in_dim %{{.+}} dims = [] : tensor<f32> -> tensor<4xf32>
// CHECK:      %[[E:.+]] = mdl.broadcast_in_dim %[[DM]] dims = [1] : tensor<4xf32> -> tensor<6x4xf32>
// CHECK-NEXT: %[[Q:.+]] = mdl.div %[[E]], %{{.+}} : tensor<6x4xf32>, tensor<f32> -> tensor<6x4xf32>
// CHECK-NEXT: %[[QM:.+]] = mdl.mul %[[Q]], %{{.+}} : tensor<6x4xf32>, tensor<6x4xf32> -> tensor<6x4xf32>
// CHECK-NEXT: %[[DX:.+]] = mdl.add %{{.+}}, %[[QM]]
// CHECK-NEXT: return %{{.+}}, %[[DX]] :
func.func @bn_mean(%x: tensor<6x4xf32> {mdl.param = @x}, %g: tensor<4xf32>, %b: tensor<4xf32>, %m: tensor<6xf32> {mdl.mask}) -> tensor<f32> attributes {mdl.loss} {
  %y, %mu, %var = mdl.batch_norm %x, %g, %b mask %m eps = 1.0e-05 : tensor<6x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<6xf32> -> tensor<6x4xf32>, tensor<4xf32>, tensor<4xf32>
  %1 = mdl.sum %mu axes = [0] : tensor<4xf32> -> tensor<f32>
  return %1 : tensor<f32>
}

// -----

// dropout is linear: its adjoint is the same dropout (same step, seed,
// stream, so the same mask) of the result adjoint; the step gets none.
// CHECK-LABEL: func.func @drop_grad
// CHECK:      %[[S:.+]] = mdl.rng_step : tensor<i32>
// CHECK:      mdl.dropout %{{.+}}, %[[S]] p = 2.500000e-01 seed = 7 stream = 3
// CHECK:      %[[G:.+]] = mdl.broadcast_in_dim %{{.+}} dims = [] : tensor<f32> -> tensor<4x8xf32>
// CHECK-NEXT: %[[D:.+]] = mdl.dropout %[[G]], %[[S]] p = 2.500000e-01 seed = 7 stream = 3 : tensor<4x8xf32>, tensor<i32> -> tensor<4x8xf32>
// CHECK-NEXT: return %{{.+}}, %[[D]] :
func.func @drop(%x: tensor<4x8xf32> {mdl.param = @x}) -> tensor<f32> attributes {mdl.loss} {
  %s = mdl.rng_step : tensor<i32>
  %y = mdl.dropout %x, %s p = 0.25 seed = 7 stream = 3 : tensor<4x8xf32>, tensor<i32> -> tensor<4x8xf32>
  %1 = mdl.sum %y axes = [0, 1] : tensor<4x8xf32> -> tensor<f32>
  return %1 : tensor<f32>
}

// -----

// embedding: the table adjoint is a scatter-add of the row adjoints by id.
// CHECK-LABEL: func.func @emb_grad
// CHECK-SAME: (%[[IDS:.+]]: tensor<4x3xi32>, %[[T:.+]]: tensor<10x5xf32> {mdl.param = @t})
// CHECK:      %[[G:.+]] = mdl.broadcast_in_dim %{{.+}} dims = [] : tensor<f32> -> tensor<4x3x5xf32>
// CHECK-NEXT: %[[D:.+]] = mdl.embedding_grad %[[G]], %[[IDS]] : tensor<4x3x5xf32>, tensor<4x3xi32> -> tensor<10x5xf32>
// CHECK-NEXT: return %{{.+}}, %[[D]] :
func.func @emb(%ids: tensor<4x3xi32>, %t: tensor<10x5xf32> {mdl.param = @t}) -> tensor<f32> attributes {mdl.loss} {
  %y = mdl.embedding %ids, %t : tensor<4x3xi32>, tensor<10x5xf32> -> tensor<4x3x5xf32>
  %1 = mdl.sum %y axes = [0, 1, 2] : tensor<4x3x5xf32> -> tensor<f32>
  return %1 : tensor<f32>
}
