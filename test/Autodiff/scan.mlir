// RUN: adjoint-opt %s -split-input-file --adjoint-autodiff | FileCheck %s

// A scan is differentiated as a loop. The forward scan is rebuilt to also
// stack the carry every step starts from (the saved state, a second result
// of shape [2, 4, 5]); the reverse sweep is one reverse scan over the same
// steps whose operands are the sequence and the saved carries and whose
// carries are the carry adjoint and one gradient accumulator per parameter
// the body reads. Each reverse step recomputes the step body from the saved
// carry, then applies the per-op adjoint rules: the data input gets no
// adjoint (no dX matmul, no stacked output for it).

// CHECK-LABEL: func.func @rnn_grad
// CHECK-SAME:  (%[[W:.+]]: tensor<3x5xf32> {mdl.param = @w}, %[[U:.+]]: tensor<5x5xf32> {mdl.param = @u}, %[[X:.+]]: tensor<2x4x3xf32> {mdl.input = "x"})
// CHECK:       %[[H0:.+]] = arith.constant dense<0.000000e+00> : tensor<2x5xf32>
// CHECK-NEXT:  %[[F:.+]]:2 = mdl.scan(%[[X]] : tensor<2x4x3xf32>) init(%[[H0]] : tensor<2x5xf32>) axis = 1 length = 4 -> tensor<2x5xf32>, tensor<2x4x5xf32> {
// CHECK-NEXT:  ^bb0(%[[XT:.+]]: tensor<2x3xf32>, %[[HP:.+]]: tensor<2x5xf32>):
// CHECK:         %[[D:.+]] = mdl.tanh
// CHECK-NEXT:    mdl.yield %[[D]], %[[HP]] : tensor<2x5xf32>, tensor<2x5xf32>
// CHECK-NEXT:  }
// CHECK-NEXT:  %[[L:.+]] = mdl.sum %[[F]]#0
// CHECK:       %[[DH:.+]] = mdl.broadcast_in_dim
// CHECK-NEXT:  %[[ZW:.+]] = arith.constant dense<0.000000e+00> : tensor<3x5xf32>
// CHECK-NEXT:  %[[ZU:.+]] = arith.constant dense<0.000000e+00> : tensor<5x5xf32>
// CHECK-NEXT:  %[[R:.+]]:3 = mdl.scan(%[[X]], %[[F]]#1 : tensor<2x4x3xf32>, tensor<2x4x5xf32>) init(%[[DH]], %[[ZW]], %[[ZU]] : tensor<2x5xf32>, tensor<3x5xf32>, tensor<5x5xf32>) axis = 1 length = 4 reverse -> tensor<2x5xf32>, tensor<3x5xf32>, tensor<5x5xf32> {
// CHECK-NEXT:  ^bb0(%[[RX:.+]]: tensor<2x3xf32>, %[[RH:.+]]: tensor<2x5xf32>, %[[G:.+]]: tensor<2x5xf32>, %[[AW:.+]]: tensor<3x5xf32>, %[[AU:.+]]: tensor<5x5xf32>):
// CHECK-NEXT:    %[[A:.+]] = mdl.matmul %[[RX]], %[[W]]
// CHECK-NEXT:    %[[B:.+]] = mdl.matmul %[[RH]], %[[U]]
// CHECK-NEXT:    %[[C:.+]] = mdl.add %[[A]], %[[B]]
// CHECK-NEXT:    %[[T:.+]] = mdl.tanh %[[C]]
// CHECK:         %[[DC:.+]] = mdl.mul %[[G]], %{{.+}} : tensor<2x5xf32>, tensor<2x5xf32> -> tensor<2x5xf32>
// CHECK-NEXT:    %[[DHP:.+]] = mdl.matmul %[[DC]], %[[U]] {transpose_rhs}
// CHECK-NEXT:    %[[DU:.+]] = mdl.matmul %[[RH]], %[[DC]] {transpose_lhs}
// CHECK-NEXT:    %[[DW:.+]] = mdl.matmul %[[RX]], %[[DC]] {transpose_lhs}
// CHECK-NOT:     {transpose_rhs}
// CHECK-NEXT:    %[[NW:.+]] = mdl.add %[[AW]], %[[DW]]
// CHECK-NEXT:    %[[NU:.+]] = mdl.add %[[AU]], %[[DU]]
// CHECK-NEXT:    mdl.yield %[[DHP]], %[[NW]], %[[NU]] : tensor<2x5xf32>, tensor<3x5xf32>, tensor<5x5xf32>
// CHECK-NEXT:  }
// CHECK-NEXT:  return %[[L]], %[[R]]#1, %[[R]]#2 :
func.func @rnn(%w: tensor<3x5xf32> {mdl.param = @w}, %u: tensor<5x5xf32> {mdl.param = @u}, %x: tensor<2x4x3xf32> {mdl.input = "x"}) -> tensor<f32> attributes {mdl.loss} {
  %h0 = arith.constant dense<0.0> : tensor<2x5xf32>
  %h = mdl.scan (%x : tensor<2x4x3xf32>) init(%h0 : tensor<2x5xf32>) axis = 1 length = 4 -> tensor<2x5xf32> {
  ^bb0(%xt: tensor<2x3xf32>, %hp: tensor<2x5xf32>):
    %a = mdl.matmul %xt, %w : tensor<2x3xf32>, tensor<3x5xf32> -> tensor<2x5xf32>
    %b = mdl.matmul %hp, %u : tensor<2x5xf32>, tensor<5x5xf32> -> tensor<2x5xf32>
    %c = mdl.add %a, %b : tensor<2x5xf32>, tensor<2x5xf32> -> tensor<2x5xf32>
    %d = mdl.tanh %c : tensor<2x5xf32>
    mdl.yield %d : tensor<2x5xf32>
  }
  %l = mdl.sum %h axes = [0, 1] : tensor<2x5xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// A sequence that depends on a parameter gets its adjoint stacked per step
// (a per-step output of the reverse scan), and an initial carry that is a
// parameter gets the final carry adjoint. Per-step outputs of the forward
// scan pass their adjoints to the reverse scan as a sequence.

// CHECK-LABEL: func.func @active_sequence_grad
// CHECK-SAME:  (%[[S:.+]]: tensor<2x3xf32> {mdl.param = @s}, %[[H:.+]]: tensor<2xf32> {mdl.param = @h})
// CHECK:       %[[X:.+]] = mdl.broadcast_in_dim %[[S]]
// CHECK-NEXT:  %[[F:.+]]:3 = mdl.scan(%[[X]] : tensor<2x3x2xf32>) init(%[[H]] : tensor<2xf32>) axis = 1 length = 3 -> tensor<2xf32>, tensor<2x3x2xf32>, tensor<2x3xf32> {
// CHECK:       %[[R:.+]]:2 = mdl.scan(%[[X]], %[[F]]#2, %{{.+}} : tensor<2x3x2xf32>, tensor<2x3xf32>, tensor<2x3x2xf32>) init(%{{.+}} : tensor<2xf32>) axis = 1 length = 3 reverse -> tensor<2xf32>, tensor<2x3x2xf32> {
// CHECK-NEXT:  ^bb0(%[[XT:.+]]: tensor<2x2xf32>, %[[C:.+]]: tensor<2xf32>, %[[DY:.+]]: tensor<2x2xf32>, %[[DC:.+]]: tensor<2xf32>):
// CHECK:         %[[DA:.+]] = mdl.add %[[DY]], %{{.+}} : tensor<2x2xf32>, tensor<2x2xf32> -> tensor<2x2xf32>
// CHECK-NEXT:    %[[DXT:.+]] = mdl.mul %[[DA]], %[[C]]
// CHECK-NEXT:    %[[P:.+]] = mdl.mul %[[DA]], %[[XT]]
// CHECK-NEXT:    %[[DCP:.+]] = mdl.sum %[[P]] axes = [0]
// CHECK-NEXT:    mdl.yield %[[DCP]], %[[DXT]] : tensor<2xf32>, tensor<2x2xf32>
// CHECK-NEXT:  }
// CHECK-NEXT:  %[[DS:.+]] = mdl.sum %[[R]]#1 axes = [2] : tensor<2x3x2xf32> -> tensor<2x3xf32>
// CHECK-NEXT:  return %{{.+}}, %[[DS]], %[[R]]#0 :
func.func @active_sequence(%s: tensor<2x3xf32> {mdl.param = @s}, %h: tensor<2xf32> {mdl.param = @h}) -> tensor<f32> attributes {mdl.loss} {
  %x = mdl.broadcast_in_dim %s dims = [0, 1] : tensor<2x3xf32> -> tensor<2x3x2xf32>
  %r:2 = mdl.scan (%x : tensor<2x3x2xf32>) init(%h : tensor<2xf32>) axis = 1 length = 3 -> tensor<2xf32>, tensor<2x3x2xf32> {
  ^bb0(%xt: tensor<2x2xf32>, %c: tensor<2xf32>):
    %a = mdl.mul %xt, %c : tensor<2x2xf32>, tensor<2xf32> -> tensor<2x2xf32>
    %b = mdl.sum %a axes = [0] : tensor<2x2xf32> -> tensor<2xf32>
    mdl.yield %b, %a : tensor<2xf32>, tensor<2x2xf32>
  }
  %l1 = mdl.sum %r#0 axes = [0] : tensor<2xf32> -> tensor<f32>
  %l2 = mdl.sum %r#1 axes = [0, 1, 2] : tensor<2x3x2xf32> -> tensor<f32>
  %l = mdl.add %l1, %l2 : tensor<f32>, tensor<f32> -> tensor<f32>
  return %l : tensor<f32>
}
