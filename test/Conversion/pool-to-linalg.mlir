// RUN: adjoint-opt %s -split-input-file --convert-mdl-to-linalg | FileCheck %s

// Pooling whose windows tile the input (stride = size, no padding) reads
// one strided slice per window offset: no window loops. Max keeps the
// window reduction's order: maximumf from -inf over the offsets (0,0),
// (0,1), (1,0), (1,1).
// CHECK-LABEL: func.func @max_tiling
// CHECK-DAG:   %[[S00:.+]] = tensor.extract_slice %arg0[0, 0, 0, 0] [2, 4, 3, 3] [1, 2, 2, 1]
// CHECK-DAG:   %[[S01:.+]] = tensor.extract_slice %arg0[0, 0, 1, 0] [2, 4, 3, 3] [1, 2, 2, 1]
// CHECK-DAG:   %[[S10:.+]] = tensor.extract_slice %arg0[0, 1, 0, 0] [2, 4, 3, 3] [1, 2, 2, 1]
// CHECK-DAG:   %[[S11:.+]] = tensor.extract_slice %arg0[0, 1, 1, 0] [2, 4, 3, 3] [1, 2, 2, 1]
// CHECK:       linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%[[S00]], %[[S01]], %[[S10]], %[[S11]] :
// CHECK-NEXT:  ^bb0(%[[A:.+]]: f32, %[[B:.+]]: f32, %[[C:.+]]: f32, %[[D:.+]]: f32, %{{.+}}: f32):
// CHECK:         %[[M0:.+]] = arith.maximumf %{{.+}}, %[[A]]
// CHECK-NEXT:    %[[M1:.+]] = arith.maximumf %[[M0]], %[[B]]
// CHECK-NEXT:    %[[M2:.+]] = arith.maximumf %[[M1]], %[[C]]
// CHECK-NEXT:    %[[M3:.+]] = arith.maximumf %[[M2]], %[[D]]
// CHECK-NEXT:    linalg.yield %[[M3]]
// CHECK-NOT:   "reduction"
func.func @max_tiling(%x: tensor<2x8x7x3xf32>) -> tensor<2x4x3x3xf32> {
  %0 = mdl.max_pool2d %x size = [2, 2] stride = [2, 2] padding = [0, 0] : tensor<2x8x7x3xf32> -> tensor<2x4x3x3xf32>
  return %0 : tensor<2x4x3x3xf32>
}

// -----

// Its adjoint, when the windows cover the input: one generic over the 6-D
// view [B, OH, KH, OW, KW, C], recomputing the index of the first maximum
// (strict >) and comparing it with kh * KW + kw.
// CHECK-LABEL: func.func @max_grad_covering
// CHECK:       %[[E:.+]] = tensor.empty() : tensor<2x4x2x3x2x3xf32>
// CHECK:       %[[G:.+]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%arg1, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} : {{.*}}) outs(%[[E]] :
// CHECK:         %[[I:.+]] = linalg.index 2
// CHECK-NEXT:    %[[J:.+]] = linalg.index 4
// CHECK-COUNT-4: arith.cmpf ogt
// CHECK:         arith.cmpi eq
// CHECK:       tensor.collapse_shape %[[G]] {{\[}}[0], [1, 2], [3, 4], [5]] : tensor<2x4x2x3x2x3xf32> into tensor<2x8x6x3xf32>
func.func @max_grad_covering(%x: tensor<2x8x6x3xf32>, %dy: tensor<2x4x3x3xf32>) -> tensor<2x8x6x3xf32> {
  %0 = mdl.max_pool2d_grad %x, %dy size = [2, 2] stride = [2, 2] padding = [0, 0] : tensor<2x8x6x3xf32>, tensor<2x4x3x3xf32>
  return %0 : tensor<2x8x6x3xf32>
}

// -----

// An odd size (a row and a column no window covers) keeps the general
// lowering: the window reduction of the first-maximum index.
// CHECK-LABEL: func.func @max_grad_odd
// CHECK:       iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]
// CHECK-NOT:   tensor.collapse_shape
func.func @max_grad_odd(%x: tensor<2x7x7x3xf32>, %dy: tensor<2x3x3x3xf32>) -> tensor<2x7x7x3xf32> {
  %0 = mdl.max_pool2d_grad %x, %dy size = [2, 2] stride = [2, 2] padding = [0, 0] : tensor<2x7x7x3xf32>, tensor<2x3x3x3xf32>
  return %0 : tensor<2x7x7x3xf32>
}
