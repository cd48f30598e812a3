// RUN: adjoint-opt %s -split-input-file --adjoint-entry-points | FileCheck %s

// The declarations are erased; the loss function is renamed <model>_loss;
// tensor arguments become memrefs read through restrict to_tensor (writable
// only where a result is updated in place); results go to the argument named
// by adjoint.inplace or to a new trailing out argument; nothing is returned.
// CHECK-NOT:  mdl.param
// CHECK-NOT:  mdl.train
// CHECK-LABEL: func.func @m_loss(
// CHECK-SAME: %[[W:[^:]+]]: memref<4x3xf32> {mdl.param = @w}, %[[X:[^:]+]]: memref<8x4xf32> {mdl.input = "x"}, %[[OUT:[^:]+]]: memref<f32> {adjoint.result = 0 : i64})
// CHECK-SAME: attributes {mdl.loss}
// CHECK-NOT:  ->
// CHECK-NEXT: %[[WT:.+]] = bufferization.to_tensor %[[W]] restrict : memref<4x3xf32> to tensor<4x3xf32>
// CHECK-NEXT: %[[XT:.+]] = bufferization.to_tensor %[[X]] restrict : memref<8x4xf32> to tensor<8x4xf32>
// CHECK-NEXT: %[[L:.+]] = mdl.mse %[[XT]], %[[XT]]
// CHECK-NEXT: bufferization.materialize_in_destination %[[L]] in restrict writable %[[OUT]] : (tensor<f32>, memref<f32>) -> ()
// CHECK-NEXT: return{{$}}
// CHECK-LABEL: func.func @m_train_step(
// CHECK-SAME: %[[W:[^:]+]]: memref<4x3xf32> {mdl.param = @w}, %[[S:[^:]+]]: memref<4x3xf32> {optim.state = @w}, %[[X:[^:]+]]: memref<8x4xf32> {mdl.input = "x"}, %[[LR:[^:]+]]: f32 {optim.lr},
// CHECK-SAME: %[[LOSS:[^:]+]]: memref<f32> {adjoint.result = 0 : i64, mdl.loss_value})
// CHECK-NOT:  ->
// CHECK-NEXT: %[[WT:.+]] = bufferization.to_tensor %[[W]] restrict writable : memref<4x3xf32> to tensor<4x3xf32>
// CHECK-NEXT: %[[ST:.+]] = bufferization.to_tensor %[[S]] restrict writable : memref<4x3xf32> to tensor<4x3xf32>
// CHECK-NEXT: %[[XT:.+]] = bufferization.to_tensor %[[X]] restrict : memref<8x4xf32> to tensor<8x4xf32>
// CHECK-NEXT: %[[L:.+]] = mdl.mse %[[XT]], %[[XT]]
// CHECK-NEXT: %[[NW:.+]] = mdl.neg %[[WT]]
// CHECK-NEXT: %[[NS:.+]] = mdl.neg %[[ST]]
// CHECK-NEXT: bufferization.materialize_in_destination %[[L]] in restrict writable %[[LOSS]] : (tensor<f32>, memref<f32>) -> ()
// CHECK-NEXT: bufferization.materialize_in_destination %[[NW]] in restrict writable %[[W]] : (tensor<4x3xf32>, memref<4x3xf32>) -> ()
// CHECK-NEXT: bufferization.materialize_in_destination %[[NS]] in restrict writable %[[S]] : (tensor<4x3xf32>, memref<4x3xf32>) -> ()
// CHECK-NEXT: return{{$}}
// Several results without adjoint.inplace get one out argument each, in order.
// CHECK-LABEL: func.func @m_predict(
// CHECK-SAME: %[[W:[^:]+]]: memref<4x3xf32>, %[[O0:[^:]+]]: memref<4x3xf32> {adjoint.result = 0 : i64, mdl.output}, %[[O1:[^:]+]]: memref<4x3xf32> {adjoint.result = 1 : i64})
// CHECK:      %[[WT:.+]] = bufferization.to_tensor %[[W]] restrict : memref<4x3xf32>
// CHECK-NEXT: %[[R:.+]] = mdl.relu %[[WT]]
// CHECK-NEXT: bufferization.materialize_in_destination %[[R]] in restrict writable %[[O0]]
// CHECK-NEXT: bufferization.materialize_in_destination %[[WT]] in restrict writable %[[O1]]
// Private functions keep their tensor signature.
// CHECK-LABEL: func.func private @helper(%{{.+}}: tensor<3xf32>) -> tensor<3xf32>
mdl.param @w : tensor<4x3xf32> init "zeros"
mdl.train @m optimizer "sgd" {lr = 0.1 : f64} batch 8 epochs 1 seed 0
func.func @m(%w: tensor<4x3xf32> {mdl.param = @w}, %x: tensor<8x4xf32> {mdl.input = "x"}) -> tensor<f32> attributes {mdl.loss} {
  %0 = mdl.mse %x, %x : tensor<8x4xf32>, tensor<8x4xf32> -> tensor<f32>
  return %0 : tensor<f32>
}
func.func @m_train_step(%w: tensor<4x3xf32> {mdl.param = @w}, %s: tensor<4x3xf32> {optim.state = @w}, %x: tensor<8x4xf32> {mdl.input = "x"}, %lr: f32 {optim.lr})
    -> (tensor<f32> {mdl.loss_value}, tensor<4x3xf32> {adjoint.inplace = 0 : i64}, tensor<4x3xf32> {adjoint.inplace = 1 : i64}) {
  %0 = mdl.mse %x, %x : tensor<8x4xf32>, tensor<8x4xf32> -> tensor<f32>
  %1 = mdl.neg %w : tensor<4x3xf32>
  %2 = mdl.neg %s : tensor<4x3xf32>
  return %0, %1, %2 : tensor<f32>, tensor<4x3xf32>, tensor<4x3xf32>
}
func.func @m_predict(%w: tensor<4x3xf32>) -> (tensor<4x3xf32> {mdl.output}, tensor<4x3xf32>) {
  %0 = mdl.relu %w : tensor<4x3xf32>
  return %0, %w : tensor<4x3xf32>, tensor<4x3xf32>
}
func.func private @helper(%a: tensor<3xf32>) -> tensor<3xf32> {
  return %a : tensor<3xf32>
}
