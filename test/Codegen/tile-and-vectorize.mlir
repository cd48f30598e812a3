// RUN: adjoint-opt %s -split-input-file --adjoint-tile-and-vectorize=print-schedule 2>&1 >/dev/null | FileCheck %s --check-prefix=SCHED
// RUN: adjoint-opt %s -split-input-file "--adjoint-tile-and-vectorize=print-schedule fuse-epilogues=false" 2>&1 >/dev/null | FileCheck %s --check-prefix=NOFUSE
// RUN: adjoint-opt %s -split-input-file --adjoint-tile-and-vectorize | FileCheck %s --check-prefix=IR

#id = affine_map<(d0, d1) -> (d0, d1)>
#km = affine_map<(d0, d1, d2) -> (d2, d0)>
#kn = affine_map<(d0, d1, d2) -> (d2, d1)>
#mn = affine_map<(d0, d1, d2) -> (d0, d1)>

// dW = Xᵀ·dY consumed only by its SGD update: the update is tiled at the
// register tile [8, 16] (one zmm of f32 columns), the matmul and its zero
// fill are fused into the tile loop, k steps by one.
// SCHED:      // mm0: 784x256x128 f32, update fused at register tile [8, 16]
// SCHED-NEXT: %mm0_u = transform.structured.match attributes{adjoint.sched = "mm0_update"}
// SCHED-NEXT: %mm0_mm = transform.structured.match attributes{adjoint.sched = "mm0"}
// SCHED-NEXT: %mm0_fill = transform.get_producer_of_operand %mm0_mm[2]
// SCHED-NEXT: %mm0_t, %mm0_l = transform.structured.tile_using_forall %mm0_u tile_sizes [8, 16]
// SCHED-NEXT: %mm0_fm, %mm0_l2 = transform.structured.fuse_into_containing_op %mm0_mm into %mm0_l
// SCHED-NEXT: %mm0_ff, %mm0_l3 = transform.structured.fuse_into_containing_op %mm0_fill into %mm0_l2
// SCHED-NEXT: %mm0_k, %mm0_kl = transform.structured.tile_using_for %mm0_fm tile_sizes [0, 0, 1]
// SCHED:      transform.structured.vectorize %mm0_v
// SCHED-NOT:  // mm1
// With fuse-epilogues=false the same matmul gets the plain schedule and the
// update is left alone.
// NOFUSE:     // mm0: 784x256x128 f32, k block 128, register tile [8, 32, 1]
// NOFUSE-NOT: fuse_into_containing_op
// NOFUSE-NOT: tile_using_forall
// NOFUSE-NOT: mm0_update
// NOFUSE:     transform.yield
// The update loop writes straight into the parameter (shared_outs = W); the
// gradient tile stays in a vector accumulator: no 784x256 gradient tensor is
// created.
// IR-LABEL:   func.func @fused_sgd
// IR-SAME:    (%[[X:[^:]+]]: tensor<128x784xf32>, %[[DY:[^:]+]]: tensor<128x256xf32>, %[[W:[^:]+]]: tensor<784x256xf32>, %[[LR:[^:]+]]: f32)
// IR-NOT:     tensor.empty
// IR-NOT:     linalg.
// IR:         scf.forall (%{{.+}}, %{{.+}}) in (98, 16) shared_outs(%[[ACC:.+]] = %[[W]]) -> (tensor<784x256xf32>)
// IR:         scf.for {{.+}} iter_args(%{{.+}} = %{{.+}}) -> (vector<8x16xf32>)
// IR:         arith.mulf {{.+}} : vector<8x16x1xf32>
// IR:         vector.transfer_read %[[ACC]]
// IR:         arith.subf {{.+}} : vector<8x16xf32>
// IR:         tensor.parallel_insert_slice %{{.+}} into %[[ACC]]
// IR-NOT:     linalg.
// IR:         return
func.func @fused_sgd(%x: tensor<128x784xf32>, %dy: tensor<128x256xf32>, %w: tensor<784x256xf32>, %lr: f32) -> tensor<784x256xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<784x256xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<784x256xf32>) -> tensor<784x256xf32>
  %dw = linalg.matmul indexing_maps = [#km, #kn, #mn] ins(%x, %dy : tensor<128x784xf32>, tensor<128x256xf32>) outs(%f : tensor<784x256xf32>) -> tensor<784x256xf32>
  %u = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%dw : tensor<784x256xf32>) outs(%w : tensor<784x256xf32>) attrs = {adjoint.update} {
  ^bb0(%g: f32, %p: f32):
    %s = arith.mulf %lr, %g : f32
    %n = arith.subf %p, %s : f32
    linalg.yield %n : f32
  } -> tensor<784x256xf32>
  return %u : tensor<784x256xf32>
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>
#km = affine_map<(d0, d1, d2) -> (d2, d0)>
#kn = affine_map<(d0, d1, d2) -> (d2, d1)>
#mn = affine_map<(d0, d1, d2) -> (d0, d1)>

