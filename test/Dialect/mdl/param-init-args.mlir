// RUN: adjoint-opt %s --mlir-print-op-generic | adjoint-opt --mlir-print-op-generic | FileCheck %s

// Initializer arguments of mdl.param round-trip through the generic form.
// (The custom form `init "uniform"[a, b]` that the printer produces does not
// parse back; see the bug report. This test avoids re-parsing it.)

// CHECK: "mdl.param"() <{init = "uniform", init_args = array<f64: -1.000000e-01, 1.000000e-01>, sym_name = "b", type = tensor<3xf32>}>
"mdl.param"() <{init = "uniform", init_args = array<f64: -0.1, 0.1>, sym_name = "b", type = tensor<3xf32>}> : () -> ()
// CHECK: "mdl.param"() <{init = "normal", init_args = array<f64: 0.000000e+00, 2.000000e+00>, sym_name = "n", type = tensor<2x2xf64>}>
"mdl.param"() <{init = "normal", init_args = array<f64: 0.0, 2.0>, sym_name = "n", type = tensor<2x2xf64>}> : () -> ()
// CHECK: "mdl.param"() <{init = "zeros", init_args = array<f64>, sym_name = "z", type = tensor<3xf32>}>
"mdl.param"() <{init = "zeros", sym_name = "z", type = tensor<3xf32>}> : () -> ()
