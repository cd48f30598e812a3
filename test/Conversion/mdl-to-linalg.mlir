// RUN: adjoint-opt %s -split-input-file --convert-mdl-to-linalg | FileCheck %s

// NumPy broadcasting becomes indexing maps: a missing leading dimension is
// dropped from the map, a size-1 dimension is read at index 0, a scalar has
// an empty map.
// CHECK-DAG: #[[ID:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[COL:.+]] = affine_map<(d0, d1) -> (d1)>
// CHECK-DAG: #[[ROW0:.+]] = affine_map<(d0, d1) -> (d0, 0)>
// CHECK-DAG: #[[SCALAR:.+]] = affine_map<(d0, d1) -> ()>
// CHECK-LABEL: func.func @binary
// CHECK-SAME: (%[[A:.+]]: tensor<8x3xf32>, %[[B:.+]]: tensor<3xf32>, %[[C:.+]]: tensor<8x1xf32>, %[[S:.+]]: tensor<f32>)
// CHECK:      %[[E0:.+]] = tensor.empty() : tensor<8x3xf32>
// CHECK-NEXT: %[[ADD:.+]] = linalg.generic {indexing_maps = [#[[ID]], #[[COL]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[A]], %[[B]] : tensor<8x3xf32>, tensor<3xf32>) outs(%[[E0]] : tensor<8x3xf32>)
// CHECK-NEXT: ^bb0(%[[X:.+]]: f32, %[[Y:.+]]: f32, %{{.+}}: f32):
// CHECK-NEXT:   %[[R:.+]] = arith.addf %[[X]], %[[Y]] : f32
// CHECK-NEXT:   linalg.yield %[[R]]
// CHECK:      %[[SUB:.+]] = linalg.generic {indexing_maps = [#[[ROW0]], #[[ID]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[C]], %[[ADD]] : tensor<8x1xf32>, tensor<8x3xf32>)
// CHECK:        arith.subf
// CHECK:      %[[MUL:.+]] = linalg.generic {indexing_maps = [#[[ID]], #[[SCALAR]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[SUB]], %[[S]] : tensor<8x3xf32>, tensor<f32>)
// CHECK:        arith.mulf
// CHECK:      %[[DIV:.+]] = linalg.generic {indexing_maps = [#[[ID]], #[[ID]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[MUL]], %[[A]] : tensor<8x3xf32>, tensor<8x3xf32>)
// CHECK:        arith.divf
// CHECK:      return %[[DIV]]
func.func @binary(%a: tensor<8x3xf32>, %b: tensor<3xf32>, %c: tensor<8x1xf32>, %s: tensor<f32>) -> tensor<8x3xf32> {
  %0 = mdl.add %a, %b : tensor<8x3xf32>, tensor<3xf32> -> tensor<8x3xf32>
  %1 = mdl.sub %c, %0 : tensor<8x1xf32>, tensor<8x3xf32> -> tensor<8x3xf32>
  %2 = mdl.mul %1, %s : tensor<8x3xf32>, tensor<f32> -> tensor<8x3xf32>
  %3 = mdl.div %2, %a : tensor<8x3xf32>, tensor<8x3xf32> -> tensor<8x3xf32>
  return %3 : tensor<8x3xf32>
}

// -----

// CHECK-LABEL: func.func @unary
// CHECK-SAME: (%[[A:.+]]: tensor<8x3xf64>)
// CHECK:      %[[NEG:.+]] = linalg.generic {{.+}} ins(%[[A]] : tensor<8x3xf64>)
// CHECK:        arith.negf
// relu: max(x, 0)
// CHECK:      %[[RELU:.+]] = linalg.generic {{.+}} ins(%[[NEG]] : tensor<8x3xf64>)
// CHECK-NEXT: ^bb0(%[[X:.+]]: f64, %{{.+}}: f64):
// CHECK-NEXT:   %[[Z:.+]] = arith.constant 0.000000e+00 : f64
// CHECK-NEXT:   %[[M:.+]] = arith.maximumf %[[X]], %[[Z]] : f64
// CHECK-NEXT:   linalg.yield %[[M]]
// sigmoid: 1 / (1 + exp(-x))
// CHECK:      %[[SIG:.+]] = linalg.generic {{.+}} ins(%[[RELU]] : tensor<8x3xf64>)
// CHECK-NEXT: ^bb0(%[[X:.+]]: f64, %{{.+}}: f64):
// CHECK-NEXT:   %[[ONE:.+]] = arith.constant 1.000000e+00 : f64
// CHECK-NEXT:   %[[NX:.+]] = arith.negf %[[X]] : f64
// CHECK-NEXT:   %[[E:.+]] = math.exp %[[NX]] : f64
// CHECK-NEXT:   %[[D:.+]] = arith.addf %[[ONE]], %[[E]] : f64
// CHECK-NEXT:   %[[Q:.+]] = arith.divf %[[ONE]], %[[D]] : f64
// CHECK-NEXT:   linalg.yield %[[Q]]
// CHECK:      %[[TANH:.+]] = linalg.generic {{.+}} ins(%[[SIG]] : tensor<8x3xf64>)
// CHECK:        math.tanh
// relu_grad: grad where input > 0, else 0
// CHECK:      %[[RG:.+]] = linalg.generic {{.+}} ins(%[[A]], %[[TANH]] : tensor<8x3xf64>, tensor<8x3xf64>)
// CHECK-NEXT: ^bb0(%[[X:.+]]: f64, %[[G:.+]]: f64, %{{.+}}: f64):
// CHECK-NEXT:   %[[Z:.+]] = arith.constant 0.000000e+00 : f64
// CHECK-NEXT:   %[[P:.+]] = arith.cmpf ogt, %[[X]], %[[Z]] : f64
// CHECK-NEXT:   %[[SEL:.+]] = arith.select %[[P]], %[[G]], %[[Z]] : f64
// CHECK-NEXT:   linalg.yield %[[SEL]]
// CHECK:      return %[[RG]]
func.func @unary(%a: tensor<8x3xf64>) -> tensor<8x3xf64> {
  %0 = mdl.neg %a : tensor<8x3xf64>
  %1 = mdl.relu %0 : tensor<8x3xf64>
  %2 = mdl.sigmoid %1 : tensor<8x3xf64>
  %3 = mdl.tanh %2 : tensor<8x3xf64>
  %4 = mdl.relu_grad %a, %3 : tensor<8x3xf64>
  return %4 : tensor<8x3xf64>
}

// -----

// Matmuls accumulate into a zero-filled destination. A transposed left
// operand is read through its indexing map (k, m); a transposed right
// operand is first transposed once into a k x n workspace and the contraction
// stays in the plain layout.
// CHECK-DAG: #[[KM:.+]] = affine_map<(d0, d1, d2) -> (d2, d0)>
// CHECK-DAG: #[[KN:.+]] = affine_map<(d0, d1, d2) -> (d2, d1)>
// CHECK-DAG: #[[MN:.+]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @matmuls
// CHECK-SAME: (%[[A:.+]]: tensor<8x4xf32>, %[[B:.+]]: tensor<4x3xf32>, %[[AT:.+]]: tensor<4x8xf32>, %[[BT:.+]]: tensor<3x4xf32>)
// CHECK:      %[[E:.+]] = tensor.empty() : tensor<8x3xf32>
// CHECK-NEXT: %[[ZERO:.+]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT: %[[F:.+]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[E]] : tensor<8x3xf32>)
// CHECK-NEXT: %[[NN:.+]] = linalg.matmul ins(%[[A]], %[[B]] : tensor<8x4xf32>, tensor<4x3xf32>) outs(%[[F]] : tensor<8x3xf32>)
// CHECK:      %[[F:.+]] = linalg.fill
// CHECK-NEXT: %[[TN:.+]] = linalg.matmul indexing_maps = [#[[KM]], #[[KN]], #[[MN]]] ins(%[[AT]], %[[B]] : tensor<4x8xf32>, tensor<4x3xf32>) outs(%[[F]] : tensor<8x3xf32>)
// CHECK:      %[[WE:.+]] = tensor.empty() : tensor<4x3xf32>
// CHECK-NEXT: %[[W:.+]] = linalg.transpose ins(%[[BT]] : tensor<3x4xf32>) outs(%[[WE]] : tensor<4x3xf32>) permutation = [1, 0]
// CHECK:      %[[F:.+]] = linalg.fill
// CHECK-NEXT: %[[NT:.+]] = linalg.matmul ins(%[[A]], %[[W]] : tensor<8x4xf32>, tensor<4x3xf32>) outs(%[[F]] : tensor<8x3xf32>)
// CHECK:      %[[W:.+]] = linalg.transpose ins(%[[BT]] : tensor<3x4xf32>) outs(%{{.+}} : tensor<4x3xf32>) permutation = [1, 0]
// CHECK:      %[[F:.+]] = linalg.fill
// CHECK-NEXT: %[[TT:.+]] = linalg.matmul indexing_maps = [#[[KM]], #[[KN]], #[[MN]]] ins(%[[AT]], %[[W]] : tensor<4x8xf32>, tensor<4x3xf32>) outs(%[[F]] : tensor<8x3xf32>)
// CHECK:      return %[[NN]], %[[TN]], %[[NT]], %[[TT]]
func.func @matmuls(%a: tensor<8x4xf32>, %b: tensor<4x3xf32>, %at: tensor<4x8xf32>, %bt: tensor<3x4xf32>)
    -> (tensor<8x3xf32>, tensor<8x3xf32>, tensor<8x3xf32>, tensor<8x3xf32>) {
  %0 = mdl.matmul %a, %b : tensor<8x4xf32>, tensor<4x3xf32> -> tensor<8x3xf32>
  %1 = mdl.matmul %at, %b {transpose_lhs} : tensor<4x8xf32>, tensor<4x3xf32> -> tensor<8x3xf32>
  %2 = mdl.matmul %a, %bt {transpose_rhs} : tensor<8x4xf32>, tensor<3x4xf32> -> tensor<8x3xf32>
  %3 = mdl.matmul %at, %bt {transpose_lhs, transpose_rhs} : tensor<4x8xf32>, tensor<3x4xf32> -> tensor<8x3xf32>
  return %0, %1, %2, %3 : tensor<8x3xf32>, tensor<8x3xf32>, tensor<8x3xf32>, tensor<8x3xf32>
}