// Plain matmuls: k = 784 > 256 is blocked by its largest divisor <= 256
// (196); the register tile is [8 rows, 2 zmm of f32 = 32 columns, 1]. A
// 10-column result uses all 10 columns; k = 256 is not blocked.
// SCHED:      // mm0: 128x256x784 f32, k block 196, register tile [8, 32, 1]
// SCHED-NEXT: %mm0 = transform.structured.match attributes{adjoint.sched = "mm0"}
// SCHED-NEXT: %mm0_kb, %mm0_kbl = transform.structured.tile_using_for %mm0 tile_sizes [0, 0, 196]
// SCHED-NEXT: %mm0_kb_r, %mm0_kb_rl:3 = transform.structured.tile_using_for %mm0_kb tile_sizes [8, 32, 1]
// SCHED-NEXT: transform.structured.vectorize %mm0_kb_r
// SCHED-NEXT: // mm1: 128x10x256 f32, k block 256, register tile [8, 10, 1]
// SCHED-NEXT: %mm1 = transform.structured.match attributes{adjoint.sched = "mm1"}
// SCHED-NEXT: %mm1_r, %mm1_rl:3 = transform.structured.tile_using_for %mm1 tile_sizes [8, 10, 1]
// SCHED-NEXT: transform.structured.vectorize %mm1_r
// SCHED-NOT:  fuse_into_containing_op
// SCHED:      transform.yield
// IR-LABEL:   func.func @plain
// IR:         scf.for %{{.+}} = %c0 to %c784 step %c196
// IR:         -> (vector<8x32xf32>)
// IR:         -> (vector<8x10xf32>)
// IR-NOT:     linalg.matmul
// IR:         return
func.func @plain(%x: tensor<128x784xf32>, %w: tensor<784x256xf32>, %h: tensor<128x256xf32>, %w2: tensor<256x10xf32>) -> (tensor<128x256xf32>, tensor<128x10xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<128x256xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<128x256xf32>) -> tensor<128x256xf32>
  %0 = linalg.matmul ins(%x, %w : tensor<128x784xf32>, tensor<784x256xf32>) outs(%f : tensor<128x256xf32>) -> tensor<128x256xf32>
  %e2 = tensor.empty() : tensor<128x10xf32>
  %f2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<128x10xf32>) -> tensor<128x10xf32>
  %1 = linalg.matmul ins(%h, %w2 : tensor<128x256xf32>, tensor<256x10xf32>) outs(%f2 : tensor<128x10xf32>) -> tensor<128x10xf32>
  return %0, %1 : tensor<128x256xf32>, tensor<128x10xf32>
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>
#km = affine_map<(d0, d1, d2) -> (d2, d0)>
#kn = affine_map<(d0, d1, d2) -> (d2, d1)>
#mn = affine_map<(d0, d1, d2) -> (d0, d1)>

