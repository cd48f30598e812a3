//===- Passes.td - Adjoint compiler passes -----------------*- tablegen -*-===//

#ifndef ADJOINT_PASSES
#define ADJOINT_PASSES

include "mlir/Pass/PassBase.td"

def AdjointAutodiff : Pass<"adjoint-autodiff", "mlir::ModuleOp"> {
  let summary = "build the reverse-mode adjoint of every loss function";
  let description = [{
    For every function marked `mdl.loss`, builds `<name>_grad`, which
    returns the loss followed by the gradient of every `mdl.param` argument.
    The reverse sweep walks the forward ops backwards asking each for its
    vector-Jacobian product (`AdjointOpInterface`), sums the adjoints of
    values used more than once, and differentiates only active values (those
    that depend on a parameter and that the loss depends on). Forward values
    the sweep needs are reused, not recomputed.
  }];
  let dependentDialects = ["adjoint::mdl::MdlDialect",
                           "mlir::arith::ArithDialect"];
}

def AdjointRematerialize : Pass<"adjoint-rematerialize", "mlir::ModuleOp"> {
  let summary = "recompute chosen forward values in the reverse sweep instead of keeping them";
  let description = [{
    Runs on the gradient functions `adjoint-autodiff` built. For every
    forward op of a chosen kind (`ops`: mdl op names such as `relu`, `add`,
    `tanh`, or `all` for every pure elementwise-class op; matmuls and
    losses are never recomputed) whose value the reverse sweep reads, clones
    the op right before its first reverse-sweep use and makes the reverse
    sweep read the clone. The forward value then dies in the forward pass.
    Clones carry `mdl.remat`, which the lowering keeps on the linalg ops so
    CSE cannot merge them back. `--report` prints, for every saved
    activation, what recomputing it would free.
  }];
  let options = [
    ListOption<"ops", "ops", "std::string",
               "op kinds to recompute (mdl op names, or all)">
  ];
}

def AdjointFuseOptimizer : Pass<"adjoint-fuse-optimizer", "mlir::ModuleOp"> {
  let summary = "build the train step with optimizer updates fused into the reverse sweep";
  let description = [{
    From `<model>_grad` and the `mdl.train` configuration builds
    `<model>_train_step(params, state, inputs, mask, lr)`, returning the loss,
    the updated parameters and the updated optimizer state. Each update is
    placed right after its gradient is complete and after the last reader of
    the old parameter value (dX = dY·Wᵀ reads W), so bufferization can update
    in place without a copy, and code generation can run the update inside
    the loop nest that computes the gradient. With `no-fuse` every update
    runs after the whole reverse sweep (the reference path).
  }];
  let options = [
    Option<"noFuse", "no-fuse", "bool", /*default=*/"false",
           "apply all updates after the complete reverse sweep">
  ];
  let dependentDialects = ["adjoint::optim::OptimDialect",
                           "mlir::arith::ArithDialect",
                           "mlir::math::MathDialect",
                           "mlir::scf::SCFDialect",
                           "mlir::tensor::TensorDialect"];
}

def ConvertMdlToLinalg : Pass<"convert-mdl-to-linalg", "mlir::ModuleOp"> {
  let summary = "lower mdl ops to linalg, tensor, arith and math";
  let dependentDialects = ["mlir::linalg::LinalgDialect",
                           "mlir::tensor::TensorDialect",
                           "mlir::bufferization::BufferizationDialect",
                           "mlir::scf::SCFDialect",
                           "mlir::arith::ArithDialect",
                           "mlir::math::MathDialect"];
}

