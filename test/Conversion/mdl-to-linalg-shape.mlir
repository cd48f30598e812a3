// RUN: adjoint-opt %s -split-input-file --convert-mdl-to-linalg | FileCheck %s

// The tensor manipulation ops become linalg.generic: a transpose reads
// through the permutation, a slice copies a strided extract_slice, unslice
// and concat compute each element of the result from its indices
// (tensor.extract of the operand that holds it, 0 elsewhere), so that no
// memref.copy is ever needed.

// CHECK-DAG: #[[PERM:.+]] = affine_map<(d0, d1, d2) -> (d1, d2, d0)>
// CHECK-LABEL: func.func @transpose
// CHECK: linalg.generic {indexing_maps = [#[[PERM]], #{{.+}}]{{.*}} ins(%arg0 : tensor<2x3x4xf32>) outs(%{{.+}} : tensor<4x2x3xf32>)
func.func @transpose(%x: tensor<2x3x4xf32>) -> tensor<4x2x3xf32> {
  %0 = mdl.transpose %x perm = [2, 0, 1] : tensor<2x3x4xf32> -> tensor<4x2x3xf32>
  return %0 : tensor<4x2x3xf32>
}

// -----

// CHECK-LABEL: func.func @slice
// CHECK: %[[V:.+]] = tensor.extract_slice %arg0[0, 1] [8, 4] [1, 2] : tensor<8x10xf32> to tensor<8x4xf32>
// CHECK: linalg.generic {{.*}} ins(%[[V]] : tensor<8x4xf32>)
func.func @slice(%x: tensor<8x10xf32>) -> tensor<8x4xf32> {
  %0 = mdl.slice %x start = [0, 1] step = [1, 2] : tensor<8x10xf32> -> tensor<8x4xf32>
  return %0 : tensor<8x4xf32>
}

// -----

// Axis 0 is whole (read at the same index); along axis 1 the element at j
// comes from (j - 1) / 2 when j - 1 is a non-negative multiple of 2 below
// 2 * 4, else it is 0.
// CHECK-LABEL: func.func @unslice
// CHECK: linalg.generic {{.*}} outs(%{{.+}} : tensor<8x10xf32>)
// CHECK:   %[[I:.+]] = linalg.index 0 : index
// CHECK:   %[[J:.+]] = linalg.index 1 : index
// CHECK:   %[[R:.+]] = arith.subi %[[J]], %c1
// CHECK:   arith.remsi %[[R]], %c2
// CHECK:   %[[Q:.+]] = arith.divsi %[[R]], %c2
// CHECK:   arith.cmpi slt, %[[Q]], %c4
// CHECK:   %[[E:.+]] = tensor.extract %arg0[%[[I]], %{{.+}}] : tensor<8x4xf32>
// CHECK:   arith.select %{{.+}}, %[[E]], %{{.+}} : f32
func.func @unslice(%x: tensor<8x4xf32>) -> tensor<8x10xf32> {
  %0 = mdl.unslice %x start = [0, 1] step = [1, 2] : tensor<8x4xf32> -> tensor<8x10xf32>
  return %0 : tensor<8x10xf32>
}

// -----

// CHECK-LABEL: func.func @concat
// CHECK: linalg.generic {{.*}} outs(%{{.+}} : tensor<8x8xf32>)
// CHECK:   %[[A:.+]] = tensor.extract %arg0[%{{.+}}, %{{.+}}] : tensor<8x3xf32>
// CHECK:   %[[B:.+]] = tensor.extract %arg1[%{{.+}}, %{{.+}}] : tensor<8x5xf32>
// CHECK:   %[[S:.+]] = arith.select %{{.+}}, %[[B]], %[[A]] : f32
// CHECK:   linalg.yield %[[S]]
func.func @concat(%a: tensor<8x3xf32>, %b: tensor<8x5xf32>) -> tensor<8x8xf32> {
  %0 = mdl.concat %a, %b axis = 1 : tensor<8x3xf32>, tensor<8x5xf32> -> tensor<8x8xf32>
  return %0 : tensor<8x8xf32>
}
