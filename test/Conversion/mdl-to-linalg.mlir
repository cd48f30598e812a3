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

// Declarations have no lowering and stay.
// CHECK: mdl.param @w
// CHECK: mdl.train @m
mdl.param @w : tensor<3xf32> init "zeros"
mdl.train @m optimizer "sgd" {lr = 0.1 : f64} batch 1 epochs 1 seed 0
