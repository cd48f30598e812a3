//===- Profile.h - Shared names of the --profile passes ---------*- C++ -*-===//
//
// adjoint-profile-mark names kernels through locations and a module
// attribute; adjoint-profile-instrument reads them back. Both agree on the
// names here.
//
//===----------------------------------------------------------------------===//

#ifndef ADJOINT_CODEGEN_PROFILE_H
#define ADJOINT_CODEGEN_PROFILE_H

#include "llvm/ADT/StringRef.h"

namespace adjoint::profile {

/// Prefix of the NameLoc that marks kernel N: "adjoint.kernel.N".
constexpr llvm::StringLiteral kKernelLocPrefix = "adjoint.kernel.";
/// Module attribute: array of {name = "...", flops = N : i64}, indexed by N.
constexpr llvm::StringLiteral kKernelsAttr = "adjoint.kernels";

} // namespace adjoint::profile

#endif // ADJOINT_CODEGEN_PROFILE_H
