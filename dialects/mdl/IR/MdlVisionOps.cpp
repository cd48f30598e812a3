//===- MdlVisionOps.cpp - Verifiers of the convolution and pooling ops ----===//

#include "dialects/mdl/IR/MdlVision.h"

#include "mlir/IR/Builders.h"

using namespace mlir;
using namespace adjoint::mdl;

namespace {

std::string shapeStr(RankedTensorType t) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << t;
  return s;
}

/// Every spatial attribute is a (height, width) pair of integers at least
/// `min`.
LogicalResult verifyPair(Operation *op, StringRef name, ArrayRef<int64_t> v,
                         int64_t min) {
  if (v.size() != 2)
    return op->emitOpError()
           << "expects '" << name
           << "' to have 2 elements (height, width), got " << v.size();
  for (int64_t x : v)
    if (x < min)
      return op->emitOpError()
             << "expects '" << name << "' elements to be at least " << min
             << ", got " << x;
  return success();
}

} // namespace

std::optional<ConvGeometry> adjoint::mdl::verifyConvGeometry(
    Operation *op, RankedTensorType input, RankedTensorType filter,
    RankedTensorType result, ArrayRef<int64_t> stride,
    ArrayRef<int64_t> padding, ArrayRef<int64_t> dilation, int64_t groups) {
  if (failed(verifyPair(op, "stride", stride, 1)) ||
      failed(verifyPair(op, "padding", padding, 0)) ||
      failed(verifyPair(op, "dilation", dilation, 1)))
    return std::nullopt;
  if (input.getRank() != 4 || filter.getRank() != 4 || result.getRank() != 4) {
    op->emitOpError("expects an input [B, H, W, C], a filter [KH, KW, C / "
                    "groups, F] and a result [B, OH, OW, F]");
    return std::nullopt;
  }
  if (input.getElementType() != filter.getElementType() ||
      input.getElementType() != result.getElementType()) {
    op->emitOpError("expects the input, filter and result to have the same "
                    "element type");
    return std::nullopt;
  }
  if (!input.hasStaticShape() || !filter.hasStaticShape() ||
      !result.hasStaticShape()) {
    op->emitOpError("expects static shapes");
    return std::nullopt;
  }
  ConvGeometry g;
  g.batch = input.getDimSize(0);
  g.h = input.getDimSize(1);
  g.w = input.getDimSize(2);
  g.c = input.getDimSize(3);
  g.kh = filter.getDimSize(0);
  g.kw = filter.getDimSize(1);
  g.f = filter.getDimSize(3);
  g.groups = groups;
  g.sh = stride[0];
  g.sw = stride[1];
  g.ph = padding[0];
  g.pw = padding[1];
  g.dh = dilation[0];
  g.dw = dilation[1];
  if (groups < 1 || g.c % groups || g.f % groups) {
    op->emitOpError() << "expects groups (" << groups
                      << ") to be positive and to divide the input channels ("
                      << g.c << ") and the filters (" << g.f << ")";
    return std::nullopt;
  }
  if (filter.getDimSize(2) != g.c / groups) {
    op->emitOpError() << "expects the filter " << shapeStr(filter)
                      << " to have " << g.c / groups
                      << " input channels (input channels / groups)";
    return std::nullopt;
  }
  auto oh = windowOutputSize(g.h, g.kh, g.sh, g.ph, g.dh);
  auto ow = windowOutputSize(g.w, g.kw, g.sw, g.pw, g.dw);
  if (!oh || !ow) {
    op->emitOpError() << "expects the filter " << shapeStr(filter)
                      << " to fit in the padded input " << shapeStr(input);
    return std::nullopt;
  }
  g.oh = *oh;
  g.ow = *ow;
  if (result.getShape() != ArrayRef<int64_t>{g.batch, g.oh, g.ow, g.f}) {
    op->emitOpError() << "expects the convolution result to have shape ["
                      << g.batch << ", " << g.oh << ", " << g.ow << ", " << g.f
                      << "], got " << shapeStr(result);
    return std::nullopt;
  }
  return g;
}

LogicalResult adjoint::mdl::verifyPoolGeometry(Operation *op,
                                               RankedTensorType input,
                                               RankedTensorType result,
                                               ArrayRef<int64_t> size,
                                               ArrayRef<int64_t> stride,
                                               ArrayRef<int64_t> padding) {
  if (failed(verifyPair(op, "size", size, 1)) ||
      failed(verifyPair(op, "stride", stride, 1)) ||
      failed(verifyPair(op, "padding", padding, 0)))
    return failure();
  if (input.getRank() != 4 || result.getRank() != 4)
    return op->emitOpError(
        "expects an input [B, H, W, C] and a result [B, OH, OW, C]");
  if (input.getElementType() != result.getElementType())
    return op->emitOpError(
        "expects the input and result to have the same element type");
  if (!input.hasStaticShape() || !result.hasStaticShape())
    return op->emitOpError("expects static shapes");
  for (int i = 0; i < 2; ++i)
    if (2 * padding[i] > size[i])
      return op->emitOpError()
             << "expects the padding (" << padding[i]
             << ") to be at most half the window size (" << size[i] << ")";
  auto oh =
      windowOutputSize(input.getDimSize(1), size[0], stride[0], padding[0], 1);
  auto ow =
      windowOutputSize(input.getDimSize(2), size[1], stride[1], padding[1], 1);
  if (!oh || !ow)
    return op->emitOpError() << "expects the window to fit in the padded input "
                             << shapeStr(input);
  SmallVector<int64_t> want{input.getDimSize(0), *oh, *ow, input.getDimSize(3)};
  if (result.getShape() != ArrayRef<int64_t>(want))
    return op->emitOpError()
           << "expects the pooled result to have shape [" << want[0] << ", "
           << want[1] << ", " << want[2] << ", " << want[3] << "], got "
           << shapeStr(result);
  return success();
}

LogicalResult Conv2dOp::verify() {
  return success(verifyConvGeometry(*this, getInput().getType(),
                                    getFilter().getType(), getType(),
                                    getStride(), getPadding(), getDilation(),
                                    getGroups())
                     .has_value());
}

LogicalResult Conv2dGradInputOp::verify() {
  return success(verifyConvGeometry(*this, getType(), getFilter().getType(),
                                    getGrad().getType(), getStride(),
                                    getPadding(), getDilation(), getGroups())
                     .has_value());
}

LogicalResult Conv2dGradFilterOp::verify() {
  return success(verifyConvGeometry(*this, getInput().getType(), getType(),
                                    getGrad().getType(), getStride(),
                                    getPadding(), getDilation(), getGroups())
                     .has_value());
}

LogicalResult MaxPool2dOp::verify() {
  return verifyPoolGeometry(*this, getInput().getType(), getType(), getSize(),
                            getStride(), getPadding());
}

LogicalResult AvgPool2dOp::verify() {
  return verifyPoolGeometry(*this, getInput().getType(), getType(), getSize(),
                            getStride(), getPadding());
}

LogicalResult MaxPool2dGradOp::verify() {
  return verifyPoolGeometry(*this, getInput().getType(), getGrad().getType(),
                            getSize(), getStride(), getPadding());
}

LogicalResult AvgPool2dGradOp::verify() {
  return verifyPoolGeometry(*this, getType(), getGrad().getType(), getSize(),
                            getStride(), getPadding());
}
