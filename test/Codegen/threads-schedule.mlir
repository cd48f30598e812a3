// RUN: adjoint-opt %s --adjoint-tile-and-vectorize="threads=2 print-schedule" -o /dev/null 2>&1 | FileCheck %s
// RUN: adjoint-opt %s --adjoint-tile-and-vectorize="print-schedule" -o /dev/null 2>&1 | FileCheck %s --check-prefix=SERIAL

// With threads, a matmul is split into parallel blocks of whole register
// tiles: the 512 output columns into 2 x 256 (a multiple of the 32-column
// tile), before the k blocking; a 128x10 result cannot split its columns
// into whole tiles and splits its rows instead.
// CHECK: transform.structured.tile_using_forall %mm0 tile_sizes [0, 256]
// CHECK: transform.structured.tile_using_for %mm0_p tile_sizes [0, 0, 196]
// CHECK: transform.structured.tile_using_forall %mm1 tile_sizes [64, 0]
// SERIAL-NOT: tile_using_forall %mm
func.func @f(%a: tensor<128x784xf32>, %b: tensor<784x512xf32>,
             %c: tensor<128x512xf32>, %d: tensor<512x10xf32>,
             %e: tensor<128x10xf32>) -> (tensor<128x512xf32>, tensor<128x10xf32>) {
  %0 = linalg.matmul ins(%a, %b : tensor<128x784xf32>, tensor<784x512xf32>)
                     outs(%c : tensor<128x512xf32>) -> tensor<128x512xf32>
  %1 = linalg.matmul ins(%0, %d : tensor<128x512xf32>, tensor<512x10xf32>)
                     outs(%e : tensor<128x10xf32>) -> tensor<128x10xf32>
  return %0, %1 : tensor<128x512xf32>, tensor<128x10xf32>
}
