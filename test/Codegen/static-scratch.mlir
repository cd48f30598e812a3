// RUN: adjoint-opt %s -adjoint-static-scratch | FileCheck %s

// Every static allocation of a public function moves to a private,
// 64-byte aligned global; its deallocation disappears. Private functions and
// dynamic shapes are left alone.

// CHECK-DAG: memref.global "private" @__adjoint_scratch_step_0 : memref<8x16xf32> = uninitialized {alignment = 64 : i64}
// CHECK-DAG: memref.global "private" @__adjoint_scratch_step_1 : memref<4xf64> = uninitialized {alignment = 128 : i64}
// CHECK-LABEL: func.func @step
// CHECK-NOT: memref.alloc
// CHECK: %[[A:.+]] = memref.get_global @__adjoint_scratch_step_0 : memref<8x16xf32>
// CHECK: %[[B:.+]] = memref.get_global @__adjoint_scratch_step_1 : memref<4xf64>
// CHECK: memref.copy %[[A]], %arg0
// CHECK-NOT: memref.dealloc
// CHECK: return
func.func @step(%out: memref<8x16xf32>, %d: memref<4xf64>) {
  %a = memref.alloc() : memref<8x16xf32>
  %b = memref.alloc() {alignment = 128 : i64} : memref<4xf64>
  memref.copy %a, %out : memref<8x16xf32> to memref<8x16xf32>
  memref.copy %b, %d : memref<4xf64> to memref<4xf64>
  memref.dealloc %a : memref<8x16xf32>
  memref.dealloc %b : memref<4xf64>
  return
}

// CHECK-LABEL: func.func private @helper
// CHECK: memref.alloc
func.func private @helper() {
  %a = memref.alloc() : memref<2xf32>
  memref.dealloc %a : memref<2xf32>
  return
}

// CHECK-LABEL: func.func @dynamic
// CHECK: memref.alloc(%arg0)
func.func @dynamic(%n: index) {
  %a = memref.alloc(%n) : memref<?xf32>
  memref.dealloc %a : memref<?xf32>
  return
}

// Buffers of one type share a global when their live ranges do not overlap
// (%a is dead before %c is written); %b overlaps %a and gets its own.
// CHECK-LABEL: func.func @share
// CHECK: %[[A:.+]] = memref.get_global @__adjoint_scratch_share_0 : memref<4xf32>
// CHECK: %[[B:.+]] = memref.get_global @__adjoint_scratch_share_1 : memref<4xf32>
// CHECK: memref.copy %[[A]], %[[B]]
// CHECK: memref.copy %[[B]], %arg0
// CHECK: %[[C:.+]] = memref.get_global @__adjoint_scratch_share_0 : memref<4xf32>
// CHECK: memref.copy %arg0, %[[C]]
// CHECK: memref.copy %[[C]], %arg1
func.func @share(%x: memref<4xf32>, %y: memref<4xf32>) {
  %a = memref.alloc() : memref<4xf32>
  %b = memref.alloc() : memref<4xf32>
  memref.copy %a, %b : memref<4xf32> to memref<4xf32>
  memref.copy %b, %x : memref<4xf32> to memref<4xf32>
  %c = memref.alloc() : memref<4xf32>
  memref.copy %x, %c : memref<4xf32> to memref<4xf32>
  memref.copy %c, %y : memref<4xf32> to memref<4xf32>
  return
}
