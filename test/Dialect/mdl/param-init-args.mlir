// RUN: adjoint-opt %s | adjoint-opt | FileCheck %s
// RUN: adjoint-opt %s --mlir-print-op-generic | adjoint-opt | FileCheck %s

// Initializer arguments of mdl.param round-trip through the custom form
// (`args [...]`) and the generic form, and do not swallow an attribute
// dictionary.

// CHECK: mdl.param @b : tensor<3xf32> init "uniform" args [-1.000000e-01, 1.000000e-01]
mdl.param @b : tensor<3xf32> init "uniform" args [-0.1, 0.1]
// CHECK: mdl.param @n : tensor<2x2xf64> init "normal" args [0.000000e+00, 2.000000e+00]
"mdl.param"() <{init = "normal", init_args = array<f64: 0.0, 2.0>, sym_name = "n", type = tensor<2x2xf64>}> : () -> ()
// CHECK: mdl.param @z : tensor<3xf32> init "zeros" {note = "x"}
mdl.param @z : tensor<3xf32> init "zeros" {note = "x"}