// -----

// Reductions: the reduced axes are "reduction" iterators and vanish from the
// output map; mean scales the sum by 1/count.
// CHECK-DAG: #[[ID3:.+]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[D1:.+]] = affine_map<(d0, d1, d2) -> (d1)>
// CHECK-DAG: #[[D02:.+]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-LABEL: func.func @reduce
// CHECK-SAME: (%[[X:.+]]: tensor<2x3x4xf32>)
// CHECK:      %[[Z:.+]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT: %[[F:.+]] = linalg.fill ins(%[[Z]] : f32) outs(%{{.+}} : tensor<3xf32>)
// CHECK-NEXT: %[[SUM:.+]] = linalg.generic {indexing_maps = [#[[ID3]], #[[D1]]], iterator_types = ["reduction", "parallel", "reduction"]} ins(%[[X]] : tensor<2x3x4xf32>) outs(%[[F]] : tensor<3xf32>)
// CHECK-NEXT: ^bb0(%[[IN:.+]]: f32, %[[ACC:.+]]: f32):
// CHECK-NEXT:   %[[R:.+]] = arith.addf %[[IN]], %[[ACC]] : f32
// CHECK-NEXT:   linalg.yield %[[R]]
// CHECK:      %[[MSUM:.+]] = linalg.generic {indexing_maps = [#[[ID3]], #[[D02]]], iterator_types = ["parallel", "reduction", "parallel"]} ins(%[[X]] : tensor<2x3x4xf32>)
// CHECK:      %[[THIRD:.+]] = arith.constant 0.333333343 : f32
// CHECK:      %[[MEAN:.+]] = linalg.generic {{.+}} iterator_types = ["parallel", "parallel"]} ins(%[[MSUM]] : tensor<2x4xf32>)
// CHECK-NEXT: ^bb0(%[[IN:.+]]: f32, %{{.+}}: f32):
// CHECK-NEXT:   %[[R:.+]] = arith.mulf %[[IN]], %[[THIRD]] : f32
// CHECK:      return %[[SUM]], %[[MEAN]]
func.func @reduce(%x: tensor<2x3x4xf32>) -> (tensor<3xf32>, tensor<2x4xf32>) {
  %0 = mdl.sum %x axes = [0, 2] : tensor<2x3x4xf32> -> tensor<3xf32>
  %1 = mdl.mean %x axes = [1] : tensor<2x3x4xf32> -> tensor<2x4xf32>
  return %0, %1 : tensor<3xf32>, tensor<2x4xf32>
}

// -----

// broadcast_in_dim is a copy through a broadcasting map; reshape collapses
// to 1-D and expands again (no data movement).
// CHECK-DAG: #[[BMAP:.+]] = affine_map<(d0, d1, d2) -> (0, d2)>
// CHECK-DAG: #[[ID3:.+]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @shape
// CHECK-SAME: (%[[V:.+]]: tensor<1x3xf32>, %[[X:.+]]: tensor<2x3x4xf32>, %[[S:.+]]: tensor<f32>)
// CHECK:      %[[BC:.+]] = linalg.generic {indexing_maps = [#[[BMAP]], #[[ID3]]], iterator_types = ["parallel", "parallel", "parallel"]} ins(%[[V]] : tensor<1x3xf32>) outs(%{{.+}} : tensor<4x5x3xf32>)
// CHECK-NEXT: ^bb0(%[[IN:.+]]: f32, %{{.+}}: f32):
// CHECK-NEXT:   linalg.yield %[[IN]] : f32
// CHECK:      %[[C:.+]] = tensor.collapse_shape %[[X]] {{\[}}[0, 1, 2]] : tensor<2x3x4xf32> into tensor<24xf32>
// CHECK-NEXT: %[[R1:.+]] = tensor.expand_shape %[[C]] {{\[}}[0, 1]] output_shape [6, 4] : tensor<24xf32> into tensor<6x4xf32>
// CHECK-NEXT: %[[E:.+]] = tensor.expand_shape %[[S]] [] output_shape [1] : tensor<f32> into tensor<1xf32>
// CHECK-NEXT: %[[R2:.+]] = tensor.expand_shape %[[E]] {{\[}}[0, 1]] output_shape [1, 1] : tensor<1xf32> into tensor<1x1xf32>
// CHECK-NEXT: %[[R3:.+]] = tensor.collapse_shape %[[X]] {{\[}}[0, 1, 2]] : tensor<2x3x4xf32> into tensor<24xf32>
// CHECK-NEXT: return %[[BC]], %[[R1]], %[[R2]], %[[R3]]
func.func @shape(%v: tensor<1x3xf32>, %x: tensor<2x3x4xf32>, %s: tensor<f32>) -> (tensor<4x5x3xf32>, tensor<6x4xf32>, tensor<1x1xf32>, tensor<24xf32>) {
  %0 = mdl.broadcast_in_dim %v dims = [0, 2] : tensor<1x3xf32> -> tensor<4x5x3xf32>
  %1 = mdl.reshape %x : tensor<2x3x4xf32> -> tensor<6x4xf32>
  %2 = mdl.reshape %s : tensor<f32> -> tensor<1x1xf32>
  %3 = mdl.reshape %x : tensor<2x3x4xf32> -> tensor<24xf32>
  return %0, %1, %2, %3 : tensor<4x5x3xf32>, tensor<6x4xf32>, tensor<1x1xf32>, tensor<24xf32>
}

// -----

