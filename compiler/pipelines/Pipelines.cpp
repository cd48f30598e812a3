//===- Pipelines.cpp - Named pass pipelines -------------------------------===//

#include "compiler/pipelines/Pipelines.h"

#include "mlir/Pass/PassRegistry.h"

using namespace mlir;

std::string adjoint::gradPipeline(const PipelineOptions &opts) {
  std::string p = "adjoint-autodiff,canonicalize,cse";
  if (!opts.remat.empty())
    p += ",adjoint-rematerialize{ops=" + opts.remat + "},canonicalize";
  return p;
}

std::string adjoint::trainPipeline(const PipelineOptions &opts) {
  return std::string("adjoint-fuse-optimizer{no-fuse=") +
         (opts.noFuse ? "true" : "false") + "},canonicalize,cse";
}

std::string adjoint::linalgPipeline(const PipelineOptions &) {
  return "convert-mdl-to-linalg,convert-optim-to-linalg,canonicalize,cse";
}

std::string adjoint::bufferizePipeline(const PipelineOptions &opts) {
  std::string p;
  p += "adjoint-entry-points,";
  if (opts.profile)
    p += "adjoint-profile-mark,";
  p += std::string("adjoint-tile-and-vectorize{fuse-epilogues=") +
       (opts.noFuse ? "false" : "true") +
       " threads=" + std::to_string(opts.threads) + "},";
  p += "canonicalize,cse,func.func(adjoint-split-empty-tensors),";
  p += "eliminate-empty-tensors,";
  p += "one-shot-bufferize{bufferize-function-boundaries=true "
       "function-boundary-type-conversion=identity-layout-map},";
  p += "canonicalize,cse";
  return p;
}

std::string adjoint::scratchPipeline(const PipelineOptions &opts) {
  // With threads, the foralls (matmul blocks, update tiles) become OpenMP
  // work-sharing loops; otherwise serial loops.
  std::string p =
      opts.threads > 1 ? "scf-forall-to-parallel," : "scf-forall-to-for,";
  p += "func.func(adjoint-lower-vectors),adjoint-static-scratch";
  if (opts.profile)
    p += ",adjoint-profile-instrument";
  return p;
}

std::string adjoint::lowerToLLVMPipeline(const PipelineOptions &opts) {
  std::string p;
  p += "buffer-deallocation-pipeline,";
  if (opts.threads > 1)
    p += "convert-scf-to-openmp,";
  p += "convert-linalg-to-loops,canonicalize,cse,";
  p += "expand-strided-metadata,lower-affine,convert-scf-to-cf,";
  p += "convert-vector-to-llvm,convert-math-to-llvm,convert-math-to-libm,";
  p += "finalize-memref-to-llvm,convert-arith-to-llvm,convert-index-to-llvm,";
  p += "convert-cf-to-llvm,convert-ub-to-llvm,";
  p += "convert-func-to-llvm{use-bare-ptr-memref-call-conv=true},";
  // After the functions: omp regions then live in bare-pointer functions.
  if (opts.threads > 1)
    p += "convert-openmp-to-llvm,";
  p += "reconcile-unrealized-casts,canonicalize,cse";
  return p;
}

std::string adjoint::llvmPipeline(const PipelineOptions &opts) {
  return bufferizePipeline(opts) + "," + scratchPipeline(opts) + "," +
         lowerToLLVMPipeline(opts);
}

LogicalResult adjoint::runPipeline(ModuleOp module, llvm::StringRef pipeline) {
  PassManager pm(module->getName());
  std::string error;
  llvm::raw_string_ostream os(error);
  if (failed(parsePassPipeline(pipeline, pm, os))) {
    module.emitError("internal error: bad pipeline '")
        << pipeline << "': " << error;
    return failure();
  }
  return pm.run(module);
}

void adjoint::registerPipelines() {
  struct Reg {
    const char *name;
    const char *summary;
    std::string (*build)(const PipelineOptions &);
  };
  static const Reg regs[] = {
      {"adjoint-to-grad", "forward model to forward + reverse sweep",
       gradPipeline},
      {"adjoint-to-train", "gradient function to fused train step",
       trainPipeline},
      {"adjoint-to-linalg", "mdl and optim to linalg on tensors",
       linalgPipeline},
      {"adjoint-to-llvm", "linalg on tensors to the LLVM dialect",
       llvmPipeline},
  };
  for (const Reg &r : regs) {
    auto build = r.build;
    PassPipelineRegistration<>(r.name, r.summary, [build](OpPassManager &pm) {
      (void)parsePassPipeline(build(PipelineOptions()), pm);
    });
  }
}
