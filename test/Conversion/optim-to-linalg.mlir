// RUN: adjoint-opt %s -split-input-file --convert-optim-to-linalg | FileCheck %s

// SGD is an elementwise generic that reads the gradient and writes the
// parameter itself (outs = param), marked adjoint.update for code generation.
// CHECK-DAG: #[[ID:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @sgd
// CHECK-SAME: (%[[W:.+]]: tensor<4x3xf32>, %[[G:.+]]: tensor<4x3xf32>, %[[LR:.+]]: f32)
// CHECK-NOT:  tensor.empty
// CHECK:      %[[R:.+]] = linalg.generic {indexing_maps = [#[[ID]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[G]] : tensor<4x3xf32>) outs(%[[W]] : tensor<4x3xf32>) attrs = {adjoint.update}
// CHECK-NEXT: ^bb0(%[[GI:.+]]: f32, %[[WI:.+]]: f32):
// CHECK-NEXT:   %[[STEP:.+]] = arith.mulf %[[LR]], %[[GI]] : f32
// CHECK-NEXT:   %[[NEW:.+]] = arith.subf %[[WI]], %[[STEP]] : f32
// CHECK-NEXT:   linalg.yield %[[NEW]] : f32
// CHECK:      return %[[R]]
// CHECK-NOT:  optim.
func.func @sgd(%w: tensor<4x3xf32>, %g: tensor<4x3xf32>, %lr: f32) -> tensor<4x3xf32> {
  %0 = optim.sgd %w, %g, %lr : tensor<4x3xf32>, f32
  return %0 : tensor<4x3xf32>
}

// -----

// CHECK-LABEL: func.func @sgd_scalar
// CHECK-SAME: (%[[W:.+]]: tensor<f64>, %[[G:.+]]: tensor<f64>, %[[LR:.+]]: f64)
// CHECK:      linalg.generic {indexing_maps = [#{{.+}}, #{{.+}}], iterator_types = []} ins(%[[G]] : tensor<f64>) outs(%[[W]] : tensor<f64>) attrs = {adjoint.update}
// CHECK:        arith.mulf %[[LR]], %{{.+}} : f64
func.func @sgd_scalar(%w: tensor<f64>, %g: tensor<f64>, %lr: f64) -> tensor<f64> {
  %0 = optim.sgd %w, %g, %lr : tensor<f64>, f64
  return %0 : tensor<f64>
}

// -----

// Momentum: one generic writes both the parameter and the buffer in place:
// buf' = mu * buf + g; param' = param - lr * buf'. (The operand order of the
// commutative ops is not checked.)
// CHECK-DAG: #[[ID:.+]] = affine_map<(d0) -> (d0)>
// CHECK-LABEL: func.func @momentum
// CHECK-SAME: (%[[W:.+]]: tensor<10xf32>, %[[G:.+]]: tensor<10xf32>, %[[B:.+]]: tensor<10xf32>, %[[LR:.+]]: f32)
// CHECK:      %[[R:.+]]:2 = linalg.generic {indexing_maps = [#[[ID]], #[[ID]], #[[ID]]], iterator_types = ["parallel"]} ins(%[[G]] : tensor<10xf32>) outs(%[[W]], %[[B]] : tensor<10xf32>, tensor<10xf32>) attrs = {adjoint.update}
// CHECK-NEXT: ^bb0(%[[GI:.+]]: f32, %[[WI:.+]]: f32, %[[BI:.+]]: f32):
// CHECK-NEXT:   %[[MU:.+]] = arith.constant 0.899999976 : f32
// CHECK-NEXT:   %[[MB:.+]] = arith.mulf {{(%[^ ,]+, )?}}%[[BI]]{{(, %[^ ]+)?}} : f32
// CHECK-NEXT:   %[[NB:.+]] = arith.addf {{(%[^ ,]+, )?}}%[[GI]]{{(, %[^ ]+)?}} : f32
// CHECK-NEXT:   %[[STEP:.+]] = arith.mulf {{(%[^ ,]+, )?}}%[[LR]]{{(, %[^ ]+)?}} : f32
// CHECK-NEXT:   %[[NW:.+]] = arith.subf %[[WI]], %[[STEP]] : f32
// CHECK-NEXT:   linalg.yield %[[NW]], %[[NB]] : f32, f32
// CHECK:      return %[[R]]#0, %[[R]]#1
func.func @momentum(%w: tensor<10xf32>, %g: tensor<10xf32>, %b: tensor<10xf32>, %lr: f32) -> (tensor<10xf32>, tensor<10xf32>) {
  %0:2 = optim.sgd_momentum %w, %g, %b, %lr {momentum = 0.9 : f64} : tensor<10xf32>, f32
  return %0#0, %0#1 : tensor<10xf32>, tensor<10xf32>
}

