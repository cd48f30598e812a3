// RUN: adjoint-opt %s -split-input-file --convert-mdl-to-linalg | FileCheck %s

// A rank-2 weight shared by a batched left operand: one 2-D linalg.matmul
// over the collapsed rows (2 x 8 = 16), expanded back; a transposed weight
// is first copied into the NN layout.
// CHECK-LABEL: func.func @shared
// CHECK-SAME:  (%[[X:.+]]: tensor<2x8x4xf32>, %[[W:.+]]: tensor<4x3xf32>, %[[WT:.+]]: tensor<3x4xf32>)
// CHECK:       %[[X2:.+]] = tensor.collapse_shape %[[X]] {{\[}}[0, 1], [2]] : tensor<2x8x4xf32> into tensor<16x4xf32>
// CHECK:       %[[MM:.+]] = linalg.matmul ins(%[[X2]], %[[W]] : tensor<16x4xf32>, tensor<4x3xf32>)
// CHECK:       %[[C:.+]] = tensor.expand_shape %[[MM]] {{\[}}[0, 1], [2]] output_shape [2, 8, 3]
// CHECK:       %[[T:.+]] = linalg.transpose ins(%[[WT]] : tensor<3x4xf32>) outs(%{{.+}} : tensor<4x3xf32>) permutation = [1, 0]
// CHECK:       linalg.matmul ins(%{{.+}}, %[[T]] : tensor<16x4xf32>, tensor<4x3xf32>)
func.func @shared(%x: tensor<2x8x4xf32>, %w: tensor<4x3xf32>, %wt: tensor<3x4xf32>) -> (tensor<2x8x3xf32>, tensor<2x8x3xf32>) {
  %0 = mdl.matmul %x, %w : tensor<2x8x4xf32>, tensor<4x3xf32> -> tensor<2x8x3xf32>
  %1 = mdl.matmul %x, %wt {transpose_rhs} : tensor<2x8x4xf32>, tensor<3x4xf32> -> tensor<2x8x3xf32>
  return %0, %1 : tensor<2x8x3xf32>, tensor<2x8x3xf32>
}

// -----

// Batched products: one contraction generic over (b, h, m, n, k). The unit
// head axis of [2, 1, 8, 4] (broadcast against 3 heads) is collapsed away and
// the per-head weight [3, 4, 5] has no batch axis: neither is read with a
// constant index. A transposed right operand is copied into the NN layout; a
// transposed left operand is an indexing map.
// CHECK-DAG:   #[[BMK:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d2, d4)>
// CHECK-DAG:   #[[HKN:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d1, d4, d3)>
// CHECK-DAG:   #[[OUT:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
// CHECK-DAG:   #[[MK:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>
// CHECK-DAG:   #[[KN:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d4, d3)>
// CHECK-DAG:   #[[KM:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d4, d2)>
// CHECK-LABEL: func.func @batched
// CHECK-SAME:  (%[[U:.+]]: tensor<2x1x8x4xf32>, %[[H:.+]]: tensor<3x4x5xf32>, %[[Q:.+]]: tensor<2x3x8x4xf32>, %[[K:.+]]: tensor<2x3x6x4xf32>)
// CHECK:       %[[U3:.+]] = tensor.collapse_shape %[[U]] {{\[}}[0], [1, 2], [3]] : tensor<2x1x8x4xf32> into tensor<2x8x4xf32>
// CHECK:       linalg.generic {indexing_maps = [#[[BMK]], #[[HKN]], #[[OUT]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%[[U3]], %[[H]] : tensor<2x8x4xf32>, tensor<3x4x5xf32>) outs(%{{.+}} : tensor<2x3x8x5xf32>)
// CHECK-NEXT:  ^bb0(%[[A:.+]]: f32, %[[B:.+]]: f32, %[[ACC:.+]]: f32):
// CHECK-NEXT:    %[[P:.+]] = arith.mulf %[[A]], %[[B]] : f32
// CHECK-NEXT:    %[[S:.+]] = arith.addf %[[ACC]], %[[P]] : f32
// CHECK-NEXT:    linalg.yield %[[S]] : f32
// CHECK:       %[[KT:.+]] = linalg.transpose ins(%[[K]] : tensor<2x3x6x4xf32>) outs(%{{.+}} : tensor<2x3x4x6xf32>) permutation = [0, 1, 3, 2]
// CHECK:       linalg.generic {indexing_maps = [#[[MK]], #[[KN]], #[[OUT]]], {{.+}} ins(%[[Q]], %[[KT]] : tensor<2x3x8x4xf32>, tensor<2x3x4x6xf32>) outs(%{{.+}} : tensor<2x3x8x6xf32>)
// CHECK:       linalg.generic {indexing_maps = [#[[KM]], #[[KN]], #[[OUT]]], {{.+}} ins(%[[Q]], %[[Q]] : tensor<2x3x8x4xf32>, tensor<2x3x8x4xf32>) outs(%{{.+}} : tensor<2x3x4x4xf32>)
func.func @batched(%u: tensor<2x1x8x4xf32>, %h: tensor<3x4x5xf32>, %q: tensor<2x3x8x4xf32>, %k: tensor<2x3x6x4xf32>) -> (tensor<2x3x8x5xf32>, tensor<2x3x8x6xf32>, tensor<2x3x4x4xf32>) {
  %0 = mdl.matmul %u, %h : tensor<2x1x8x4xf32>, tensor<3x4x5xf32> -> tensor<2x3x8x5xf32>
  %1 = mdl.matmul %q, %k {transpose_rhs} : tensor<2x3x8x4xf32>, tensor<2x3x6x4xf32> -> tensor<2x3x8x6xf32>
  %2 = mdl.matmul %q, %q {transpose_lhs} : tensor<2x3x8x4xf32>, tensor<2x3x8x4xf32> -> tensor<2x3x4x4xf32>
  return %0, %1, %2 : tensor<2x3x8x5xf32>, tensor<2x3x8x6xf32>, tensor<2x3x4x4xf32>
}