// f64 halves the vector lanes: the plain register tile is 16 columns wide
// and the fused update tile 8.
// SCHED:      // mm0: 64x256x32 f64, update fused at register tile [8, 8]
// SCHED:      tile_using_forall %mm0_u tile_sizes [8, 8]
// SCHED:      // mm1: 128x256x64 f64, k block 64, register tile [8, 16, 1]
// SCHED:      tile_using_for %mm1 tile_sizes [8, 16, 1]
func.func @f64(%x: tensor<32x64xf64>, %dy: tensor<32x256xf64>, %w: tensor<64x256xf64>, %a: tensor<128x64xf64>, %lr: f64) -> (tensor<64x256xf64>, tensor<128x256xf64>) {
  %zero = arith.constant 0.0 : f64
  %e = tensor.empty() : tensor<64x256xf64>
  %f = linalg.fill ins(%zero : f64) outs(%e : tensor<64x256xf64>) -> tensor<64x256xf64>
  %dw = linalg.matmul indexing_maps = [#km, #kn, #mn] ins(%x, %dy : tensor<32x64xf64>, tensor<32x256xf64>) outs(%f : tensor<64x256xf64>) -> tensor<64x256xf64>
  %u = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%dw : tensor<64x256xf64>) outs(%w : tensor<64x256xf64>) attrs = {adjoint.update} {
  ^bb0(%g: f64, %p: f64):
    %s = arith.mulf %lr, %g : f64
    %n = arith.subf %p, %s : f64
    linalg.yield %n : f64
  } -> tensor<64x256xf64>
  %e2 = tensor.empty() : tensor<128x256xf64>
  %f2 = linalg.fill ins(%zero : f64) outs(%e2 : tensor<128x256xf64>) -> tensor<128x256xf64>
  %mm = linalg.matmul ins(%a, %w : tensor<128x64xf64>, tensor<64x256xf64>) outs(%f2 : tensor<128x256xf64>) -> tensor<128x256xf64>
  return %u, %mm : tensor<64x256xf64>, tensor<128x256xf64>
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>
#km = affine_map<(d0, d1, d2) -> (d2, d0)>
#kn = affine_map<(d0, d1, d2) -> (d2, d1)>
#mn = affine_map<(d0, d1, d2) -> (d0, d1)>

// A module built with no-fuse (adjoint.no_fuse) never fuses the update.
// SCHED:      // mm0: 16x32x8 f32, k block 8, register tile [8, 32, 1]
// SCHED-NOT:  fuse_into_containing_op
// SCHED:      transform.yield
// IR-LABEL:   func.func @no_fuse_module
// IR:         linalg.generic {{.+}} attrs = {adjoint.update}
module attributes {adjoint.no_fuse} {
func.func @no_fuse_module(%x: tensor<8x16xf32>, %dy: tensor<8x32xf32>, %w: tensor<16x32xf32>, %lr: f32) -> tensor<16x32xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<16x32xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<16x32xf32>) -> tensor<16x32xf32>
  %dw = linalg.matmul indexing_maps = [#km, #kn, #mn] ins(%x, %dy : tensor<8x16xf32>, tensor<8x32xf32>) outs(%f : tensor<16x32xf32>) -> tensor<16x32xf32>
  %u = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%dw : tensor<16x32xf32>) outs(%w : tensor<16x32xf32>) attrs = {adjoint.update} {
  ^bb0(%g: f32, %p: f32):
    %s = arith.mulf %lr, %g : f32
    %n = arith.subf %p, %s : f32
    linalg.yield %n : f32
  } -> tensor<16x32xf32>
  return %u : tensor<16x32xf32>
}
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>
#km = affine_map<(d0, d1, d2) -> (d2, d0)>
#kn = affine_map<(d0, d1, d2) -> (d2, d1)>
#mn = affine_map<(d0, d1, d2) -> (d0, d1)>

// A gradient matmul read by anything besides its update (here also
// returned) cannot be fused: its full result is needed.
// SCHED:      // mm0: 16x32x8 f32, k block 8, register tile [8, 32, 1]
// SCHED-NOT:  fuse_into_containing_op
// SCHED:      transform.yield
func.func @two_users(%x: tensor<8x16xf32>, %dy: tensor<8x32xf32>, %w: tensor<16x32xf32>, %lr: f32) -> (tensor<16x32xf32>, tensor<16x32xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<16x32xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<16x32xf32>) -> tensor<16x32xf32>
  %dw = linalg.matmul indexing_maps = [#km, #kn, #mn] ins(%x, %dy : tensor<8x16xf32>, tensor<8x32xf32>) outs(%f : tensor<16x32xf32>) -> tensor<16x32xf32>
  %u = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%dw : tensor<16x32xf32>) outs(%w : tensor<16x32xf32>) attrs = {adjoint.update} {
  ^bb0(%g: f32, %p: f32):
    %s = arith.mulf %lr, %g : f32
    %n = arith.subf %p, %s : f32
    linalg.yield %n : f32
  } -> tensor<16x32xf32>
  return %u, %dw : tensor<16x32xf32>, tensor<16x32xf32>
}