// -----

// Nesterov: param' = param - lr * (g + mu * buf').
// CHECK-LABEL: func.func @nesterov
// CHECK-SAME: (%[[W:.+]]: tensor<2x5xf64>, %[[G:.+]]: tensor<2x5xf64>, %[[B:.+]]: tensor<2x5xf64>, %[[LR:.+]]: f64)
// CHECK:      %[[R:.+]]:2 = linalg.generic {{.+}} ins(%[[G]] : tensor<2x5xf64>) outs(%[[W]], %[[B]] : tensor<2x5xf64>, tensor<2x5xf64>) attrs = {adjoint.update}
// CHECK-NEXT: ^bb0(%[[GI:.+]]: f64, %[[WI:.+]]: f64, %[[BI:.+]]: f64):
// CHECK-NEXT:   arith.constant 5.000000e-01 : f64
// CHECK-NEXT:   %[[MB:.+]] = arith.mulf {{(%[^ ,]+, )?}}%[[BI]]{{(, %[^ ]+)?}} : f64
// CHECK-NEXT:   %[[NB:.+]] = arith.addf {{(%[^ ,]+, )?}}%[[GI]]{{(, %[^ ]+)?}} : f64
// CHECK:        %[[MNB:.+]] = arith.mulf {{(%[^ ,]+, )?}}%[[NB]]{{(, %[^ ]+)?}} : f64
// CHECK-NEXT:   %[[DIR:.+]] = arith.addf {{(%[^ ,]+, )?}}%[[GI]]{{(, %[^ ]+)?}} : f64
// CHECK-NEXT:   %[[STEP:.+]] = arith.mulf {{(%[^ ,]+, )?}}%[[LR]]{{(, %[^ ]+)?}} : f64
// CHECK-NEXT:   %[[NW:.+]] = arith.subf %[[WI]], %[[STEP]] : f64
// CHECK-NEXT:   linalg.yield %[[NW]], %[[NB]] : f64, f64
// CHECK:      return %[[R]]#0, %[[R]]#1
func.func @nesterov(%w: tensor<2x5xf64>, %g: tensor<2x5xf64>, %b: tensor<2x5xf64>, %lr: f64) -> (tensor<2x5xf64>, tensor<2x5xf64>) {
  %0:2 = optim.sgd_momentum %w, %g, %b, %lr {momentum = 0.5 : f64, nesterov} : tensor<2x5xf64>, f64
  return %0#0, %0#1 : tensor<2x5xf64>, tensor<2x5xf64>
}

// -----

// Only optim ops are rewritten; mdl ops are left for convert-mdl-to-linalg.
// CHECK-LABEL: func.func @mixed
// CHECK:      mdl.mul
// CHECK:      linalg.generic {{.+}} attrs = {adjoint.update}
func.func @mixed(%w: tensor<3xf32>, %lr: f32) -> tensor<3xf32> {
  %g = mdl.mul %w, %w : tensor<3xf32>, tensor<3xf32> -> tensor<3xf32>
  %0 = optim.sgd %w, %g, %lr : tensor<3xf32>, f32
  return %0 : tensor<3xf32>
}

// -----

