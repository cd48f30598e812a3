//===- ScanToLoops.h - Lowering of mdl.scan to scf.for ----------*- C++ -*-===//

#ifndef ADJOINT_CONVERSION_MDLTOLINALG_SCANTOLOOPS_H
#define ADJOINT_CONVERSION_MDLTOLINALG_SCANTOLOOPS_H

#include "mlir/IR/Operation.h"

namespace adjoint {

/// Rewrites every mdl.scan under `root` (inner ones first) into an scf.for
/// over the steps whose iter_args are the carries and the stacked outputs;
/// the body's mdl ops move into the loop unchanged (lowered afterwards).
void lowerScansToLoops(mlir::Operation *root);

} // namespace adjoint

#endif // ADJOINT_CONVERSION_MDLTOLINALG_SCANTOLOOPS_H
