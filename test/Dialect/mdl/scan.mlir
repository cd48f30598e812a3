// RUN: adjoint-opt %s | adjoint-opt | FileCheck %s

// mdl.scan round-trips: sequence operands, carries, per-step outputs and
// the reverse flag.

// CHECK-LABEL: func.func @scan_forward
// CHECK:       %[[R:.+]]:2 = mdl.scan(%{{.+}} : tensor<4x7x3xf32>) init(%{{.+}} : tensor<4x5xf32>) axis = 1 length = 7 -> tensor<4x5xf32>, tensor<4x7x5xf32> {
// CHECK-NEXT:  ^bb0(%{{.+}}: tensor<4x3xf32>, %{{.+}}: tensor<4x5xf32>):
// CHECK:         mdl.yield %{{.+}}, %{{.+}} : tensor<4x5xf32>, tensor<4x5xf32>
// CHECK-NEXT:  }
func.func @scan_forward(%x: tensor<4x7x3xf32>, %h0: tensor<4x5xf32>, %w: tensor<3x5xf32>) -> tensor<4x7x5xf32> {
  %r:2 = mdl.scan (%x : tensor<4x7x3xf32>) init(%h0 : tensor<4x5xf32>) axis = 1 length = 7 -> tensor<4x5xf32>, tensor<4x7x5xf32> {
  ^bb0(%xt: tensor<4x3xf32>, %h: tensor<4x5xf32>):
    %a = mdl.matmul %xt, %w : tensor<4x3xf32>, tensor<3x5xf32> -> tensor<4x5xf32>
    %b = mdl.add %a, %h : tensor<4x5xf32>, tensor<4x5xf32> -> tensor<4x5xf32>
    mdl.yield %b, %h : tensor<4x5xf32>, tensor<4x5xf32>
  }
  return %r#1 : tensor<4x7x5xf32>
}

// CHECK-LABEL: func.func @scan_reverse_no_sequence
// CHECK:       mdl.scan() init(%{{.+}} : tensor<f32>) axis = 0 length = 3 reverse -> tensor<f32> {
func.func @scan_reverse_no_sequence(%s: tensor<f32>) -> tensor<f32> {
  %r = mdl.scan () init(%s : tensor<f32>) axis = 0 length = 3 reverse -> tensor<f32> {
  ^bb0(%c: tensor<f32>):
    %d = mdl.add %c, %c : tensor<f32>, tensor<f32> -> tensor<f32>
    mdl.yield %d : tensor<f32>
  }
  return %r : tensor<f32>
}
