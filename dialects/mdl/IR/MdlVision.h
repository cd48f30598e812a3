//===- MdlVision.h - Shape rules of convolution and pooling -----*- C++ -*-===//
//
// Shared by the verifiers, the adjoint rules and the linalg lowering of the
// conv2d and pooling ops (MdlVisionOps.td).
//
//===----------------------------------------------------------------------===//

#ifndef ADJOINT_MDL_IR_MDLVISION_H
#define ADJOINT_MDL_IR_MDLVISION_H

#include "dialects/mdl/IR/MdlOps.h"

namespace adjoint::mdl {

/// Output size of a window of `size` taps spaced by `dilation`, slid with
/// `stride` over `in` elements zero-padded by `padding` on both sides
/// (PyTorch's formula); std::nullopt when no window fits.
inline std::optional<int64_t> windowOutputSize(int64_t in, int64_t size,
                                               int64_t stride, int64_t padding,
                                               int64_t dilation) {
  int64_t span = dilation * (size - 1) + 1;
  int64_t avail = in + 2 * padding;
  if (in < 1 || size < 1 || stride < 1 || padding < 0 || dilation < 1 ||
      avail < span)
    return std::nullopt;
  return (avail - span) / stride + 1;
}

/// The geometry of a conv2d: input [B, H, W, C], filter [KH, KW, C/G, F].
struct ConvGeometry {
  int64_t batch, h, w, c, kh, kw, f, groups, oh, ow;
  int64_t sh, sw, ph, pw, dh, dw;
};

/// Checks the operand and result types of a conv2d (or of its adjoints,
/// given the input, filter and result types) and returns the geometry;
/// reports through `op` and returns std::nullopt when they do not fit.
std::optional<ConvGeometry>
verifyConvGeometry(mlir::Operation *op, mlir::RankedTensorType input,
                   mlir::RankedTensorType filter, mlir::RankedTensorType result,
                   llvm::ArrayRef<int64_t> stride,
                   llvm::ArrayRef<int64_t> padding,
                   llvm::ArrayRef<int64_t> dilation, int64_t groups);

/// Checks a pooling op: input [B, H, W, C] and result [B, OH, OW, C].
mlir::LogicalResult verifyPoolGeometry(mlir::Operation *op,
                                       mlir::RankedTensorType input,
                                       mlir::RankedTensorType result,
                                       llvm::ArrayRef<int64_t> size,
                                       llvm::ArrayRef<int64_t> stride,
                                       llvm::ArrayRef<int64_t> padding);

} // namespace adjoint::mdl

#endif // ADJOINT_MDL_IR_MDLVISION_H
