// RUN: adjoint-opt %s --pass-pipeline='builtin.module(func.func(adjoint-split-empty-tensors))' | FileCheck %s

// A zero fill shared (after CSE) by two matmuls: one user gets a clone of
// the empty tensor and of the fill (inserted right before it), so the two
// accumulators become separate buffers.
// CHECK-LABEL: func.func @shared_fill
// CHECK-SAME: (%[[A:.+]]: tensor<8x4xf32>, %[[B:.+]]: tensor<4x3xf32>, %[[C:.+]]: tensor<4x3xf32>)
// CHECK:      %[[Z:.+]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT: %[[E0:.+]] = tensor.empty() : tensor<8x3xf32>
// CHECK-NEXT: %[[F0:.+]] = linalg.fill ins(%[[Z]] : f32) outs(%[[E0]] : tensor<8x3xf32>)
// CHECK-NEXT: %[[E1:.+]] = tensor.empty() : tensor<8x3xf32>
// CHECK-NEXT: %[[F1:.+]] = linalg.fill ins(%[[Z]] : f32) outs(%[[E1]] : tensor<8x3xf32>)
// CHECK-NEXT: %[[M0:.+]] = linalg.matmul ins(%[[A]], %[[B]] : {{.+}}) outs(%[[F1]] : tensor<8x3xf32>)
// CHECK-NEXT: %[[M1:.+]] = linalg.matmul ins(%[[A]], %[[C]] : {{.+}}) outs(%[[F0]] : tensor<8x3xf32>)
// CHECK-NEXT: return %[[M0]], %[[M1]]
func.func @shared_fill(%a: tensor<8x4xf32>, %b: tensor<4x3xf32>, %c: tensor<4x3xf32>) -> (tensor<8x3xf32>, tensor<8x3xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8x3xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<8x3xf32>) -> tensor<8x3xf32>
  %0 = linalg.matmul ins(%a, %b : tensor<8x4xf32>, tensor<4x3xf32>) outs(%f : tensor<8x3xf32>) -> tensor<8x3xf32>
  %1 = linalg.matmul ins(%a, %c : tensor<8x4xf32>, tensor<4x3xf32>) outs(%f : tensor<8x3xf32>) -> tensor<8x3xf32>
  return %0, %1 : tensor<8x3xf32>, tensor<8x3xf32>
}

// A tensor.empty shared by two elementwise destinations is cloned for one
// of them.
// CHECK-LABEL: func.func @shared_empty
// CHECK-SAME: (%[[X:.+]]: tensor<16xf32>)
// CHECK-NEXT: %[[E0:.+]] = tensor.empty() : tensor<16xf32>
// CHECK-NEXT: %[[E1:.+]] = tensor.empty() : tensor<16xf32>
// CHECK-NEXT: %[[N:.+]] = linalg.negf ins(%[[X]] : tensor<16xf32>) outs(%[[E1]] : tensor<16xf32>)
// CHECK-NEXT: %[[A:.+]] = linalg.abs ins(%[[N]] : tensor<16xf32>) outs(%[[E0]] : tensor<16xf32>)
// CHECK-NEXT: return %[[A]]
func.func @shared_empty(%x: tensor<16xf32>) -> tensor<16xf32> {
  %e = tensor.empty() : tensor<16xf32>
  %0 = linalg.negf ins(%x : tensor<16xf32>) outs(%e : tensor<16xf32>) -> tensor<16xf32>
  %1 = linalg.abs ins(%0 : tensor<16xf32>) outs(%e : tensor<16xf32>) -> tensor<16xf32>
  return %1 : tensor<16xf32>
}

// A fill of a function argument (not of an empty tensor) is left alone, and
// a single use needs no clone.
// CHECK-LABEL: func.func @untouched
// CHECK-COUNT-1: linalg.fill
// CHECK-NOT:  tensor.empty
// CHECK:      return
func.func @untouched(%d: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %zero = arith.constant 0.0 : f32
  %f = linalg.fill ins(%zero : f32) outs(%d : tensor<4xf32>) -> tensor<4xf32>
  %0 = linalg.negf ins(%f : tensor<4xf32>) outs(%d : tensor<4xf32>) -> tensor<4xf32>
  %1 = linalg.abs ins(%f : tensor<4xf32>) outs(%d : tensor<4xf32>) -> tensor<4xf32>
  return %0, %1 : tensor<4xf32>, tensor<4xf32>
}
