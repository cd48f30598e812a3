//===- Pipelines.h - Named pass pipelines -----------------------*- C++ -*-===//
//
// The compiler's stages as textual pass pipelines. The driver runs them one
// after another (and prints the IR between them for --emit); adjoint-opt
// registers them under the same names for tests.
//
//===----------------------------------------------------------------------===//

#ifndef ADJOINT_PIPELINES_PIPELINES_H
#define ADJOINT_PIPELINES_PIPELINES_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"

namespace adjoint {

struct PipelineOptions {
  bool noFuse = false;
  /// > 1: parallel matmul blocks and update tiles lowered to OpenMP.
  int64_t threads = 1;
  /// Time every top-level loop nest of the entry points through the
  /// runtime's adj_prof_* calls (adjoint-profile-mark/-instrument).
  bool profile = false;
  /// Op kinds whose forward values the reverse sweep recomputes instead of
  /// reading (adjoint-rematerialize), comma-separated; empty for none.
  std::string remat;
};

/// mdl (forward) -> grad: adjoint-autodiff.
std::string gradPipeline(const PipelineOptions &opts);
/// grad -> train: adjoint-fuse-optimizer.
std::string trainPipeline(const PipelineOptions &opts);
/// train -> linalg on tensors.
std::string linalgPipeline(const PipelineOptions &opts);
/// linalg -> LLVM dialect (entry-point ABI, schedules, bufferization,
/// vector lowering, conversion to LLVM): bufferizePipeline, scratchPipeline
/// and lowerToLLVMPipeline.
std::string llvmPipeline(const PipelineOptions &opts);
/// linalg on tensors -> vectorized kernels on memrefs.
std::string bufferizePipeline(const PipelineOptions &opts);
/// Vector lowering and static storage for the temporaries.
std::string scratchPipeline(const PipelineOptions &opts);
/// memrefs -> LLVM dialect.
std::string lowerToLLVMPipeline(const PipelineOptions &opts);

/// Parses and runs `pipeline` on `module`.
mlir::LogicalResult runPipeline(mlir::ModuleOp module,
                                llvm::StringRef pipeline);

/// Registers adjoint-to-grad, adjoint-to-train, adjoint-to-linalg and
/// adjoint-to-llvm with the pass registry.
void registerPipelines();

} // namespace adjoint

#endif // ADJOINT_PIPELINES_PIPELINES_H