// Adam: the bias corrections are scalars computed once from the step in f64
// (lr / (1 - beta1^t) and sqrt(1 - beta2^t)); the generic writes the
// parameter and both moments in place:
// m' = b1 m + (1-b1) g, v' = b2 v + (1-b2) g^2,
// p' = p - lr/(1-b1^t) * m' / (sqrt(v') / sqrt(1-b2^t) + eps).
// CHECK-LABEL: func.func @adam
// CHECK-SAME: (%[[W:[^:]+]]: tensor<4xf32>, %[[G:[^:]+]]: tensor<4xf32>, %[[M:[^:]+]]: tensor<4xf32>, %[[V:[^:]+]]: tensor<4xf32>, %[[LR:[^:]+]]: f32, %[[S:[^:]+]]: i64)
// CHECK:      %[[T:.+]] = arith.sitofp %[[S]] : i64 to f64
// CHECK:      %[[B1T:.+]] = math.powf %{{.+}}, %[[T]] : f64
// CHECK:      %[[BC1:.+]] = arith.subf %{{.+}}, %[[B1T]] : f64
// CHECK:      %[[B2T:.+]] = math.powf %{{.+}}, %[[T]] : f64
// CHECK:      %[[BC2:.+]] = arith.subf %{{.+}}, %[[B2T]] : f64
// CHECK:      %[[LR64:.+]] = arith.extf %[[LR]] : f32 to f64
// CHECK:      %[[SS64:.+]] = arith.divf %[[LR64]], %[[BC1]] : f64
// CHECK:      %[[SS:.+]] = arith.truncf %[[SS64]] : f64 to f32
// CHECK:      %[[SQ64:.+]] = math.sqrt %[[BC2]] : f64
// CHECK:      %[[SQ:.+]] = arith.truncf %[[SQ64]] : f64 to f32
// CHECK:      %[[R:.+]]:3 = linalg.generic {{.+}} ins(%[[G]] : tensor<4xf32>) outs(%[[W]], %[[M]], %[[V]] : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) attrs = {adjoint.update}
// CHECK-NEXT: ^bb0(%[[GI:[^:]+]]: f32, %[[WI:[^:]+]]: f32, %[[MI:[^:]+]]: f32, %[[VI:[^:]+]]: f32):
// CHECK:        %[[NM:.+]] = arith.addf
// CHECK:        %[[NV:.+]] = arith.addf
// CHECK-NEXT:   %[[RT:.+]] = math.sqrt %[[NV]] : f32
// CHECK-NEXT:   %[[D:.+]] = arith.divf %[[RT]], %[[SQ]] : f32
// CHECK:        %[[DEN:.+]] = arith.addf %[[D]], %{{.+}} : f32
// CHECK-NEXT:   %[[Q:.+]] = arith.divf %[[NM]], %[[DEN]] : f32
// CHECK-NEXT:   %[[UP:.+]] = arith.mulf %[[SS]], %[[Q]] : f32
// CHECK-NEXT:   %[[NW:.+]] = arith.subf %[[WI]], %[[UP]] : f32
// CHECK-NEXT:   linalg.yield %[[NW]], %[[NM]], %[[NV]] : f32, f32, f32
// CHECK:      return %[[R]]#0, %[[R]]#1, %[[R]]#2
func.func @adam(%w: tensor<4xf32>, %g: tensor<4xf32>, %m: tensor<4xf32>, %v: tensor<4xf32>, %lr: f32, %step: i64) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %0:3 = optim.adam %w, %g state(%m, %v) lr %lr step %step {beta1 = 0.9 : f64, beta2 = 0.999 : f64, eps = 1.0e-8 : f64} : tensor<4xf32>, f32, (tensor<4xf32>, tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>)
  return %0#0, %0#1, %0#2 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}

// -----

