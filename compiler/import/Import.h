//===- Import.h - AST to mdl dialect ----------------------------*- C++ -*-===//
//
// The only bridge between the frontend and MLIR. Builds, for the selected
// model, a module holding its parameter declarations (mdl.param), its train
// configuration (mdl.train), the loss function `@<model>` (marked mdl.loss)
// and `@<model>_predict`, all carrying source locations.
//
//===----------------------------------------------------------------------===//

#ifndef ADJOINT_IMPORT_IMPORT_H
#define ADJOINT_IMPORT_IMPORT_H

#include "compiler/frontend/AST.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

namespace adjoint {

struct ImportOptions {
  /// Compile every float tensor as f64 (used by gradient checking).
  bool forceF64 = false;
};

/// Imports `model` (analyzed by Sema) from `prog`. Returns null after
/// emitting an error diagnostic.
mlir::OwningOpRef<mlir::ModuleOp> importModel(const ast::Program &prog,
                                              const ast::Model &model,
                                              mlir::MLIRContext *ctx,
                                              const ImportOptions &opts);

} // namespace adjoint

#endif // ADJOINT_IMPORT_IMPORT_H
