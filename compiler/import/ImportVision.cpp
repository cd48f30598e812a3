//===- ImportVision.cpp - Import of the convolution builtins --------------===//
//
// conv2d, max_pool2d and avg_pool2d become their mdl ops; global_avg_pool is
// a mean over the spatial axes; reshape and flatten are mdl.reshape (the
// batch dimension stays first, so padding rows of a partial batch stay
// padding rows: these ops are per sample and need no mask).
//
//===----------------------------------------------------------------------===//

#include "compiler/import/ImportVision.h"

#include "dialects/mdl/IR/MdlOps.h"

using namespace mlir;
using namespace adjoint;

namespace {

/// The integers of a List keyword argument (Sema made it canonical).
SmallVector<int64_t> listKw(const ast::Expr &e, StringRef name) {
  SmallVector<int64_t> v;
  for (const ast::KwArg &k : e.kwargs)
    if (k.name == name && k.value)
      for (const ast::ExprPtr &a : k.value->args)
        v.push_back(int64_t(a->number));
  return v;
}

int64_t numberKw(const ast::Expr &e, StringRef name, int64_t dflt) {
  for (const ast::KwArg &k : e.kwargs)
    if (k.name == name && k.value && k.value->kind == ast::ExprKind::Number)
      return int64_t(k.value->number);
  return dflt;
}

} // namespace

Value adjoint::importVisionCall(OpBuilder &b, Location loc, const ast::Expr &e,
                                RankedTensorType type, ArrayRef<Value> args) {
  const std::string &f = e.name;
  if (f == "conv2d")
    return mdl::Conv2dOp::create(b, loc, type, args[0], args[1],
                                 b.getDenseI64ArrayAttr(listKw(e, "stride")),
                                 b.getDenseI64ArrayAttr(listKw(e, "padding")),
                                 b.getDenseI64ArrayAttr(listKw(e, "dilation")),
                                 b.getI64IntegerAttr(numberKw(e, "groups", 1)));
  if (f == "max_pool2d" || f == "avg_pool2d") {
    auto size = b.getDenseI64ArrayAttr(listKw(e, "size"));
    auto stride = b.getDenseI64ArrayAttr(listKw(e, "stride"));
    auto padding = b.getDenseI64ArrayAttr(listKw(e, "padding"));
    if (f == "max_pool2d")
      return mdl::MaxPool2dOp::create(b, loc, type, args[0], size, stride,
                                      padding);
    return mdl::AvgPool2dOp::create(b, loc, type, args[0], size, stride,
                                    padding);
  }
  if (f == "global_avg_pool")
    return mdl::MeanOp::create(b, loc, type, args[0],
                               b.getDenseI64ArrayAttr({1, 2}));
  if (f == "reshape" || f == "flatten")
    return mdl::ReshapeOp::create(b, loc, type, args[0]);
  return nullptr;
}