// Adagrad: s' = s + g^2, p' = p - clr * g / (sqrt(s') + eps).
// CHECK-LABEL: func.func @adagrad
// CHECK-SAME: (%[[W:[^:]+]]: tensor<4xf32>, %[[G:[^:]+]]: tensor<4xf32>, %[[SUM:[^:]+]]: tensor<4xf32>, %[[LR:[^:]+]]: f32, %[[S:[^:]+]]: i64)
// CHECK:      %[[CLR:.+]] = arith.truncf %{{.+}} : f64 to f32
// CHECK:      %[[R:.+]]:2 = linalg.generic {{.+}} ins(%[[G]] : tensor<4xf32>) outs(%[[W]], %[[SUM]] : tensor<4xf32>, tensor<4xf32>) attrs = {adjoint.update}
// CHECK-NEXT: ^bb0(%[[GI:[^:]+]]: f32, %[[WI:[^:]+]]: f32, %[[SI:[^:]+]]: f32):
// CHECK-NEXT:   %[[G2:.+]] = arith.mulf %[[GI]], %[[GI]] : f32
// CHECK-NEXT:   %[[NS:.+]] = arith.addf {{(%[^ ,]+, )?}}%[[G2]]{{(, %[^ ]+)?}} : f32
// CHECK-NEXT:   %[[RT:.+]] = math.sqrt %[[NS]] : f32
// CHECK:        %[[DEN:.+]] = arith.addf %[[RT]], %{{.+}} : f32
// CHECK-NEXT:   %[[Q:.+]] = arith.divf %[[GI]], %[[DEN]] : f32
// CHECK-NEXT:   %[[UP:.+]] = arith.mulf %[[CLR]], %[[Q]] : f32
// CHECK-NEXT:   %[[NW:.+]] = arith.subf %[[WI]], %[[UP]] : f32
// CHECK-NEXT:   linalg.yield %[[NW]], %[[NS]] : f32, f32
func.func @adagrad(%w: tensor<4xf32>, %g: tensor<4xf32>, %s: tensor<4xf32>, %lr: f32, %step: i64) -> (tensor<4xf32>, tensor<4xf32>) {
  %0:2 = optim.adagrad %w, %g state(%s) lr %lr step %step {eps = 1.0e-10 : f64} : tensor<4xf32>, f32, (tensor<4xf32>) -> (tensor<4xf32>)
  return %0#0, %0#1 : tensor<4xf32>, tensor<4xf32>
}

// -----

// Centered RMSprop with momentum: all three buffers are destinations, after
// the parameter, in the order v, g_avg, buf.
// CHECK-LABEL: func.func @rmsprop
// CHECK-SAME: (%[[W:[^:]+]]: tensor<4xf32>, %[[G:[^:]+]]: tensor<4xf32>, %[[SV:[^:]+]]: tensor<4xf32>, %[[SA:[^:]+]]: tensor<4xf32>, %[[SB:[^:]+]]: tensor<4xf32>, %[[LR:[^:]+]]: f32, %{{.+}}: i64)
// CHECK:      %[[R:.+]]:4 = linalg.generic {{.+}} ins(%[[G]] : tensor<4xf32>) outs(%[[W]], %[[SV]], %[[SA]], %[[SB]] : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) attrs = {adjoint.update}
// CHECK-NEXT: ^bb0(%[[GI:[^:]+]]: f32, %[[WI:[^:]+]]: f32, %[[VI:[^:]+]]: f32, %[[AI:[^:]+]]: f32, %[[BI:[^:]+]]: f32):
// CHECK:        %[[NV:.+]] = arith.addf
// CHECK:        %[[NA:.+]] = arith.addf
// CHECK-NEXT:   %[[A2:.+]] = arith.mulf %[[NA]], %[[NA]] : f32
// CHECK-NEXT:   %[[VAR:.+]] = arith.subf %[[NV]], %[[A2]] : f32
// CHECK-NEXT:   %[[RT:.+]] = math.sqrt %[[VAR]] : f32
// CHECK:        %[[AVG:.+]] = arith.addf %[[RT]], %{{.+}} : f32
// CHECK:        %[[Q:.+]] = arith.divf %[[GI]], %[[AVG]] : f32
// CHECK-NEXT:   %[[NB:.+]] = arith.addf {{(%[^ ,]+, )?}}%[[Q]]{{(, %[^ ]+)?}} : f32
// CHECK-NEXT:   %[[UP:.+]] = arith.mulf {{(%[^ ,]+, )?}}%[[LR]]{{(, %[^ ]+)?}} : f32
// CHECK-NEXT:   %[[NW:.+]] = arith.subf %[[WI]], %[[UP]] : f32
// CHECK-NEXT:   linalg.yield %[[NW]], %[[NV]], %[[NA]], %[[NB]] : f32, f32, f32, f32
func.func @rmsprop(%w: tensor<4xf32>, %g: tensor<4xf32>, %v: tensor<4xf32>, %a: tensor<4xf32>, %b: tensor<4xf32>, %lr: f32, %step: i64) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %0:4 = optim.rmsprop %w, %g state(%v, %a, %b) lr %lr step %step {alpha = 0.99 : f64, eps = 1.0e-8 : f64, centered, momentum = 0.5 : f64} : tensor<4xf32>, f32, (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>)
  return %0#0, %0#1, %0#2, %0#3 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}
