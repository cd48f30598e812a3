// RUN: adjoint-opt %s --pass-pipeline='builtin.module(func.func(adjoint-lower-vectors))' | FileCheck %s

// A bufferized register-tile kernel: the accumulator transfers are hoisted
// out of the k loop (loaded once before, stored once after, carried in
// registers), and the contraction becomes one FMA per accumulator row.
#a = affine_map<(m, n, k) -> (m, k)>
#b = affine_map<(m, n, k) -> (k, n)>
#c = affine_map<(m, n, k) -> (m, n)>
// CHECK-LABEL: func.func @kernel
// CHECK-SAME: (%[[A:[^:]+]]: memref<4x64xf32>, %[[B:[^:]+]]: memref<64x16xf32>, %[[C:[^:]+]]: memref<4x16xf32>)
// CHECK-COUNT-4: vector.load %[[C]]
// CHECK:      %[[R:.+]] = scf.for {{.+}} iter_args(%[[ACC:.+]] = %{{.+}}) -> (vector<4x16xf32>)
// CHECK-NOT:  %[[C]]
// CHECK:        %[[BROW:.+]] = vector.load %[[B]][%{{.+}}, %{{.+}}] : memref<64x16xf32>, vector<16xf32>
// CHECK-COUNT-4: vector.fma %{{.+}}, %[[BROW]], %{{.+}} : vector<16xf32>
// CHECK-NOT:  vector.contract
// CHECK-NOT:  vector.transfer_
// CHECK:        scf.yield
// CHECK-NEXT: }
// CHECK-COUNT-4: vector.store %{{.+}}, %[[C]]
// CHECK-NEXT: return
func.func @kernel(%A: memref<4x64xf32>, %B: memref<64x16xf32>, %C: memref<4x16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %pad = arith.constant 0.0 : f32
  scf.for %k = %c0 to %c64 step %c1 {
    %acc = vector.transfer_read %C[%c0, %c0], %pad {in_bounds = [true, true]} : memref<4x16xf32>, vector<4x16xf32>
    %a = vector.transfer_read %A[%c0, %k], %pad {in_bounds = [true, true]} : memref<4x64xf32>, vector<4x1xf32>
    %b = vector.transfer_read %B[%k, %c0], %pad {in_bounds = [true, true]} : memref<64x16xf32>, vector<1x16xf32>
    %r = vector.contract {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"], kind = #vector.kind<add>} %a, %b, %acc : vector<4x1xf32>, vector<1x16xf32> into vector<4x16xf32>
    vector.transfer_write %r, %C[%c0, %c0] {in_bounds = [true, true]} : vector<4x16xf32>, memref<4x16xf32>
  }
  return
}

// Math functions become polynomial approximations (no libm call remains).
// CHECK-LABEL: func.func @exp_tanh
// CHECK-NOT:  math.exp
// CHECK-NOT:  math.tanh
// CHECK:      math.fma
// CHECK:      return
func.func @exp_tanh(%x: vector<16xf32>) -> vector<16xf32> {
  %0 = math.exp %x : vector<16xf32>
  %1 = math.tanh %0 : vector<16xf32>
  return %1 : vector<16xf32>
}
