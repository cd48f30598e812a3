//===- Passes.h - Adjoint compiler passes -----------------------*- C++ -*-===//

#ifndef ADJOINT_COMPILER_PASSES_H
#define ADJOINT_COMPILER_PASSES_H

#include "dialects/mdl/IR/MdlOps.h"
#include "dialects/optim/IR/OptimOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Transform/IR/TransformDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace adjoint {

#define GEN_PASS_DECL
#include "compiler/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "compiler/Passes.h.inc"

/// Attribute names shared by the passes.
constexpr llvm::StringLiteral kLossFnAttr = "mdl.loss";
constexpr llvm::StringLiteral kGradAttr = "mdl.grad";
constexpr llvm::StringLiteral kLossValueAttr = "mdl.loss_value";
constexpr llvm::StringLiteral kOutputAttr = "mdl.output";
constexpr llvm::StringLiteral kStateAttr = "optim.state";
constexpr llvm::StringLiteral kSlotAttr = "optim.slot";
constexpr llvm::StringLiteral kLrAttr = "optim.lr";
constexpr llvm::StringLiteral kStepAttr = "optim.step";
constexpr llvm::StringLiteral kInplaceAttr = "adjoint.inplace";
/// A forward value recomputed in the reverse sweep (adjoint-rematerialize).
constexpr llvm::StringLiteral kRematAttr = "mdl.remat";
/// Whether adjoint-rematerialize may recompute `op` (false for null): a pure
/// mdl op with one result and no regions that is neither a contraction (a
/// kernel, not a sweep, to recompute) nor already a recomputation. The
/// compile report uses the same rule for its per-choice figures.
bool isRecomputable(mlir::Operation *op);
constexpr llvm::StringLiteral kNoFuseAttr = "adjoint.no_fuse";

} // namespace adjoint

#endif // ADJOINT_COMPILER_PASSES_H