def ConvertOptimToLinalg : Pass<"convert-optim-to-linalg", "mlir::ModuleOp"> {
  let summary = "lower optim updates to elementwise linalg ops that write the parameter";
  let description = [{
    Each update becomes a `linalg.generic` whose `outs` are the parameter
    (and state) tensors, so one-shot bufferization updates them in place.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect",
                           "mlir::tensor::TensorDialect",
                           "mlir::arith::ArithDialect",
                           "mlir::math::MathDialect"];
}

def AdjointEntryPoints : Pass<"adjoint-entry-points", "mlir::ModuleOp"> {
  let summary = "give public functions a destination-passing memref ABI";
  let description = [{
    Rewrites each public function on tensors into one on memrefs: tensor
    arguments become memrefs read through `bufferization.to_tensor restrict`;
    a result carrying `adjoint.inplace = N` is materialized into argument N
    (parameters and optimizer state are updated in place); every other
    result is written to a new trailing output memref argument. The
    functions then return nothing, so no result buffer is ever cloned.
  }];
  let dependentDialects = ["mlir::bufferization::BufferizationDialect",
                           "mlir::memref::MemRefDialect"];
}

def AdjointTileAndVectorize : Pass<"adjoint-tile-and-vectorize", "mlir::ModuleOp"> {
  let summary = "tile and vectorize matmul-class kernels and fuse optimizer epilogues";
  let description = [{
    Chooses a schedule for every contraction (register tile, reduction
    block, fused elementwise epilogue such as an optimizer update that
    consumes the gradient matmul), writes it as a transform-dialect script
    and applies it. `print-schedule` prints the script, which is how tests
    check the decisions.
  }];
  let options = [
    Option<"printSchedule", "print-schedule", "bool", /*default=*/"false",
           "print the transform script to stderr">,
    Option<"fuseEpilogues", "fuse-epilogues", "bool", /*default=*/"true",
           "fuse an elementwise consumer (optimizer update) into its matmul tiles">,
    Option<"threads", "threads", "int64_t", /*default=*/"1",
           "split each large matmul across this many threads (scf.forall "
           "over output columns or rows)">
  ];
  let dependentDialects = ["mlir::transform::TransformDialect",
                           "mlir::linalg::LinalgDialect",
                           "mlir::scf::SCFDialect",
                           "mlir::vector::VectorDialect",
                           "mlir::tensor::TensorDialect"];
}

def AdjointSplitEmptyTensors : Pass<"adjoint-split-empty-tensors", "mlir::func::FuncOp"> {
  let summary = "give every use of a tensor.empty its own tensor.empty";
  let description = [{
    CSE merges identical `tensor.empty` ops; several destination-style ops
    then share one empty destination and one-shot bufferization has to copy
    to keep them apart. Run right before bufferization, this pass clones the
    empty tensor for each use so each becomes its own buffer (or disappears).
  }];
}

def AdjointStaticScratch : Pass<"adjoint-static-scratch", "mlir::ModuleOp"> {
  let summary = "give every temporary buffer of an entry point a static home";
  let description = [{
    Replaces each statically shaped `memref.alloc` in a public function by a
    private, 64-byte aligned `memref.global` of its own (zero-filled storage
    in the object's .bss), so a train step allocates nothing on the heap.
    Runs after bufferization and before deallocation is planned (no
    deallocation is then needed). A compiled model is therefore not
    reentrant: one instance must not run in two threads at once.
  }];
  let dependentDialects = ["mlir::memref::MemRefDialect"];
}

def AdjointLowerVectors : Pass<"adjoint-lower-vectors", "mlir::func::FuncOp"> {
  let summary = "hoist accumulators and lower vector ops to FMA-ready form";
  let description = [{
    After bufferization: hoists redundant vector transfers out of loops (the
    matmul accumulators stay in registers), then lowers contractions to
    outer products, transfers, shape casts, transposes and broadcasts, each
    group in its own greedy rewrite, and replaces math functions with
    polynomial approximations so they vectorize instead of calling libm.
  }];
  let dependentDialects = ["mlir::vector::VectorDialect",
                           "mlir::scf::SCFDialect",
                           "mlir::memref::MemRefDialect",
                           "mlir::math::MathDialect"];
}

def AdjointProfileMark : Pass<"adjoint-profile-mark", "mlir::ModuleOp"> {
  let summary = "name every linalg kernel of an entry point for profiling";
  let description = [{
    The first half of `--profile`. Runs on linalg on tensors, before the
    schedules: gives every linalg op of a public function a location named
    `adjoint.kernel.N` (wrapping its source location) and records kernel N
    (op, shape, floating-point operations) in the module attribute
    `adjoint.kernels`. Tiling, fusion and bufferization keep locations, so
    after them `adjoint-profile-instrument` can tell which kernels each loop
    nest computes.
  }];
}

def AdjointProfileInstrument : Pass<"adjoint-profile-instrument", "mlir::ModuleOp"> {
  let summary = "time every top-level loop nest and kernel of an entry point";
  let description = [{
    The second half of `--profile`. Runs on memrefs, after the schedules and
    static scratch: wraps each top-level op of a public function that does
    work (a loop nest, a linalg op, a copy) in calls of the runtime's
    `adj_prof_enter(name, flops)` and `adj_prof_exit(name)`. The region is
    named after its function, the kernels `adjoint-profile-mark` recorded
    inside it (or its op) and its source location; its floating-point
    operations are the sum over those kernels. Removes the kernel names
    from the locations and the module attribute.
  }];
  let dependentDialects = ["mlir::LLVM::LLVMDialect", "mlir::func::FuncDialect"];
}

#endif // ADJOINT_PASSES
