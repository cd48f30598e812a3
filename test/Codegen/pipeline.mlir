// RUN: adjoint-opt %s --adjoint-to-grad --adjoint-to-train --adjoint-to-linalg --adjoint-to-llvm | FileCheck %s
// RUN: adjoint-opt %s --adjoint-to-grad --adjoint-to-train --adjoint-to-linalg --adjoint-to-llvm --mlir-print-ir-after=one-shot-bufferize 2>&1 >/dev/null | FileCheck %s --check-prefix=BUF

// The whole code generation pipeline on a tiny fused train step.

// The result is pure LLVM dialect: every entry point is an llvm.func taking
// bare pointers (and the scalar learning rate), returning nothing.
// CHECK-NOT:   func.func
// CHECK-NOT:   memref<
// CHECK-LABEL: llvm.func @tiny_loss(
// CHECK-SAME:  %{{.+}}: !llvm.ptr {mdl.param = @w1}, %{{.+}}: !llvm.ptr {mdl.param = @b1}, %{{.+}}: !llvm.ptr {mdl.param = @w2}, %{{.+}}: !llvm.ptr {mdl.input = "x"}, %{{.+}}: !llvm.ptr {mdl.input = "y"}, %{{.+}}: !llvm.ptr {mdl.mask}, %{{.+}}: !llvm.ptr {adjoint.result = 0 : i64}) attributes {mdl.loss} {{[{]$}}
// CHECK-LABEL: llvm.func @tiny_train_step(
// CHECK-SAME:  %{{.+}}: !llvm.ptr {mdl.param = @w1}, %{{.+}}: !llvm.ptr {mdl.param = @b1}, %{{.+}}: !llvm.ptr {mdl.param = @w2}, %{{.+}}: !llvm.ptr {mdl.input = "x"}, %{{.+}}: !llvm.ptr {mdl.input = "y"}, %{{.+}}: !llvm.ptr {mdl.mask}, %{{.+}}: f32 {optim.lr}, %{{.+}}: !llvm.ptr {adjoint.result = 0 : i64, mdl.loss_value}) attributes {mdl.train_step_of = @tiny_loss} {{[{]$}}
// The matmul kernels are vectorized to 16 lanes of f32.
// CHECK:       vector<16xf32>
// CHECK:       llvm.return{{$}}
// CHECK-LABEL: llvm.func @tiny_predict(
// CHECK-NOT:   func.func
// CHECK-NOT:   memref<

// Right after bufferization the train step updates the parameters in place:
// no buffer of a weight's shape is allocated, both weight updates write
// into the parameter arguments, and the update of W2 runs inside the tile
// loop of its gradient (scf.forall) after the transpose of the old W2 for
// dH = dZ·W2ᵀ has been read.
// BUF-LABEL:   func.func @tiny_train_step(
// BUF-SAME:    %[[W1:[^:]+]]: memref<8x16xf32> {mdl.param = @w1}, %[[B1:[^:]+]]: memref<16xf32> {mdl.param = @b1}, %[[W2:[^:]+]]: memref<16x4xf32> {mdl.param = @w2}
// BUF-NOT:     memref.alloc() {{.*}}: memref<8x16xf32>
// BUF-NOT:     memref.alloc() {{.*}}: memref<16x4xf32>
// BUF:         vector.transfer_read %[[W2]][%{{.+}}, %{{.+}}], %{{.+}} {{{.+}}permutation_map
// BUF-NOT:     memref.alloc() {{.*}}: memref<8x16xf32>
// BUF-NOT:     memref.alloc() {{.*}}: memref<16x4xf32>
// BUF:         scf.forall
// BUF:         %[[SV:.+]] = memref.subview %[[W2]]
// BUF:         vector.transfer_write %{{.+}}, %[[SV]]
// BUF-NOT:     memref.alloc() {{.*}}: memref<8x16xf32>
// BUF-NOT:     memref.alloc() {{.*}}: memref<16x4xf32>
// BUF:         outs(%[[B1]] : memref<16xf32>) attrs = {adjoint.update}
// BUF-NOT:     memref.alloc() {{.*}}: memref<8x16xf32>
// BUF-NOT:     memref.alloc() {{.*}}: memref<16x4xf32>
// BUF:         vector.transfer_write %{{.+}}, %[[W1]][%{{.+}}, %{{.+}}] {{.+}} : vector<8x16xf32>, memref<8x16xf32>
// BUF-NOT:     memref.alloc
// BUF:         return
// BUF-LABEL:   func.func @tiny_predict(

module {
  mdl.param @w1 : tensor<8x16xf32> init "he_normal"
  mdl.param @b1 : tensor<16xf32> init "zeros"
  mdl.param @w2 : tensor<16x4xf32> init "glorot_uniform"
  mdl.train @tiny optimizer "sgd" {lr = 1.000000e-01 : f64, momentum = 0.000000e+00 : f64} batch 4 epochs 1 seed 1
  func.func @tiny(%arg0: tensor<8x16xf32> {mdl.param = @w1}, %arg1: tensor<16xf32> {mdl.param = @b1}, %arg2: tensor<16x4xf32> {mdl.param = @w2}, %arg3: tensor<4x8xf32> {mdl.input = "x"}, %arg4: tensor<4xi32> {mdl.input = "y"}, %arg5: tensor<4xf32> {mdl.mask}) -> tensor<f32> attributes {mdl.loss} {
    %0 = mdl.matmul %arg3, %arg0 : tensor<4x8xf32>, tensor<8x16xf32> -> tensor<4x16xf32>
    %1 = mdl.add %0, %arg1 : tensor<4x16xf32>, tensor<16xf32> -> tensor<4x16xf32>
    %2 = mdl.relu %1 : tensor<4x16xf32>
    %3 = mdl.matmul %2, %arg2 : tensor<4x16xf32>, tensor<16x4xf32> -> tensor<4x4xf32>
    %4 = mdl.softmax_cross_entropy %3, %arg4 mask %arg5 : tensor<4x4xf32>, tensor<4xi32>, tensor<4xf32> -> tensor<f32>
    return %4 : tensor<f32>
  }
  func.func @tiny_predict(%arg0: tensor<8x16xf32> {mdl.param = @w1}, %arg1: tensor<16xf32> {mdl.param = @b1}, %arg2: tensor<16x4xf32> {mdl.param = @w2}, %arg3: tensor<4x8xf32> {mdl.input = "x"}) -> (tensor<4x4xf32> {mdl.output}) {
    %0 = mdl.matmul %arg3, %arg0 : tensor<4x8xf32>, tensor<8x16xf32> -> tensor<4x16xf32>
    %1 = mdl.add %0, %arg1 : tensor<4x16xf32>, tensor<16xf32> -> tensor<4x16xf32>
    %2 = mdl.relu %1 : tensor<4x16xf32>
    %3 = mdl.matmul %2, %arg2 : tensor<4x16xf32>, tensor<16x4xf32> -> tensor<4x4xf32>
    return %3 : tensor<4x4xf32>
  }
}
