//===- Codegen.h - Object, assembly and header emission ---------*- C++ -*-===//

#ifndef ADJOINT_CODEGEN_CODEGEN_H
#define ADJOINT_CODEGEN_CODEGEN_H

#include "mlir/IR/BuiltinOps.h"

#include <memory>
#include <string>

namespace llvm {
class LLVMContext;
class Module;
} // namespace llvm

namespace adjoint {

struct TargetOptions {
  /// CPU name for llvm::TargetMachine; "native" (default) detects the host,
  /// "generic" x86-64 is the portable fallback.
  std::string cpu = "native";
};

/// Translates a module in the LLVM dialect to LLVM IR, optimized at O3 for
/// the chosen CPU. Returns null after reporting an error on the module.
std::unique_ptr<llvm::Module> translateToLLVMIR(mlir::ModuleOp module,
                                                llvm::LLVMContext &ctx,
                                                const TargetOptions &opts);

/// Checks that the target CPU of `opts` exists; sets `error` otherwise.
mlir::LogicalResult checkTarget(const TargetOptions &opts, std::string &error);

/// Writes `llvmModule` as an object file (or assembly) at `path`.
mlir::LogicalResult emitNative(llvm::Module &llvmModule,
                               const TargetOptions &opts,
                               const std::string &path, bool assembly,
                               std::string &error);

/// The C symbol of a model's loss function (`@<model>` in the IR).
std::string lossSymbol(llvm::StringRef model);

/// Generates the C header for the models in `module` (train level), declaring
/// the compiled entry points and defining `<model>_info`.
mlir::LogicalResult emitHeader(mlir::ModuleOp module, llvm::raw_ostream &os,
                               const std::string &guard);

/// Byte counts of a compiled train step (see Report.cpp).
struct MemoryReport {
  int64_t params = 0, state = 0, inputs = 0, saved = 0;
  int64_t scratch = 0, allocations = 0, paramShaped = 0, weightGradients = 0;
  int64_t staticScratch = 0, staticBuffers = 0;
  int64_t modelBuffers = 0; // non-trainable buffers (batch-norm statistics)
  bool clipNorm = false;
};

/// Fills params, state, inputs and saved activations from the train level.
void collectTrainReport(mlir::ModuleOp module, MemoryReport &report);
/// Fills scratch and gradient-buffer bytes after bufferization.
void collectBufferReport(mlir::ModuleOp module, MemoryReport &report);
/// Fills the static scratch storage after adjoint-static-scratch.
void collectScratchReport(mlir::ModuleOp module, MemoryReport &report);
void printReport(const MemoryReport &report, llvm::raw_ostream &os);

} // namespace adjoint

#endif // ADJOINT_CODEGEN_CODEGEN_H