// Stable masked softmax cross-entropy: row max (init -inf), row sum of
// exp(x - max), then per row log(sum) + max - x[label], weighted by the mask,
// summed and divided by max(sum(mask), 1).
// CHECK-DAG: #[[ID:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROW:.+]] = affine_map<(d0, d1) -> (d0)>
// CHECK-DAG: #[[V:.+]] = affine_map<(d0) -> (d0)>
// CHECK-DAG: #[[VS:.+]] = affine_map<(d0) -> ()>
// CHECK-DAG: #[[S:.+]] = affine_map<() -> ()>
// CHECK-LABEL: func.func @xent
// CHECK-SAME: (%[[L:.+]]: tensor<8x10xf32>, %[[Y:.+]]: tensor<8xi32>, %[[M:.+]]: tensor<8xf32>)
// CHECK:      %[[NINF:.+]] = arith.constant 0xFF800000 : f32
// CHECK-NEXT: %[[MAXI:.+]] = linalg.fill ins(%[[NINF]] : f32) outs(%{{.+}} : tensor<8xf32>)
// CHECK-NEXT: %[[MAX:.+]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]]], iterator_types = ["parallel", "reduction"]} ins(%[[L]] : tensor<8x10xf32>) outs(%[[MAXI]] : tensor<8xf32>)
// CHECK:        arith.maximumf
// CHECK:      %[[SUM:.+]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ROW]]], iterator_types = ["parallel", "reduction"]} ins(%[[L]], %[[MAX]] : tensor<8x10xf32>, tensor<8xf32>)
// CHECK-NEXT: ^bb0(%[[X:.+]]: f32, %[[MX:.+]]: f32, %[[ACC:.+]]: f32):
// CHECK-NEXT:   %[[D:.+]] = arith.subf %[[X]], %[[MX]] : f32
// CHECK-NEXT:   %[[E:.+]] = math.exp %[[D]] : f32
// CHECK-NEXT:   %[[A:.+]] = arith.addf %[[ACC]], %[[E]] : f32
// CHECK:      %[[TOT:.+]] = linalg.generic {indexing_maps = [#[[V]], #[[V]], #[[V]], #[[V]], #[[VS]]], iterator_types = ["reduction"]} ins(%[[MAX]], %[[SUM]], %[[Y]], %[[M]] : tensor<8xf32>, tensor<8xf32>, tensor<8xi32>, tensor<8xf32>) outs(%{{.+}} : tensor<f32>)
// CHECK-NEXT: ^bb0(%[[MX:.+]]: f32, %[[SE:.+]]: f32, %[[LAB:.+]]: i32, %[[MK:.+]]: f32, %[[ACC:.+]]: f32):
// CHECK-NEXT:   %[[ROWI:.+]] = linalg.index 0 : index
// CHECK-NEXT:   %[[COLI:.+]] = arith.index_cast %[[LAB]] : i32 to index
// CHECK-NEXT:   %[[PICK:.+]] = tensor.extract %[[L]][%[[ROWI]], %[[COLI]]] : tensor<8x10xf32>
// CHECK-NEXT:   %[[LOG:.+]] = math.log %[[SE]] : f32
// CHECK-NEXT:   %[[LSE:.+]] = arith.addf %[[MX]], %[[LOG]] : f32
// CHECK-NEXT:   %[[LOSS:.+]] = arith.subf %[[LSE]], %[[PICK]] : f32
// CHECK-NEXT:   %[[ML:.+]] = arith.mulf %[[LOSS]], %[[MK]] : f32
// CHECK-NEXT:   %[[NEW:.+]] = arith.addf %[[ACC]], %[[ML]] : f32
// CHECK:      %[[CNT:.+]] = linalg.generic {indexing_maps = [#[[V]], #[[VS]]], iterator_types = ["reduction"]} ins(%[[M]] : tensor<8xf32>)
// CHECK:        arith.addf
// CHECK:      %[[ONE:.+]] = arith.constant 1.000000e+00 : f32
// CHECK:      %[[CNT1:.+]] = linalg.generic {indexing_maps = [#[[S]], #[[S]]], iterator_types = []} ins(%[[CNT]] : tensor<f32>)
// CHECK-NEXT: ^bb0(%[[C:.+]]: f32, %{{.+}}: f32):
// CHECK-NEXT:   arith.maximumf %[[C]], %[[ONE]] : f32
// CHECK:      %[[MEAN:.+]] = linalg.generic {indexing_maps = [#[[S]], #[[S]], #[[S]]], iterator_types = []} ins(%[[TOT]], %[[CNT1]] : tensor<f32>, tensor<f32>)
// CHECK-NEXT: ^bb0(%[[T:.+]]: f32, %[[N:.+]]: f32, %{{.+}}: f32):
// CHECK-NEXT:   arith.divf %[[T]], %[[N]] : f32
// CHECK:      return %[[MEAN]]
func.func @xent(%l: tensor<8x10xf32>, %y: tensor<8xi32>, %m: tensor<8xf32>) -> tensor<f32> {
  %0 = mdl.softmax_cross_entropy %l, %y mask %m : tensor<8x10xf32>, tensor<8xi32>, tensor<8xf32> -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// Without a mask the count is the static row count.
// CHECK-LABEL: func.func @xent_nomask
// CHECK:      %[[TOT:.+]] = linalg.generic {{.+}} iterator_types = ["reduction"]}
// CHECK-NOT:    arith.mulf
// CHECK:      %[[EIGHT:.+]] = arith.constant 8.000000e+00 : f32
// CHECK-NEXT: %[[CNT:.+]] = linalg.fill ins(%[[EIGHT]] : f32) outs(%{{.+}} : tensor<f32>)
// CHECK-NEXT: %{{.+}} = tensor.empty() : tensor<f32>
// CHECK-NEXT: %[[MEAN:.+]] = linalg.generic {{.+}} ins(%[[TOT]], %[[CNT]] : tensor<f32>, tensor<f32>)
// CHECK:        arith.divf
func.func @xent_nomask(%l: tensor<8x10xf32>, %y: tensor<8xi32>) -> tensor<f32> {
  %0 = mdl.softmax_cross_entropy %l, %y : tensor<8x10xf32>, tensor<8xi32> -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// The gradient: (softmax - onehot(label)) * grad / count, stable softmax.
// CHECK-DAG: #[[ID:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROW:.+]] = affine_map<(d0, d1) -> (d0)>
// CHECK-DAG: #[[SC:.+]] = affine_map<(d0, d1) -> ()>
// CHECK-LABEL: func.func @xent_grad
// CHECK-SAME: (%[[G:.+]]: tensor<f32>, %[[L:.+]]: tensor<8x10xf32>, %[[Y:.+]]: tensor<8xi32>, %[[M:.+]]: tensor<8xf32>)
// CHECK:      %[[MAX:.+]] = linalg.generic {{.+}} iterator_types = ["parallel", "reduction"]} ins(%[[L]] : tensor<8x10xf32>)
// CHECK:        arith.maximumf
// CHECK:      %[[SUM:.+]] = linalg.generic {{.+}} iterator_types = ["parallel", "reduction"]} ins(%[[L]], %[[MAX]] : tensor<8x10xf32>, tensor<8xf32>)
// CHECK:        math.exp
// CHECK:      %[[CNT:.+]] = linalg.generic {{.+}} ins(%{{[^ ]+}} : tensor<f32>)
// CHECK:        arith.maximumf
// CHECK:      %[[R:.+]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ROW]], #[[ROW]], #[[SC]], #[[SC]], #[[ROW]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[L]], %[[MAX]], %[[SUM]], %[[Y]], %[[G]], %[[CNT]], %[[M]] : tensor<8x10xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xi32>, tensor<f32>, tensor<f32>, tensor<8xf32>) outs(%{{.+}} : tensor<8x10xf32>)
// CHECK-NEXT: ^bb0(%[[X:.+]]: f32, %[[MX:.+]]: f32, %[[SE:.+]]: f32, %[[LAB:.+]]: i32, %[[GG:.+]]: f32, %[[N:.+]]: f32, %[[MK:.+]]: f32, %{{.+}}: f32):
// CHECK-NEXT:   %[[D:.+]] = arith.subf %[[X]], %[[MX]] : f32
// CHECK-NEXT:   %[[E:.+]] = math.exp %[[D]] : f32
// CHECK-NEXT:   %[[P:.+]] = arith.divf %[[E]], %[[SE]] : f32
// CHECK-NEXT:   %[[COL:.+]] = linalg.index 1 : index
// CHECK-NEXT:   %[[LI:.+]] = arith.index_cast %[[LAB]] : i32 to index
// CHECK-NEXT:   %[[HIT:.+]] = arith.cmpi eq, %[[COL]], %[[LI]] : index
// CHECK-NEXT:   %[[OH:.+]] = arith.select %[[HIT]], %{{.+}}, %{{.+}} : f32
// CHECK-NEXT:   %[[DIFF:.+]] = arith.subf %[[P]], %[[OH]] : f32
// CHECK-NEXT:   %[[SCALE:.+]] = arith.divf %[[GG]], %[[N]] : f32
// CHECK-NEXT:   %[[MS:.+]] = arith.mulf %[[SCALE]], %[[MK]] : f32
// CHECK-NEXT:   %[[OUT:.+]] = arith.mulf %[[DIFF]], %[[MS]] : f32
// CHECK-NEXT:   linalg.yield %[[OUT]]
// CHECK:      return %[[R]]
func.func @xent_grad(%g: tensor<f32>, %l: tensor<8x10xf32>, %y: tensor<8xi32>, %m: tensor<8xf32>) -> tensor<8x10xf32> {
  %0 = mdl.softmax_cross_entropy_grad %g, %l, %y mask %m : tensor<f32>, tensor<8x10xf32>, tensor<8xi32>, tensor<8xf32> -> tensor<8x10xf32>
  return %0 : tensor<8x10xf32>
}

// -----

// mse: sum over all elements of mask * (p - t)^2, divided by
// max(sum(mask), 1) * (elements per row).
// CHECK-DAG: #[[ID:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROW:.+]] = affine_map<(d0, d1) -> (d0)>
// CHECK-DAG: #[[SC:.+]] = affine_map<(d0, d1) -> ()>
// CHECK-LABEL: func.func @mse
// CHECK-SAME: (%[[P:.+]]: tensor<8x3xf32>, %[[T:.+]]: tensor<8x3xf32>, %[[M:.+]]: tensor<8xf32>)
// CHECK:      %[[TOT:.+]] = linalg.generic {indexing_maps = [#[[ID]], #[[ID]], #[[ROW]], #[[SC]]], iterator_types = ["reduction", "reduction"]} ins(%[[P]], %[[T]], %[[M]] : tensor<8x3xf32>, tensor<8x3xf32>, tensor<8xf32>)
// CHECK-NEXT: ^bb0(%[[X:.+]]: f32, %[[Y:.+]]: f32, %[[MK:.+]]: f32, %[[ACC:.+]]: f32):
// CHECK-NEXT:   %[[D:.+]] = arith.subf %[[X]], %[[Y]] : f32
// CHECK-NEXT:   %[[SQ:.+]] = arith.mulf %[[D]], %[[D]] : f32
// CHECK-NEXT:   %[[W:.+]] = arith.mulf %[[SQ]], %[[MK]] : f32
// CHECK-NEXT:   arith.addf %[[ACC]], %[[W]] : f32
// CHECK:      %[[CNT:.+]] = linalg.generic {{.+}} ins(%{{[^ ]+}} : tensor<f32>)
// CHECK:        arith.maximumf
// CHECK:      %[[PER:.+]] = arith.constant 3.000000e+00 : f32
// CHECK:      %[[R:.+]] = linalg.generic {{.+}} ins(%[[TOT]], %[[CNT]] : tensor<f32>, tensor<f32>)
// CHECK-NEXT: ^bb0(%[[S:.+]]: f32, %[[N:.+]]: f32, %{{.+}}: f32):
// CHECK-NEXT:   %[[NN:.+]] = arith.mulf %[[N]], %[[PER]] : f32
// CHECK-NEXT:   arith.divf %[[S]], %[[NN]] : f32
// CHECK:      return %[[R]]
func.func @mse(%p: tensor<8x3xf32>, %t: tensor<8x3xf32>, %m: tensor<8xf32>) -> tensor<f32> {
  %0 = mdl.mse %p, %t mask %m : tensor<8x3xf32>, tensor<8x3xf32>, tensor<8xf32> -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// mse_grad: (p - t) * grad / count * 2 / (elements per row) * mask.
// CHECK-LABEL: func.func @mse_grad
// CHECK-SAME: (%[[G:.+]]: tensor<f32>, %[[P:.+]]: tensor<8x3xf32>, %[[T:.+]]: tensor<8x3xf32>, %[[M:.+]]: tensor<8xf32>)
// CHECK:      %[[CNT:.+]] = linalg.generic {{.+}} ins(%{{[^ ]+}} : tensor<f32>)
// CHECK:        arith.maximumf
// CHECK:      %[[TWO:.+]] = arith.constant 0.666666686 : f32
// CHECK:      %[[R:.+]] = linalg.generic {{.+}} iterator_types = ["parallel", "parallel"]} ins(%[[G]], %[[CNT]], %[[P]], %[[T]], %[[M]] : tensor<f32>, tensor<f32>, tensor<8x3xf32>, tensor<8x3xf32>, tensor<8xf32>)
// CHECK-NEXT: ^bb0(%[[GG:.+]]: f32, %[[N:.+]]: f32, %[[X:.+]]: f32, %[[Y:.+]]: f32, %[[MK:.+]]: f32, %{{.+}}: f32):
// CHECK-NEXT:   %[[D:.+]] = arith.subf %[[X]], %[[Y]] : f32
// CHECK-NEXT:   %[[S:.+]] = arith.divf %[[GG]], %[[N]] : f32
// CHECK-NEXT:   %[[S2:.+]] = arith.mulf %[[S]], %[[TWO]] : f32
// CHECK-NEXT:   %[[S3:.+]] = arith.mulf %[[S2]], %[[MK]] : f32
// CHECK-NEXT:   %[[O:.+]] = arith.mulf %[[D]], %[[S3]] : f32
// CHECK-NEXT:   linalg.yield %[[O]]
// CHECK:      return %[[R]]
func.func @mse_grad(%g: tensor<f32>, %p: tensor<8x3xf32>, %t: tensor<8x3xf32>, %m: tensor<8xf32>) -> tensor<8x3xf32> {
  %0 = mdl.mse_grad %g, %p, %t mask %m : tensor<f32>, tensor<8x3xf32>, tensor<8xf32> -> tensor<8x3xf32>
  return %0 : tensor<8x3xf32>
}

// -----

// Elementwise math functions: one parallel generic each with the math op
// (f64 here: later passes keep exact libm calls for f64 and use polynomial
// approximations for f32).
// CHECK-LABEL: func.func @layer_unary
// CHECK-SAME: (%[[A:.+]]: tensor<4x3xf64>)
// CHECK:      linalg.generic {{.+}} ins(%[[A]] : tensor<4x3xf64>)
// CHECK-NEXT: ^bb0(%[[X:.+]]: f64, %{{.+}}: f64):
// CHECK-NEXT:   %[[R:.+]] = math.exp %[[X]] : f64
// CHECK-NEXT:   linalg.yield %[[R]]
// CHECK:        math.log %{{.+}} : f64
// CHECK:        math.log1p %{{.+}} : f64
// CHECK:        math.sqrt %{{.+}} : f64
// CHECK:        math.rsqrt %{{.+}} : f64
// CHECK:        math.absf %{{.+}} : f64
// reciprocal: 1 / x
// CHECK:      ^bb0(%[[X:.+]]: f64, %{{.+}}: f64):
// CHECK-NEXT:   %[[ONE:.+]] = arith.constant 1.000000e+00 : f64
// CHECK-NEXT:   %[[R:.+]] = arith.divf %[[ONE]], %[[X]] : f64
// CHECK:        math.sin %{{.+}} : f64
// CHECK:        math.cos %{{.+}} : f64
// CHECK:      return
func.func @layer_unary(%a: tensor<4x3xf64>) -> (tensor<4x3xf64>, tensor<4x3xf64>, tensor<4x3xf64>, tensor<4x3xf64>, tensor<4x3xf64>, tensor<4x3xf64>, tensor<4x3xf64>, tensor<4x3xf64>, tensor<4x3xf64>) {
  %0 = mdl.exp %a : tensor<4x3xf64>
  %1 = mdl.log %a : tensor<4x3xf64>
  %2 = mdl.log1p %a : tensor<4x3xf64>
  %3 = mdl.sqrt %a : tensor<4x3xf64>
  %4 = mdl.rsqrt %a : tensor<4x3xf64>
  %5 = mdl.abs %a : tensor<4x3xf64>
  %6 = mdl.reciprocal %a : tensor<4x3xf64>
  %7 = mdl.sin %a : tensor<4x3xf64>
  %8 = mdl.cos %a : tensor<4x3xf64>
  return %0, %1, %2, %3, %4, %5, %6, %7, %8 : tensor<4x3xf64>, tensor<4x3xf64>, tensor<4x3xf64>, tensor<4x3xf64>, tensor<4x3xf64>, tensor<4x3xf64>, tensor<4x3xf64>, tensor<4x3xf64>, tensor<4x3xf64>
}

// -----

// Activations, in their stable forms: softplus = max(x, 0) + log1p(exp(-|x|))
// (no overflow for large x), silu = x / (1 + exp(-x)) through the stable
// sigmoid, elu with expm1, gelu with erf or tanh; gelu_grad in one generic;
// clamp = min(max(x, lo), hi).
// CHECK-LABEL: func.func @layer_activations
// CHECK-SAME: (%[[A:.+]]: tensor<4x3xf32>)
// softplus
// CHECK:      ^bb0(%[[X:.+]]: f32, %{{.+}}: f32):
// CHECK-NEXT:   %[[Z:.+]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT:   %[[POS:.+]] = arith.maximumf %[[X]], %[[Z]] : f32
// CHECK-NEXT:   %[[ABS:.+]] = math.absf %[[X]] : f32
// CHECK-NEXT:   %[[NABS:.+]] = arith.negf %[[ABS]] : f32
// CHECK-NEXT:   %[[E:.+]] = math.exp %[[NABS]] : f32
// CHECK-NEXT:   %[[L:.+]] = math.log1p %[[E]] : f32
// CHECK-NEXT:   %[[R:.+]] = arith.addf %[[POS]], %[[L]] : f32
// CHECK-NEXT:   linalg.yield %[[R]]
// silu
// CHECK:      ^bb0(%[[X:.+]]: f32, %{{.+}}: f32):
// CHECK-NEXT:   %[[ONE:.+]] = arith.constant 1.000000e+00 : f32
// CHECK-NEXT:   %[[NX:.+]] = arith.negf %[[X]] : f32
// CHECK-NEXT:   %[[E:.+]] = math.exp %[[NX]] : f32
// CHECK-NEXT:   %[[D:.+]] = arith.addf %[[ONE]], %[[E]] : f32
// CHECK-NEXT:   %[[S:.+]] = arith.divf %[[ONE]], %[[D]] : f32
// CHECK-NEXT:   %[[R:.+]] = arith.mulf %[[X]], %[[S]] : f32
// CHECK-NEXT:   linalg.yield %[[R]]
// leaky_relu
// CHECK:      ^bb0(%[[X:.+]]: f32, %{{.+}}: f32):
// CHECK-NEXT:   %[[Z:.+]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT:   %[[P:.+]] = arith.cmpf ogt, %[[X]], %[[Z]] : f32
// CHECK-NEXT:   %[[SL:.+]] = arith.constant 1.250000e-01 : f32
// CHECK-NEXT:   %[[N:.+]] = arith.mulf %[[X]], %[[SL]] : f32
// CHECK-NEXT:   %[[R:.+]] = arith.select %[[P]], %[[X]], %[[N]] : f32
// CHECK-NEXT:   linalg.yield %[[R]]
// elu
// CHECK:      ^bb0(%[[X:.+]]: f32, %{{.+}}: f32):
// CHECK-NEXT:   %[[Z:.+]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT:   %[[P:.+]] = arith.cmpf ogt, %[[X]], %[[Z]] : f32
// CHECK-NEXT:   %[[EM1:.+]] = math.expm1 %[[X]] : f32
// CHECK-NEXT:   %[[AL:.+]] = arith.constant 1.500000e+00 : f32
// CHECK-NEXT:   %[[N:.+]] = arith.mulf %[[EM1]], %[[AL]] : f32
// CHECK-NEXT:   %[[R:.+]] = arith.select %[[P]], %[[X]], %[[N]] : f32
// CHECK-NEXT:   linalg.yield %[[R]]
// gelu (erf): 0.5 x (1 + erf(x / sqrt(2)))
// CHECK:      ^bb0(%[[X:.+]]: f32, %{{.+}}: f32):
// CHECK-NEXT:   %[[H:.+]] = arith.constant 5.000000e-01 : f32
// CHECK-NEXT:   %[[ONE:.+]] = arith.constant 1.000000e+00 : f32
// CHECK-NEXT:   %[[R2:.+]] = arith.constant 0.707106769 : f32
// CHECK-NEXT:   %[[U:.+]] = arith.mulf %[[X]], %[[R2]] : f32
// CHECK-NEXT:   %[[ERF:.+]] = math.erf %[[U]] : f32
// CHECK-NEXT:   %[[OP:.+]] = arith.addf %[[ONE]], %[[ERF]] : f32
// CHECK-NEXT:   %[[PHI:.+]] = arith.mulf %[[H]], %[[OP]] : f32
// CHECK-NEXT:   %[[R:.+]] = arith.mulf %[[X]], %[[PHI]] : f32
// CHECK-NEXT:   linalg.yield %[[R]]
// gelu (tanh): 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
// CHECK:        arith.constant 4.471500e-02 : f32
// CHECK:        arith.constant 0.797884583 : f32
// CHECK:        math.tanh
// gelu_grad (erf): grad * (Phi(x) + x exp(-x^2/2) / sqrt(2 pi))
// CHECK:      linalg.generic {{.+}} ins(%[[A]], %[[A]] : tensor<4x3xf32>, tensor<4x3xf32>)
// CHECK:        math.erf
// CHECK:        arith.constant -5.000000e-01 : f32
// CHECK:        math.exp
// CHECK:        arith.constant 0.398942292 : f32
// gelu_grad (tanh): the derivative of the tanh form
// CHECK:      linalg.generic {{.+}} ins(%[[A]], %[[A]] : tensor<4x3xf32>, tensor<4x3xf32>)
// CHECK:        math.tanh
// CHECK:        arith.constant 1.341450e-01 : f32
// clamp
// CHECK:      ^bb0(%[[X:.+]]: f32, %{{.+}}: f32):
// CHECK-NEXT:   %[[LO:.+]] = arith.constant -1.000000e+00 : f32
// CHECK-NEXT:   %[[M:.+]] = arith.maximumf %[[X]], %[[LO]] : f32
// CHECK-NEXT:   %[[HI:.+]] = arith.constant 2.000000e+00 : f32
// CHECK-NEXT:   %[[R:.+]] = arith.minimumf %[[M]], %[[HI]] : f32
// CHECK-NEXT:   linalg.yield %[[R]]
// CHECK:      return
func.func @layer_activations(%a: tensor<4x3xf32>) -> (tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>) {
  %0 = mdl.softplus %a : tensor<4x3xf32>
  %1 = mdl.silu %a : tensor<4x3xf32>
  %2 = mdl.leaky_relu %a negative_slope = 0.125 : tensor<4x3xf32>
  %3 = mdl.elu %a alpha = 1.5 : tensor<4x3xf32>
  %4 = mdl.gelu %a : tensor<4x3xf32>
  %5 = mdl.gelu %a tanh : tensor<4x3xf32>
  %6 = mdl.gelu_grad %a, %a : tensor<4x3xf32>
  %7 = mdl.gelu_grad %a, %a tanh : tensor<4x3xf32>
  %8 = mdl.clamp %a min = -1.0 max = 2.0 : tensor<4x3xf32>
  return %0, %1, %2, %3, %4, %5, %6, %7, %8 : tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>
}

// -----

// Broadcasting binary ops use the maps of add/sub/mul/div; comparisons select
// 1.0 or 0.0 (ordered predicates, une for not_equal); where selects on
// cond != 0 (une: a NaN condition counts as true, like NumPy's bool(nan)).
// CHECK-DAG: #[[ID:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[COL:.+]] = affine_map<(d0, d1) -> (d1)>
// CHECK-DAG: #[[ROW0:.+]] = affine_map<(d0, d1) -> (d0, 0)>
// CHECK-LABEL: func.func @layer_binary
// CHECK-SAME: (%[[A:.+]]: tensor<4x3xf32>, %[[B:.+]]: tensor<3xf32>, %[[C:.+]]: tensor<4x1xf32>)
// CHECK:      linalg.generic {indexing_maps = [#[[ID]], #[[COL]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[A]], %[[B]] : tensor<4x3xf32>, tensor<3xf32>)
// CHECK-NEXT: ^bb0(%[[X:.+]]: f32, %[[Y:.+]]: f32, %{{.+}}: f32):
// CHECK-NEXT:   %[[R:.+]] = math.powf %[[X]], %[[Y]] : f32
// CHECK:      linalg.generic {indexing_maps = [#[[ID]], #[[ROW0]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[A]], %[[C]] : tensor<4x3xf32>, tensor<4x1xf32>)
// CHECK:        arith.maximumf
// CHECK:      linalg.generic {indexing_maps = [#[[COL]], #[[ID]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[B]], %[[A]] : tensor<3xf32>, tensor<4x3xf32>)
// CHECK:        arith.minimumf
// CHECK:      ^bb0(%[[X:.+]]: f32, %[[Y:.+]]: f32, %{{.+}}: f32):
// CHECK-NEXT:   %[[P:.+]] = arith.cmpf ogt, %[[X]], %[[Y]] : f32
// CHECK-NEXT:   %[[ONE:.+]] = arith.constant 1.000000e+00 : f32
// CHECK-NEXT:   %[[ZERO:.+]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT:   %[[R:.+]] = arith.select %[[P]], %[[ONE]], %[[ZERO]] : f32
// CHECK-NEXT:   linalg.yield %[[R]]
// CHECK:        arith.cmpf oge
// CHECK:        arith.cmpf olt
// CHECK:        arith.cmpf ole
// CHECK:        arith.cmpf oeq
// CHECK:        arith.cmpf une
// CHECK:      linalg.generic {indexing_maps = [#[[ROW0]], #[[COL]], #[[ID]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[C]], %[[B]], %[[A]] : tensor<4x1xf32>, tensor<3xf32>, tensor<4x3xf32>)
// CHECK-NEXT: ^bb0(%[[CC:.+]]: f32, %[[T:.+]]: f32, %[[F:.+]]: f32, %{{.+}}: f32):
// CHECK-NEXT:   %[[Z:.+]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT:   %[[NZ:.+]] = arith.cmpf une, %[[CC]], %[[Z]] : f32
// CHECK-NEXT:   %[[R:.+]] = arith.select %[[NZ]], %[[T]], %[[F]] : f32
// CHECK-NEXT:   linalg.yield %[[R]]
func.func @layer_binary(%a: tensor<4x3xf32>, %b: tensor<3xf32>, %c: tensor<4x1xf32>) -> (tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>) {
  %0 = mdl.pow %a, %b : tensor<4x3xf32>, tensor<3xf32> -> tensor<4x3xf32>
  %1 = mdl.maximum %a, %c : tensor<4x3xf32>, tensor<4x1xf32> -> tensor<4x3xf32>
  %2 = mdl.minimum %b, %a : tensor<3xf32>, tensor<4x3xf32> -> tensor<4x3xf32>
  %3 = mdl.greater %a, %b : tensor<4x3xf32>, tensor<3xf32> -> tensor<4x3xf32>
  %4 = mdl.greater_equal %a, %b : tensor<4x3xf32>, tensor<3xf32> -> tensor<4x3xf32>
  %5 = mdl.less %a, %b : tensor<4x3xf32>, tensor<3xf32> -> tensor<4x3xf32>
  %6 = mdl.less_equal %a, %b : tensor<4x3xf32>, tensor<3xf32> -> tensor<4x3xf32>
  %7 = mdl.equal %a, %b : tensor<4x3xf32>, tensor<3xf32> -> tensor<4x3xf32>
  %8 = mdl.not_equal %a, %b : tensor<4x3xf32>, tensor<3xf32> -> tensor<4x3xf32>
  %9 = mdl.where %c, %b, %a : tensor<4x1xf32>, tensor<3xf32>, tensor<4x3xf32> -> tensor<4x3xf32>
  return %0, %1, %2, %3, %4, %5, %6, %7, %8, %9 : tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>
}

// -----

// max/min reduce from -inf/+inf. logsumexp: the max, then sum(exp(x - s))
// and s + log(sum) with the shift s = max, or 0 when the max is infinite
// (all -inf: the result is -inf, not NaN). variance: the mean, then the sum
// of squared deviations times 1/n (unbiased: 1/(n - 1), here 1/7).
// CHECK-DAG: #[[ID3:.+]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[D1:.+]] = affine_map<(d0, d1, d2) -> (d1)>
// CHECK-DAG: #[[D02:.+]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[D01:.+]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @layer_reductions
// CHECK-SAME: (%[[X:.+]]: tensor<2x3x4xf32>)
// CHECK:      %[[NINF:.+]] = arith.constant 0xFF800000 : f32
// CHECK-NEXT: %[[F:.+]] = linalg.fill ins(%[[NINF]] : f32) outs(%{{.+}} : tensor<3xf32>)
// CHECK-NEXT: %[[MAX:.+]] = linalg.generic {indexing_maps = [#[[ID3]], #[[D1]]], iterator_types = ["reduction", "parallel", "reduction"]} ins(%[[X]] : tensor<2x3x4xf32>) outs(%[[F]] : tensor<3xf32>)
// CHECK-NEXT: ^bb0(%[[IN:.+]]: f32, %[[ACC:.+]]: f32):
// CHECK-NEXT:   arith.maximumf %[[IN]], %[[ACC]] : f32
// CHECK:      %[[INF:.+]] = arith.constant 0x7F800000 : f32
// CHECK-NEXT: %[[F:.+]] = linalg.fill ins(%[[INF]] : f32) outs(%{{.+}} : tensor<2x4xf32>)
// CHECK-NEXT: %[[MIN:.+]] = linalg.generic {indexing_maps = [#[[ID3]], #[[D02]]], iterator_types = ["parallel", "reduction", "parallel"]} ins(%[[X]] : tensor<2x3x4xf32>) outs(%[[F]] : tensor<2x4xf32>)
// CHECK-NEXT: ^bb0(%[[IN:.+]]: f32, %[[ACC:.+]]: f32):
// CHECK-NEXT:   arith.minimumf %[[IN]], %[[ACC]] : f32
// CHECK:      %[[LM:.+]] = linalg.generic {indexing_maps = [#[[ID3]], #[[D01]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[X]] : tensor<2x3x4xf32>)
// CHECK:        arith.maximumf
// CHECK:      %[[LS:.+]] = linalg.generic {indexing_maps = [#[[ID3]], #[[D01]], #[[D01]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[X]], %[[LM]] : tensor<2x3x4xf32>, tensor<2x3xf32>)
// CHECK-NEXT: ^bb0(%[[IN:.+]]: f32, %[[M:.+]]: f32, %[[ACC:.+]]: f32):
// CHECK-NEXT:   %[[I:.+]] = arith.constant 0x7F800000 : f32
// CHECK-NEXT:   %[[AM:.+]] = math.absf %[[M]] : f32
// CHECK-NEXT:   %[[FIN:.+]] = arith.cmpf olt, %[[AM]], %[[I]] : f32
// CHECK-NEXT:   %[[Z:.+]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT:   %[[SH:.+]] = arith.select %[[FIN]], %[[M]], %[[Z]] : f32
// CHECK-NEXT:   %[[D:.+]] = arith.subf %[[IN]], %[[SH]] : f32
// CHECK-NEXT:   %[[E:.+]] = math.exp %[[D]] : f32
// CHECK-NEXT:   arith.addf %[[ACC]], %[[E]] : f32
// CHECK:      %[[LSE:.+]] = linalg.generic {{.+}} ins(%[[LM]], %[[LS]] : tensor<2x3xf32>, tensor<2x3xf32>)
// CHECK:        %[[SH:.+]] = arith.select
// CHECK-NEXT:   %[[LG:.+]] = math.log %{{.+}} : f32
// CHECK-NEXT:   arith.addf %[[SH]], %[[LG]] : f32
// CHECK:      %[[SUM:.+]] = linalg.generic {indexing_maps = [#[[ID3]], #[[D1]]], iterator_types = ["reduction", "parallel", "reduction"]} ins(%[[X]] : tensor<2x3x4xf32>)
// CHECK:      %[[EIGHTH:.+]] = arith.constant 1.250000e-01 : f32
// CHECK:      %[[MEAN:.+]] = linalg.generic {{.+}} ins(%[[SUM]] : tensor<3xf32>)
// CHECK:      %[[SS:.+]] = linalg.generic {indexing_maps = [#[[ID3]], #[[D1]], #[[D1]]], iterator_types = ["reduction", "parallel", "reduction"]} ins(%[[X]], %[[MEAN]] : tensor<2x3x4xf32>, tensor<3xf32>)
// CHECK-NEXT: ^bb0(%[[IN:.+]]: f32, %[[MU:.+]]: f32, %[[ACC:.+]]: f32):
// CHECK-NEXT:   %[[D:.+]] = arith.subf %[[IN]], %[[MU]] : f32
// CHECK-NEXT:   %[[SQ:.+]] = arith.mulf %[[D]], %[[D]] : f32
// CHECK-NEXT:   arith.addf %[[ACC]], %[[SQ]] : f32
// CHECK:      %[[SEVENTH:.+]] = arith.constant 0.142857149 : f32
// CHECK:      %[[VAR:.+]] = linalg.generic {{.+}} ins(%[[SS]] : tensor<3xf32>)
// CHECK-NEXT: ^bb0(%[[IN:.+]]: f32, %{{.+}}: f32):
// CHECK-NEXT:   arith.mulf %[[IN]], %[[SEVENTH]] : f32
// CHECK:      return %[[MAX]], %[[MIN]], %[[LSE]], %[[VAR]]
func.func @layer_reductions(%x: tensor<2x3x4xf32>) -> (tensor<3xf32>, tensor<2x4xf32>, tensor<2x3xf32>, tensor<3xf32>) {
  %0 = mdl.max %x axes = [0, 2] : tensor<2x3x4xf32> -> tensor<3xf32>
  %1 = mdl.min %x axes = [1] : tensor<2x3x4xf32> -> tensor<2x4xf32>
  %2 = mdl.logsumexp %x axes = [2] : tensor<2x3x4xf32> -> tensor<2x3xf32>
  %3 = mdl.variance %x axes = [0, 2] unbiased : tensor<2x3x4xf32> -> tensor<3xf32>
  return %0, %1, %2, %3 : tensor<3xf32>, tensor<2x4xf32>, tensor<2x3xf32>, tensor<3xf32>
}

// -----

// softmax along axis 1 of a rank-3 tensor: the statistics (max, sum of
// exp(x - shift)) drop the axis; the result reads them through that map.
// log_softmax: x - shift - log(sum).
// CHECK-DAG: #[[ID3:.+]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[D02:.+]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[D01:.+]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @layer_softmax
// CHECK-SAME: (%[[X:.+]]: tensor<2x3x4xf32>)
// CHECK:      %[[M:.+]] = linalg.generic {indexing_maps = [#[[ID3]], #[[D02]]], iterator_types = ["parallel", "reduction", "parallel"]} ins(%[[X]] : tensor<2x3x4xf32>)
// CHECK:        arith.maximumf
// CHECK:      %[[S:.+]] = linalg.generic {indexing_maps = [#[[ID3]], #[[D02]], #[[D02]]], iterator_types = ["parallel", "reduction", "parallel"]} ins(%[[X]], %[[M]] : tensor<2x3x4xf32>, tensor<2x4xf32>)
// CHECK:        math.exp
// CHECK:      %[[SM:.+]] = linalg.generic {indexing_maps = [#[[ID3]], #[[D02]], #[[D02]], #[[ID3]]], iterator_types = ["parallel", "parallel", "parallel"]} ins(%[[X]], %[[M]], %[[S]] : tensor<2x3x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>)
// CHECK:        %[[SH:.+]] = arith.select
// CHECK-NEXT:   %[[D:.+]] = arith.subf %{{.+}}, %[[SH]] : f32
// CHECK-NEXT:   %[[E:.+]] = math.exp %[[D]] : f32
// CHECK-NEXT:   %[[R:.+]] = arith.divf %[[E]], %{{.+}} : f32
// CHECK-NEXT:   linalg.yield %[[R]]
// CHECK:      %[[M2:.+]] = linalg.generic {indexing_maps = [#[[ID3]], #[[D01]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[X]] : tensor<2x3x4xf32>)
// CHECK:      %[[S2:.+]] = linalg.generic {indexing_maps = [#[[ID3]], #[[D01]], #[[D01]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[X]], %[[M2]] : tensor<2x3x4xf32>, tensor<2x3xf32>)
// CHECK:      %[[LSM:.+]] = linalg.generic {indexing_maps = [#[[ID3]], #[[D01]], #[[D01]], #[[ID3]]], iterator_types = ["parallel", "parallel", "parallel"]} ins(%[[X]], %[[M2]], %[[S2]] : tensor<2x3x4xf32>, tensor<2x3xf32>, tensor<2x3xf32>)
// CHECK-NEXT: ^bb0(%[[IN:.+]]: f32, %{{.+}}: f32, %[[SUM:.+]]: f32, %{{.+}}: f32):
// CHECK:        %[[SH:.+]] = arith.select
// CHECK-NEXT:   %[[D:.+]] = arith.subf %[[IN]], %[[SH]] : f32
// CHECK-NEXT:   %[[L:.+]] = math.log %[[SUM]] : f32
// CHECK-NEXT:   %[[R:.+]] = arith.subf %[[D]], %[[L]] : f32
// CHECK-NEXT:   linalg.yield %[[R]]
// CHECK:      return %[[SM]], %[[LSM]]
func.func @layer_softmax(%x: tensor<2x3x4xf32>) -> (tensor<2x3x4xf32>, tensor<2x3x4xf32>) {
  %0 = mdl.softmax %x axis = 1 : tensor<2x3x4xf32>
  %1 = mdl.log_softmax %x axis = 2 : tensor<2x3x4xf32>
  return %0, %1 : tensor<2x3x4xf32>, tensor<2x3x4xf32>
}

// -----

// l1, huber, bce_with_logits: like mse, the masked sum over all elements
// divided by max(sum(mask), 1) * (elements per row); bce in the stable form
// softplus(x) - x t (without a mask the count is the row count).
// CHECK-DAG: #[[ID:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROW:.+]] = affine_map<(d0, d1) -> (d0)>
// CHECK-DAG: #[[SC:.+]] = affine_map<(d0, d1) -> ()>
// CHECK-LABEL: func.func @layer_pair_losses
// CHECK-SAME: (%[[P:.+]]: tensor<8x3xf32>, %[[T:.+]]: tensor<8x3xf32>, %[[M:.+]]: tensor<8xf32>)
// CHECK:      %[[L1:.+]] = linalg.generic {indexing_maps = [#[[ID]], #[[ID]], #[[ROW]], #[[SC]]], iterator_types = ["reduction", "reduction"]} ins(%[[P]], %[[T]], %[[M]] : tensor<8x3xf32>, tensor<8x3xf32>, tensor<8xf32>)
// CHECK-NEXT: ^bb0(%[[X:.+]]: f32, %[[Y:.+]]: f32, %[[MK:.+]]: f32, %[[ACC:.+]]: f32):
// CHECK-NEXT:   %[[D:.+]] = arith.subf %[[X]], %[[Y]] : f32
// CHECK-NEXT:   %[[A:.+]] = math.absf %[[D]] : f32
// CHECK-NEXT:   %[[W:.+]] = arith.mulf %[[A]], %[[MK]] : f32
// CHECK-NEXT:   arith.addf %[[ACC]], %[[W]] : f32
// CHECK:        arith.maximumf
// CHECK:      %[[PER:.+]] = arith.constant 3.000000e+00 : f32
// CHECK:        %[[NN:.+]] = arith.mulf %{{.+}}, %[[PER]] : f32
// CHECK-NEXT:   arith.divf %{{.+}}, %[[NN]] : f32
// huber, delta 2: 0.5 d^2 where |d| < 2, else 2 (|d| - 1)
// CHECK:      linalg.generic {indexing_maps = [#[[ID]], #[[ID]], #[[ROW]], #[[SC]]], iterator_types = ["reduction", "reduction"]} ins(%[[P]], %[[T]], %[[M]] : tensor<8x3xf32>, tensor<8x3xf32>, tensor<8xf32>)
// CHECK-NEXT: ^bb0(%[[X:.+]]: f32, %[[Y:.+]]: f32, %[[MK:.+]]: f32, %[[ACC:.+]]: f32):
// CHECK-NEXT:   %[[D:.+]] = arith.subf %[[X]], %[[Y]] : f32
// CHECK-NEXT:   %[[A:.+]] = math.absf %[[D]] : f32
// CHECK-NEXT:   %[[DL:.+]] = arith.constant 2.000000e+00 : f32
// CHECK-NEXT:   %[[H:.+]] = arith.constant 5.000000e-01 : f32
// CHECK-NEXT:   %[[SQ:.+]] = arith.mulf %[[D]], %[[D]] : f32
// CHECK-NEXT:   %[[Q:.+]] = arith.mulf %[[H]], %[[SQ]] : f32
// CHECK-NEXT:   %[[HD:.+]] = arith.constant 1.000000e+00 : f32
// CHECK-NEXT:   %[[AM:.+]] = arith.subf %[[A]], %[[HD]] : f32
// CHECK-NEXT:   %[[LIN:.+]] = arith.mulf %[[DL]], %[[AM]] : f32
// CHECK-NEXT:   %[[SMALL:.+]] = arith.cmpf olt, %[[A]], %[[DL]] : f32
// CHECK-NEXT:   %[[V:.+]] = arith.select %[[SMALL]], %[[Q]], %[[LIN]] : f32
// CHECK-NEXT:   %[[W:.+]] = arith.mulf %[[V]], %[[MK]] : f32
// CHECK-NEXT:   arith.addf %[[ACC]], %[[W]] : f32
// bce_with_logits, no mask
// CHECK:      linalg.generic {indexing_maps = [#[[ID]], #[[ID]], #[[SC]]], iterator_types = ["reduction", "reduction"]} ins(%[[P]], %[[T]] : tensor<8x3xf32>, tensor<8x3xf32>)
// CHECK-NEXT: ^bb0(%[[X:.+]]: f32, %[[Y:.+]]: f32, %[[ACC:.+]]: f32):
// CHECK-NEXT:   %[[XT:.+]] = arith.mulf %[[X]], %[[Y]] : f32
// CHECK-NEXT:   %[[Z:.+]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT:   %[[POS:.+]] = arith.maximumf %[[X]], %[[Z]] : f32
// CHECK-NEXT:   %[[ABS:.+]] = math.absf %[[X]] : f32
// CHECK-NEXT:   %[[NABS:.+]] = arith.negf %[[ABS]] : f32
// CHECK-NEXT:   %[[E:.+]] = math.exp %[[NABS]] : f32
// CHECK-NEXT:   %[[L:.+]] = math.log1p %[[E]] : f32
// CHECK-NEXT:   %[[SP:.+]] = arith.addf %[[POS]], %[[L]] : f32
// CHECK-NEXT:   %[[V:.+]] = arith.subf %[[SP]], %[[XT]] : f32
// CHECK-NEXT:   arith.addf %[[ACC]], %[[V]] : f32
// CHECK:      %[[EIGHT:.+]] = arith.constant 8.000000e+00 : f32
// CHECK-NEXT: linalg.fill ins(%[[EIGHT]] : f32)
func.func @layer_pair_losses(%p: tensor<8x3xf32>, %t: tensor<8x3xf32>, %m: tensor<8xf32>) -> (tensor<f32>, tensor<f32>, tensor<f32>) {
  %0 = mdl.l1 %p, %t mask %m : tensor<8x3xf32>, tensor<8x3xf32>, tensor<8xf32> -> tensor<f32>
  %1 = mdl.huber %p, %t mask %m delta = 2.0 : tensor<8x3xf32>, tensor<8x3xf32>, tensor<8xf32> -> tensor<f32>
  %2 = mdl.bce_with_logits %p, %t : tensor<8x3xf32>, tensor<8x3xf32> -> tensor<f32>
  return %0, %1, %2 : tensor<f32>, tensor<f32>, tensor<f32>
}

// -----

// Their adjoints: derivative(p, t) * grad / count / (elements per row) * mask,
// with sign(p - t) for l1, clamp(p - t, -delta, delta) for huber,
// sigmoid(p) - t for bce and -p for bce's targets (wrt_target).
// CHECK-LABEL: func.func @layer_pair_loss_grads
// CHECK-SAME: (%[[G:.+]]: tensor<f32>, %[[P:.+]]: tensor<8x3xf32>, %[[T:.+]]: tensor<8x3xf32>, %[[M:.+]]: tensor<8xf32>)
// CHECK:      %[[THIRD:.+]] = arith.constant 0.333333343 : f32
// CHECK:      %[[L1:.+]] = linalg.generic {{.+}} iterator_types = ["parallel", "parallel"]} ins(%[[G]], %{{.+}}, %[[P]], %[[T]], %[[M]] : tensor<f32>, tensor<f32>, tensor<8x3xf32>, tensor<8x3xf32>, tensor<8xf32>)
// CHECK-NEXT: ^bb0(%[[GG:.+]]: f32, %[[N:.+]]: f32, %[[X:.+]]: f32, %[[Y:.+]]: f32, %[[MK:.+]]: f32, %{{.+}}: f32):
// CHECK-NEXT:   %[[D:.+]] = arith.subf %[[X]], %[[Y]] : f32
// CHECK-NEXT:   %[[Z:.+]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT:   %[[POS:.+]] = arith.cmpf ogt, %[[D]], %[[Z]] : f32
// CHECK-NEXT:   %[[NEG:.+]] = arith.cmpf olt, %[[D]], %[[Z]] : f32
// CHECK:        %[[SP:.+]] = arith.select %[[POS]]
// CHECK:        %[[SN:.+]] = arith.select %[[NEG]]
// CHECK-NEXT:   %[[SIGN:.+]] = arith.subf %[[SP]], %[[SN]] : f32
// CHECK-NEXT:   %[[S:.+]] = arith.divf %[[GG]], %[[N]] : f32
// CHECK-NEXT:   %[[S2:.+]] = arith.mulf %[[S]], %[[THIRD]] : f32
// CHECK-NEXT:   %[[S3:.+]] = arith.mulf %[[S2]], %[[MK]] : f32
// CHECK-NEXT:   %[[R:.+]] = arith.mulf %[[SIGN]], %[[S3]] : f32
// CHECK-NEXT:   linalg.yield %[[R]]
// CHECK:      %[[HU:.+]] = linalg.generic {{.+}} ins(%[[G]], %{{.+}}, %[[P]], %[[T]], %[[M]] :
// CHECK-NEXT: ^bb0(%{{.+}}: f32, %{{.+}}: f32, %[[X:.+]]: f32, %[[Y:.+]]: f32, %{{.+}}: f32, %{{.+}}: f32):
// CHECK-NEXT:   %[[D:.+]] = arith.subf %[[X]], %[[Y]] : f32
// CHECK-NEXT:   %[[LO:.+]] = arith.constant -2.000000e+00 : f32
// CHECK-NEXT:   %[[A:.+]] = arith.maximumf %[[D]], %[[LO]] : f32
// CHECK-NEXT:   %[[HI:.+]] = arith.constant 2.000000e+00 : f32
// CHECK-NEXT:   %[[C:.+]] = arith.minimumf %[[A]], %[[HI]] : f32
// CHECK:      %[[BP:.+]] = linalg.generic {{.+}} ins(%[[G]], %{{.+}}, %[[P]], %[[T]], %[[M]] :
// CHECK-NEXT: ^bb0(%{{.+}}: f32, %{{.+}}: f32, %[[X:.+]]: f32, %[[Y:.+]]: f32, %{{.+}}: f32, %{{.+}}: f32):
// CHECK-NEXT:   %[[ONE:.+]] = arith.constant 1.000000e+00 : f32
// CHECK-NEXT:   %[[NX:.+]] = arith.negf %[[X]] : f32
// CHECK-NEXT:   %[[E:.+]] = math.exp %[[NX]] : f32
// CHECK-NEXT:   %[[DEN:.+]] = arith.addf %[[ONE]], %[[E]] : f32
// CHECK-NEXT:   %[[SIG:.+]] = arith.divf %[[ONE]], %[[DEN]] : f32
// CHECK-NEXT:   %[[D:.+]] = arith.subf %[[SIG]], %[[Y]] : f32
// CHECK:      %[[BT:.+]] = linalg.generic {{.+}} ins(%[[G]], %{{.+}}, %[[P]], %[[T]], %[[M]] :
// CHECK-NEXT: ^bb0(%{{.+}}: f32, %{{.+}}: f32, %[[X:.+]]: f32, %{{.+}}: f32, %{{.+}}: f32, %{{.+}}: f32):
// CHECK-NEXT:   %[[NX:.+]] = arith.negf %[[X]] : f32
// CHECK:      return %[[L1]], %[[HU]], %[[BP]], %[[BT]]
func.func @layer_pair_loss_grads(%g: tensor<f32>, %p: tensor<8x3xf32>, %t: tensor<8x3xf32>, %m: tensor<8xf32>) -> (tensor<8x3xf32>, tensor<8x3xf32>, tensor<8x3xf32>, tensor<8x3xf32>) {
  %0 = mdl.l1_grad %g, %p, %t mask %m : tensor<f32>, tensor<8x3xf32>, tensor<8xf32> -> tensor<8x3xf32>
  %1 = mdl.huber_grad %g, %p, %t mask %m delta = 2.0 : tensor<f32>, tensor<8x3xf32>, tensor<8xf32> -> tensor<8x3xf32>
  %2 = mdl.bce_with_logits_grad %g, %p, %t mask %m : tensor<f32>, tensor<8x3xf32>, tensor<8xf32> -> tensor<8x3xf32>
  %3 = mdl.bce_with_logits_grad %g, %p, %t mask %m wrt_target : tensor<f32>, tensor<8x3xf32>, tensor<8xf32> -> tensor<8x3xf32>
  return %0, %1, %2, %3 : tensor<8x3xf32>, tensor<8x3xf32>, tensor<8x3xf32>, tensor<8x3xf32>
}

// -----

// nll: -sum_i mask_i log_probs[i, labels[i]] / max(sum(mask), 1); its adjoint
// is -grad / count * mask at the label's column, 0 elsewhere.
// CHECK-DAG: #[[V:.+]] = affine_map<(d0) -> (d0)>
// CHECK-DAG: #[[VS:.+]] = affine_map<(d0) -> ()>
// CHECK-DAG: #[[ROW:.+]] = affine_map<(d0, d1) -> (d0)>
// CHECK-DAG: #[[SC:.+]] = affine_map<(d0, d1) -> ()>
// CHECK-DAG: #[[ID:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @layer_nll
// CHECK-SAME: (%[[G:.+]]: tensor<f32>, %[[L:.+]]: tensor<8x10xf32>, %[[Y:.+]]: tensor<8xi32>, %[[M:.+]]: tensor<8xf32>)
// CHECK:      %[[TOT:.+]] = linalg.generic {indexing_maps = [#[[V]], #[[V]], #[[VS]]], iterator_types = ["reduction"]} ins(%[[Y]], %[[M]] : tensor<8xi32>, tensor<8xf32>)
// CHECK-NEXT: ^bb0(%[[LAB:.+]]: i32, %[[MK:.+]]: f32, %[[ACC:.+]]: f32):
// CHECK-NEXT:   %[[ROWI:.+]] = linalg.index 0 : index
// CHECK-NEXT:   %[[COLI:.+]] = arith.index_cast %[[LAB]] : i32 to index
// CHECK-NEXT:   %[[PICK:.+]] = tensor.extract %[[L]][%[[ROWI]], %[[COLI]]] : tensor<8x10xf32>
// CHECK-NEXT:   %[[W:.+]] = arith.mulf %[[PICK]], %[[MK]] : f32
// CHECK-NEXT:   arith.subf %[[ACC]], %[[W]] : f32
// CHECK:      %[[LOSS:.+]] = linalg.generic {{.+}} ins(%[[TOT]], %{{.+}} : tensor<f32>, tensor<f32>)
// CHECK:        arith.divf
// CHECK:      %[[DL:.+]] = linalg.generic {indexing_maps = [#[[ROW]], #[[SC]], #[[SC]], #[[ROW]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[Y]], %[[G]], %{{.+}}, %[[M]] : tensor<8xi32>, tensor<f32>, tensor<f32>, tensor<8xf32>) outs(%{{.+}} : tensor<8x10xf32>)
// CHECK-NEXT: ^bb0(%[[LAB:.+]]: i32, %[[GG:.+]]: f32, %[[N:.+]]: f32, %[[MK:.+]]: f32, %{{.+}}: f32):
// CHECK-NEXT:   %[[COL:.+]] = linalg.index 1 : index
// CHECK-NEXT:   %[[LI:.+]] = arith.index_cast %[[LAB]] : i32 to index
// CHECK-NEXT:   %[[HIT:.+]] = arith.cmpi eq, %[[COL]], %[[LI]] : index
// CHECK-NEXT:   %[[S:.+]] = arith.divf %[[GG]], %[[N]] : f32
// CHECK-NEXT:   %[[SM:.+]] = arith.mulf %[[S]], %[[MK]] : f32
// CHECK-NEXT:   %[[NS:.+]] = arith.negf %[[SM]] : f32
// CHECK-NEXT:   %[[R:.+]] = arith.select %[[HIT]], %[[NS]], %{{.+}} : f32
// CHECK-NEXT:   linalg.yield %[[R]]
// CHECK:      return %[[LOSS]], %[[DL]]
func.func @layer_nll(%g: tensor<f32>, %l: tensor<8x10xf32>, %y: tensor<8xi32>, %m: tensor<8xf32>) -> (tensor<f32>, tensor<8x10xf32>) {
  %0 = mdl.nll %l, %y mask %m : tensor<8x10xf32>, tensor<8xi32>, tensor<8xf32> -> tensor<f32>
  %1 = mdl.nll_grad %g, %l, %y mask %m : tensor<f32>, tensor<8x10xf32>, tensor<8xi32>, tensor<8xf32> -> tensor<8x10xf32>
  return %0, %1 : tensor<f32>, tensor<8x10xf32>
}

// -----

// softmax_cross_entropy against probabilities: sum over [N, C] of
// mask * t * (max + log(sum) - x) / count. Its adjoint for the logits is
// (softmax * rowsum(t) - t) * grad / count * mask; for the targets
// (log(sum) - (x - max)) * grad / count * mask = -log_softmax * ...
// CHECK-DAG: #[[ID:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROW:.+]] = affine_map<(d0, d1) -> (d0)>
// CHECK-DAG: #[[SC:.+]] = affine_map<(d0, d1) -> ()>
// CHECK-LABEL: func.func @layer_soft_xent
// CHECK-SAME: (%[[G:.+]]: tensor<f32>, %[[L:.+]]: tensor<8x10xf32>, %[[T:.+]]: tensor<8x10xf32>, %[[M:.+]]: tensor<8xf32>)
// CHECK:      %[[MAX:.+]] = linalg.generic {{.+}} iterator_types = ["parallel", "reduction"]} ins(%[[L]] : tensor<8x10xf32>)
// CHECK:      %[[SUM:.+]] = linalg.generic {{.+}} iterator_types = ["parallel", "reduction"]} ins(%[[L]], %[[MAX]] : tensor<8x10xf32>, tensor<8xf32>)
// CHECK:      %[[TOT:.+]] = linalg.generic {indexing_maps = [#[[ID]], #[[ID]], #[[ROW]], #[[ROW]], #[[ROW]], #[[SC]]], iterator_types = ["reduction", "reduction"]} ins(%[[L]], %[[T]], %[[MAX]], %[[SUM]], %[[M]] : tensor<8x10xf32>, tensor<8x10xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>)
// CHECK-NEXT: ^bb0(%[[X:.+]]: f32, %[[TT:.+]]: f32, %[[MX:.+]]: f32, %[[SE:.+]]: f32, %[[MK:.+]]: f32, %[[ACC:.+]]: f32):
// CHECK-NEXT:   %[[LG:.+]] = math.log %[[SE]] : f32
// CHECK-NEXT:   %[[LSE:.+]] = arith.addf %[[MX]], %[[LG]] : f32
// CHECK-NEXT:   %[[NLP:.+]] = arith.subf %[[LSE]], %[[X]] : f32
// CHECK-NEXT:   %[[V:.+]] = arith.mulf %[[TT]], %[[NLP]] : f32
// CHECK-NEXT:   %[[W:.+]] = arith.mulf %[[V]], %[[MK]] : f32
// CHECK-NEXT:   arith.addf %[[ACC]], %[[W]] : f32
// CHECK:      %[[LOSS:.+]] = linalg.generic {{.+}} ins(%[[TOT]], %{{.+}} : tensor<f32>, tensor<f32>)
// CHECK:      %[[TSUM:.+]] = linalg.generic {{.+}} iterator_types = ["parallel", "reduction"]} ins(%[[T]] : tensor<8x10xf32>)
// CHECK:      %[[DL:.+]] = linalg.generic {indexing_maps = [#[[ID]], #[[ID]], #[[ROW]], #[[ROW]], #[[SC]], #[[SC]], #[[ROW]], #[[ROW]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[L]], %[[T]], %{{.+}}, %{{.+}}, %[[G]], %{{.+}}, %[[TSUM]], %[[M]] :
// CHECK-NEXT: ^bb0(%[[X:.+]]: f32, %[[TT:.+]]: f32, %[[MX:.+]]: f32, %[[SE:.+]]: f32, %[[GG:.+]]: f32, %[[N:.+]]: f32, %[[TS:.+]]: f32, %[[MK:.+]]: f32, %{{.+}}: f32):
// CHECK-NEXT:   %[[D:.+]] = arith.subf %[[X]], %[[MX]] : f32
// CHECK-NEXT:   %[[E:.+]] = math.exp %[[D]] : f32
// CHECK-NEXT:   %[[P:.+]] = arith.divf %[[E]], %[[SE]] : f32
// CHECK-NEXT:   %[[PT:.+]] = arith.mulf %[[P]], %[[TS]] : f32
// CHECK-NEXT:   %[[DIFF:.+]] = arith.subf %[[PT]], %[[TT]] : f32
// CHECK-NEXT:   %[[S:.+]] = arith.divf %[[GG]], %[[N]] : f32
// CHECK-NEXT:   %[[SM:.+]] = arith.mulf %[[S]], %[[MK]] : f32
// CHECK-NEXT:   %[[R:.+]] = arith.mulf %[[DIFF]], %[[SM]] : f32
// CHECK-NEXT:   linalg.yield %[[R]]
// CHECK:      %[[DT:.+]] = linalg.generic {indexing_maps = [#[[ID]], #[[ID]], #[[ROW]], #[[ROW]], #[[SC]], #[[SC]], #[[ROW]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[L]], %[[T]], %{{.+}}, %{{.+}}, %[[G]], %{{.+}}, %[[M]] :
// CHECK-NEXT: ^bb0(%[[X:.+]]: f32, %{{.+}}: f32, %[[MX:.+]]: f32, %[[SE:.+]]: f32, %[[GG:.+]]: f32, %[[N:.+]]: f32, %[[MK:.+]]: f32, %{{.+}}: f32):
// CHECK-NEXT:   %[[D:.+]] = arith.subf %[[X]], %[[MX]] : f32
// CHECK-NEXT:   %[[LG:.+]] = math.log %[[SE]] : f32
// CHECK-NEXT:   %[[NLP:.+]] = arith.subf %[[LG]], %[[D]] : f32
// CHECK-NEXT:   %[[S:.+]] = arith.divf %[[GG]], %[[N]] : f32
// CHECK-NEXT:   %[[SM:.+]] = arith.mulf %[[S]], %[[MK]] : f32
// CHECK-NEXT:   %[[R:.+]] = arith.mulf %[[NLP]], %[[SM]] : f32
// CHECK-NEXT:   linalg.yield %[[R]]
// CHECK:      return %[[LOSS]], %[[DL]], %[[DT]]
func.func @layer_soft_xent(%g: tensor<f32>, %l: tensor<8x10xf32>, %t: tensor<8x10xf32>, %m: tensor<8xf32>) -> (tensor<f32>, tensor<8x10xf32>, tensor<8x10xf32>) {
  %0 = mdl.softmax_cross_entropy %l, %t mask %m : tensor<8x10xf32>, tensor<8x10xf32>, tensor<8xf32> -> tensor<f32>
  %1 = mdl.softmax_cross_entropy_grad %g, %l, %t mask %m : tensor<f32>, tensor<8x10xf32>, tensor<8x10xf32>, tensor<8xf32> -> tensor<8x10xf32>
  %2 = mdl.softmax_cross_entropy_grad %g, %l, %t mask %m wrt_targets : tensor<f32>, tensor<8x10xf32>, tensor<8x10xf32>, tensor<8xf32> -> tensor<8x10xf32>
  return %0, %1, %2 : tensor<f32>, tensor<8x10xf32>, tensor<8x10xf32>
}

// -----

// Declarations have no lowering and stay.
// CHECK: mdl.param @w
// CHECK: mdl.train @m
mdl.param @w : tensor<3xf32> init "zeros"
mdl.train @m optimizer "sgd" {lr = 0.1 : f64} batch 1 epochs 1 seed 0
