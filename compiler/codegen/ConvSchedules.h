//===- ConvSchedules.h - Transform scripts for convolutions -----*- C++ -*-===//

#ifndef ADJOINT_CODEGEN_CONVSCHEDULES_H
#define ADJOINT_CODEGEN_CONVSCHEDULES_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

namespace adjoint {

/// Marks the filter-gradient contraction of conv2d (a linalg.generic built
/// by the mdl lowering) so that code generation can schedule it.
constexpr llvm::StringLiteral kConvFilterGradAttr = "adjoint.conv_filter_grad";

/// Appends to `os` the transform-script body that schedules every static
/// linalg.conv_2d_nhwc_hwcf (forward and input-gradient convolutions) and
/// every marked filter-gradient generic of `module`, tagging each op with
/// `adjoint.sched` = `conv<id>` / `convw<id>` (`id` is advanced). Returns
/// the number of scheduled ops.
unsigned emitConvSchedules(mlir::ModuleOp module, llvm::raw_ostream &os,
                           unsigned &id);

} // namespace adjoint

#endif // ADJOINT_CODEGEN_CONVSCHEDULES_H
