//===- Codegen.h - Object, assembly and header emission ---------*- C++ -*-===//

#ifndef ADJOINT_CODEGEN_CODEGEN_H
#define ADJOINT_CODEGEN_CODEGEN_H

#include "mlir/IR/BuiltinOps.h"

#include <string>
#include <vector>

#include <memory>
#include <string>

namespace llvm {
class LLVMContext;
class Module;
class TargetMachine;
} // namespace llvm

namespace adjoint {

struct TargetOptions {
  /// CPU name for llvm::TargetMachine; "native" (default) detects the host,
  /// "generic" x86-64 is the portable fallback.
  std::string cpu = "native";
};

/// The machine code target of one compile: the host triple, the chosen CPU
/// and its features, and the one llvm::TargetMachine that optimizes the IR
/// and emits the object.
struct NativeTarget;
struct NativeTargetDeleter {
  void operator()(NativeTarget *t) const;
};
using NativeTargetPtr = std::unique_ptr<NativeTarget, NativeTargetDeleter>;

/// Creates the target for `opts` (checks that the CPU exists); null with
/// `error` set otherwise.
NativeTargetPtr createNativeTarget(const TargetOptions &opts,
                                   std::string &error);

/// Translates a module in the LLVM dialect to LLVM IR, optimized at O3 for
/// `target`. Returns null after reporting an error on the module.
std::unique_ptr<llvm::Module> translateToLLVMIR(mlir::ModuleOp module,
                                                llvm::LLVMContext &ctx,
                                                NativeTarget &target);

/// Writes `llvmModule` as an object file (or assembly) at `path`.
mlir::LogicalResult emitNative(llvm::Module &llvmModule, NativeTarget &target,
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
  /// For every op kind with saved values: the saved-activation bytes if the
  /// reverse sweep recomputed that kind (--remat=kind), then for all kinds.
  std::vector<std::pair<std::string, int64_t>> rematChoices;
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
