//===- SemaVision.cpp - Type rules of the convolution builtins ------------===//
//
// conv2d(x, w, stride = 1, padding = 0, dilation = 1, groups = 1),
// max_pool2d(x, size, stride = size, padding = 0), avg_pool2d (the same),
// global_avg_pool(x), reshape(x, [dims]) and flatten(x). Activations are
// NHWC [B, H, W, C] and filters HWCF [KH, KW, C / groups, F].
//
// After a successful check the call is canonical: conv2d has the args
// (x, w) and the kwargs stride, padding, dilation (Lists of two integer
// Numbers) and groups (a Number); the pools have the arg x and the kwargs
// size, stride, padding (Lists of two); reshape keeps its args (x and the
// list of dimensions as written; the result shape has them resolved);
// flatten and global_avg_pool have only x. The canonical form checks again
// to the same result (Sema re-checks a copy of the loss argument).
//
//===----------------------------------------------------------------------===//

#include "compiler/frontend/SemaVision.h"
#include "compiler/frontend/Support.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>

namespace adjoint::frontend {

using namespace adjoint::ast;

namespace {

bool isFloat(DType t) { return t == DType::F32 || t == DType::F64; }

std::string typeStr(const Expr &e) { return formatType(e.dtype, e.shape); }

std::string pairStr(const std::vector<int64_t> &v) {
  return std::to_string(v[0]) + " x " + std::to_string(v[1]);
}

class VisionSema {
public:
  VisionSema(Expr &e, std::vector<bool> &flags, VisionContext &ctx)
      : e(e), flags(flags), ctx(ctx) {}

  bool run();

private:
  bool error(SrcLoc loc, const std::string &msg) {
    ctx.diags.error(loc, msg);
    return false;
  }
  /// A resolved integer Number of the model type.
  ExprPtr number(int64_t v, SrcLoc loc) {
    auto n = std::make_unique<Expr>(ExprKind::Number, loc);
    n->number = double(v);
    n->isInteger = true;
    n->dtype = ctx.modelDType;
    n->resolved = true;
    return n;
  }
  KwArg listKwarg(const std::string &name, const std::vector<int64_t> &v,
                  SrcLoc loc) {
    auto list = std::make_unique<Expr>(ExprKind::List, loc);
    for (int64_t x : v)
      list->args.push_back(number(x, loc));
    list->dtype = ctx.modelDType;
    list->shape = {int64_t(v.size())};
    list->resolved = true;
    KwArg k;
    k.name = name;
    k.loc = loc;
    k.value = std::move(list);
    return k;
  }
  /// The integer value of a literal (with an optional unary minus).
  static std::optional<int64_t> intLiteral(const Expr &v) {
    double sign = 1;
    const Expr *n = &v;
    if (n->kind == ExprKind::Unary && n->op == "-" && n->args.size() == 1 &&
        n->args[0]) {
      sign = -1;
      n = n->args[0].get();
    }
    if (n->kind != ExprKind::Number || !n->isInteger ||
        n->number != std::floor(n->number) || std::fabs(n->number) > 1e15)
      return std::nullopt;
    return int64_t(sign * n->number);
  }
  /// An integer or a list of two integers, each at least `min`.
  std::optional<std::vector<int64_t>>
  pair(const Expr &v, const std::string &name, int64_t min);
  /// Keyword arguments by name; reports unknown and duplicate ones.
  bool collectKwargs(const std::vector<std::string> &allowed);
  /// Type-checks the tensor argument i.
  bool checkArg(size_t i, std::vector<bool> &argFlags);
  /// A float [B, H, W, C] argument with B (if any) first.
  bool requireImage(const Expr &x, const std::vector<bool> &xf,
                    const std::string &what);
  bool checkConv();
  bool checkPool();
  bool checkGlobalAvgPool();
  bool checkReshape();
  bool checkFlatten();
  bool arity(size_t lo, size_t hi);

  Expr &e;
  std::vector<bool> &flags;
  VisionContext &ctx;
  std::map<std::string, const KwArg *> kw;
};

bool VisionSema::arity(size_t lo, size_t hi) {
  size_t n = e.args.size();
  if (n >= lo && n <= hi)
    return true;
  std::string want = std::to_string(lo);
  if (hi != lo)
    want += " or " + std::to_string(hi);
  return error(e.loc, "'" + e.name + "' expects " + want +
                          (hi == 1 ? " argument" : " arguments") + ", got " +
                          std::to_string(n));
}

bool VisionSema::collectKwargs(const std::vector<std::string> &allowed) {
  for (const KwArg &k : e.kwargs) {
    if (std::find(allowed.begin(), allowed.end(), k.name) == allowed.end()) {
      std::string msg = "unknown keyword argument '" + abbreviate(k.name) +
                        "' for '" + e.name + "'";
      if (allowed.empty())
        return error(k.loc, msg);
      std::string hint = didYouMean(k.name, allowed);
      return error(
          k.loc,
          msg + (hint.empty() ? "; expected " + joinNames(allowed) : hint));
    }
    auto prev = kw.find(k.name);
    if (prev != kw.end()) {
      error(k.loc, "duplicate keyword argument '" + k.name + "'");
      ctx.diags.note(prev->second->loc,
                     "previous value of '" + k.name + "' is here");
      return false;
    }
    if (!k.value)
      return false;
    kw[k.name] = &k;
  }
  return true;
}

std::optional<std::vector<int64_t>>
VisionSema::pair(const Expr &v, const std::string &name, int64_t min) {
  std::vector<const Expr *> items;
  if (v.kind == ExprKind::List) {
    if (v.args.size() != 2) {
      error(v.loc, "'" + name + "' of '" + e.name +
                       "' must be an integer or a list of two integers "
                       "(height, width), got a list of " +
                       std::to_string(v.args.size()));
      return std::nullopt;
    }
    for (const ExprPtr &a : v.args) {
      if (!a)
        return std::nullopt;
      items.push_back(a.get());
    }
  } else {
    items = {&v, &v};
  }
  std::vector<int64_t> out;
  for (const Expr *item : items) {
    std::optional<int64_t> n = intLiteral(*item);
    if (!n) {
      error(item->loc, "'" + name + "' of '" + e.name +
                           "' must be an integer or a list of two integers "
                           "(height, width)");
      return std::nullopt;
    }
    if (*n < min) {
      error(item->loc, "'" + name + "' of '" + e.name + "' must be " +
                           (min == 0 ? "non-negative"
                                     : "at least " + std::to_string(min)) +
                           ", got " + std::to_string(*n));
      return std::nullopt;
    }
    out.push_back(*n);
  }
  return out;
}

bool VisionSema::checkArg(size_t i, std::vector<bool> &argFlags) {
  Expr &a = *e.args[i];
  if (a.kind == ExprKind::List)
    return error(a.loc, "argument " + std::to_string(i + 1) + " of '" + e.name +
                            "' must be a tensor, not a list");
  return ctx.check(a, argFlags);
}

bool VisionSema::requireImage(const Expr &x, const std::vector<bool> &xf,
                              const std::string &what) {
  if (!isFloat(x.dtype))
    return error(x.loc,
                 what + " must be a floating-point tensor, got " + typeStr(x));
  if (x.shape.size() != 4)
    return error(x.loc, what + " must have rank 4 (NHWC: [B, H, W, C]), got " +
                            typeStr(x));
  for (size_t d = 1; d < xf.size(); ++d)
    if (xf[d])
      return error(x.loc, what +
                              " must have the batch dimension B first "
                              "(NHWC: [B, H, W, C]), got " +
                              typeStr(x));
  return true;
}

/// Output size of a window; std::nullopt when it does not fit.
std::optional<int64_t> outSize(int64_t in, int64_t k, int64_t s, int64_t p,
                               int64_t d) {
  int64_t span = d * (k - 1) + 1;
  if (in + 2 * p < span)
    return std::nullopt;
  return (in + 2 * p - span) / s + 1;
}

bool VisionSema::checkConv() {
  if (!arity(2, 2) ||
      !collectKwargs({"stride", "padding", "dilation", "groups"}))
    return false;
  std::vector<bool> xf, wf;
  bool okX = checkArg(0, xf), okW = checkArg(1, wf);
  if (!okX || !okW)
    return false;
  Expr &x = *e.args[0], &w = *e.args[1];
  if (!requireImage(x, xf, "input of 'conv2d'"))
    return false;
  if (!isFloat(w.dtype))
    return error(w.loc, "filter of 'conv2d' must be a floating-point tensor, "
                        "got " +
                            typeStr(w));
  if (w.shape.size() != 4)
    return error(w.loc, "filter of 'conv2d' must have rank 4 (HWCF: [KH, KW, "
                        "C / groups, F]), got " +
                            typeStr(w));
  if (std::any_of(wf.begin(), wf.end(), [](bool b) { return b; }))
    return error(w.loc, "filter of 'conv2d' must not have the batch "
                        "dimension B, got " +
                            typeStr(w));
  if (x.dtype != w.dtype)
    return error(e.loc, "mismatched element types in 'conv2d': " + typeStr(x) +
                            " and " + typeStr(w));
  std::vector<int64_t> stride{1, 1}, padding{0, 0}, dilation{1, 1};
  int64_t groups = 1;
  struct Spec {
    const char *name;
    std::vector<int64_t> *out;
    int64_t min;
  } specs[] = {{"stride", &stride, 1},
               {"padding", &padding, 0},
               {"dilation", &dilation, 1}};
  for (const Spec &s : specs)
    if (auto it = kw.find(s.name); it != kw.end()) {
      auto v = pair(*it->second->value, s.name, s.min);
      if (!v)
        return false;
      *s.out = *v;
    }
  if (auto it = kw.find("groups"); it != kw.end()) {
    const Expr &v = *it->second->value;
    std::optional<int64_t> g = intLiteral(v);
    if (!g || *g < 1)
      return error(v.loc, "'groups' of 'conv2d' must be a positive integer");
    groups = *g;
  }
  int64_t c = x.shape[3], f = w.shape[3];
  if (c % groups || f % groups)
    return error(e.loc, "'groups' (" + std::to_string(groups) +
                            ") of 'conv2d' must divide the input channels (" +
                            std::to_string(c) + ") and the filters (" +
                            std::to_string(f) + ")");
  if (w.shape[2] != c / groups)
    return error(w.loc,
                 "filter of 'conv2d' has " + std::to_string(w.shape[2]) +
                     " input channels but the input " + typeStr(x) + " has " +
                     std::to_string(c) +
                     (groups == 1 ? std::string(" channels")
                                  : " channels in " + std::to_string(groups) +
                                        " groups (expected " +
                                        std::to_string(c / groups) + ")"));
  auto oh = outSize(x.shape[1], w.shape[0], stride[0], padding[0], dilation[0]);
  auto ow = outSize(x.shape[2], w.shape[1], stride[1], padding[1], dilation[1]);
  if (!oh || !ow)
    return error(e.loc, "the " + pairStr({w.shape[0], w.shape[1]}) +
                            " filter of 'conv2d' (dilation " +
                            pairStr(dilation) +
                            ") does not fit in the padded input " +
                            pairStr({x.shape[1] + 2 * padding[0],
                                     x.shape[2] + 2 * padding[1]}));
  e.dtype = x.dtype;
  e.shape = {x.shape[0], *oh, *ow, f};
  flags = {!xf.empty() && xf[0], false, false, false};
  std::vector<KwArg> canon;
  canon.push_back(listKwarg("stride", stride, e.loc));
  canon.push_back(listKwarg("padding", padding, e.loc));
  canon.push_back(listKwarg("dilation", dilation, e.loc));
  KwArg g;
  g.name = "groups";
  g.loc = e.loc;
  g.value = number(groups, e.loc);
  canon.push_back(std::move(g));
  e.kwargs = std::move(canon);
  e.resolved = true;
  return true;
}

bool VisionSema::checkPool() {
  if (!arity(1, 2) || !collectKwargs({"size", "stride", "padding"}))
    return false;
  const Expr *sizeExpr = nullptr;
  if (e.args.size() == 2) {
    if (kw.count("size"))
      return error(kw["size"]->loc, "'size' of '" + e.name +
                                        "' is given twice (positional "
                                        "and keyword)");
    if (!e.args[1])
      return false;
    sizeExpr = e.args[1].get();
  } else if (kw.count("size")) {
    sizeExpr = kw["size"]->value.get();
  } else {
    return error(e.loc, "'" + e.name + "' needs a window size, e.g. " + e.name +
                            "(x, 2)");
  }
  std::vector<bool> xf;
  if (!checkArg(0, xf))
    return false;
  Expr &x = *e.args[0];
  if (!requireImage(x, xf, "input of '" + e.name + "'"))
    return false;
  auto size = pair(*sizeExpr, "size", 1);
  if (!size)
    return false;
  std::vector<int64_t> stride = *size, padding{0, 0};
  if (auto it = kw.find("stride"); it != kw.end()) {
    auto v = pair(*it->second->value, "stride", 1);
    if (!v)
      return false;
    stride = *v;
  }
  if (auto it = kw.find("padding"); it != kw.end()) {
    auto v = pair(*it->second->value, "padding", 0);
    if (!v)
      return false;
    padding = *v;
    for (int i = 0; i < 2; ++i)
      if (2 * padding[i] > (*size)[i])
        return error(it->second->value->loc,
                     "'padding' of '" + e.name + "' (" + pairStr(padding) +
                         ") must be at most half the window size (" +
                         pairStr(*size) + ")");
  }
  auto oh = outSize(x.shape[1], (*size)[0], stride[0], padding[0], 1);
  auto ow = outSize(x.shape[2], (*size)[1], stride[1], padding[1], 1);
  if (!oh || !ow)
    return error(e.loc, "the " + pairStr(*size) + " window of '" + e.name +
                            "' does not fit in the padded input " +
                            pairStr({x.shape[1] + 2 * padding[0],
                                     x.shape[2] + 2 * padding[1]}));
  e.dtype = x.dtype;
  e.shape = {x.shape[0], *oh, *ow, x.shape[3]};
  flags = {!xf.empty() && xf[0], false, false, false};
  e.args.resize(1);
  std::vector<KwArg> canon;
  canon.push_back(listKwarg("size", *size, e.loc));
  canon.push_back(listKwarg("stride", stride, e.loc));
  canon.push_back(listKwarg("padding", padding, e.loc));
  e.kwargs = std::move(canon);
  e.resolved = true;
  return true;
}

bool VisionSema::checkGlobalAvgPool() {
  if (!arity(1, 1) || !collectKwargs({}))
    return false;
  std::vector<bool> xf;
  if (!checkArg(0, xf))
    return false;
  Expr &x = *e.args[0];
  if (!requireImage(x, xf, "input of 'global_avg_pool'"))
    return false;
  e.dtype = x.dtype;
  e.shape = {x.shape[0], x.shape[3]};
  flags = {!xf.empty() && xf[0], false};
  e.resolved = true;
  return true;
}

bool VisionSema::checkFlatten() {
  if (!arity(1, 1) || !collectKwargs({}))
    return false;
  std::vector<bool> xf;
  if (!checkArg(0, xf))
    return false;
  Expr &x = *e.args[0];
  if (!isFloat(x.dtype))
    return error(x.loc, "argument of 'flatten' must be a floating-point "
                        "tensor, got " +
                            typeStr(x));
  if (x.shape.size() < 2)
    return error(x.loc, "argument of 'flatten' must have rank >= 2 (the "
                        "first dimension is kept), got " +
                            typeStr(x));
  for (size_t d = 1; d < xf.size(); ++d)
    if (xf[d])
      return error(x.loc, "argument of 'flatten' must have the batch "
                          "dimension B first, got " +
                              typeStr(x));
  int64_t rest = 1;
  for (size_t d = 1; d < x.shape.size(); ++d)
    rest *= x.shape[d];
  e.dtype = x.dtype;
  e.shape = {x.shape[0], rest};
  flags = {!xf.empty() && xf[0], false};
  e.resolved = true;
  return true;
}

bool VisionSema::checkReshape() {
  if (!arity(2, 2) || !collectKwargs({}))
    return false;
  if (!e.args[1])
    return false;
  const Expr &list = *e.args[1];
  if (list.kind != ExprKind::List)
    return error(list.loc, "second argument of 'reshape' must be a list of "
                           "dimensions, e.g. [B, 784]");
  std::vector<bool> xf;
  if (!checkArg(0, xf))
    return false;
  Expr &x = *e.args[0];
  if (!isFloat(x.dtype))
    return error(x.loc, "argument of 'reshape' must be a floating-point "
                        "tensor, got " +
                            typeStr(x));
  bool batched = !xf.empty() && xf[0];
  for (size_t d = 1; d < xf.size(); ++d)
    if (xf[d])
      return error(x.loc, "argument of 'reshape' must have the batch "
                          "dimension B first, got " +
                              typeStr(x));
  if (list.args.empty())
    return error(list.loc, "the shape of 'reshape' must not be empty");
  if (list.args.size() > 8)
    return error(list.loc, "the shape of 'reshape' has more than 8 "
                           "dimensions");
  std::vector<int64_t> shape;
  std::vector<bool> outFlags;
  int inferred = -1;
  for (size_t i = 0; i < list.args.size(); ++i) {
    if (!list.args[i])
      return false;
    const Expr &d = *list.args[i];
    if (d.kind == ExprKind::Ident && d.name == "B") {
      if (!batched)
        return error(d.loc, "'B' in the shape of 'reshape' needs an argument "
                            "whose first dimension is B, got " +
                                typeStr(x));
      if (i != 0)
        return error(d.loc, "the batch dimension B must stay the first "
                            "dimension of 'reshape'");
      shape.push_back(x.shape[0]);
      outFlags.push_back(true);
      continue;
    }
    std::optional<int64_t> n = intLiteral(d);
    if (!n || (*n < 1 && *n != -1))
      return error(d.loc, "dimensions of 'reshape' must be B, positive "
                          "integers or -1 (inferred)");
    if (*n == -1) {
      if (inferred >= 0)
        return error(d.loc, "only one dimension of 'reshape' may be -1");
      inferred = int(i);
    }
    shape.push_back(*n);
    outFlags.push_back(false);
  }
  if (batched && !outFlags[0])
    return error(list.args[0]->loc,
                 "the shape of 'reshape' must start with B: the batch "
                 "dimension stays first (argument " +
                     typeStr(x) + ")");
  int64_t total = 1;
  for (int64_t s : x.shape)
    total *= s;
  int64_t known = 1;
  for (int64_t s : shape)
    if (s != -1) {
      if (known > (int64_t(1) << 62) / s)
        return error(list.loc, "the shape of 'reshape' is too large");
      known *= s;
    }
  if (inferred >= 0) {
    if (total % known)
      return error(list.loc,
                   "cannot infer the -1 dimension of 'reshape': " + typeStr(x) +
                       " has " + std::to_string(total) +
                       " elements, not a multiple of " + std::to_string(known));
    shape[inferred] = total / known;
  } else if (known != total) {
    std::vector<int64_t> shown(shape);
    return error(list.loc, "cannot reshape " + typeStr(x) + " (" +
                               std::to_string(total) + " elements) to " +
                               formatType(x.dtype, shown) + " (" +
                               std::to_string(known) + " elements)");
  }
  e.dtype = x.dtype;
  e.shape = shape;
  flags = outFlags;
  e.resolved = true;
  return true;
}

bool VisionSema::run() {
  for (const ExprPtr &a : e.args)
    if (!a)
      return false;
  if (e.name == "conv2d")
    return checkConv();
  if (e.name == "max_pool2d" || e.name == "avg_pool2d")
    return checkPool();
  if (e.name == "global_avg_pool")
    return checkGlobalAvgPool();
  if (e.name == "reshape")
    return checkReshape();
  return checkFlatten();
}

} // namespace

const std::vector<std::string> &visionBuiltinNames() {
  static const std::vector<std::string> names = {
      "conv2d",          "max_pool2d", "avg_pool2d",
      "global_avg_pool", "reshape",    "flatten"};
  return names;
}

bool isVisionBuiltin(const std::string &name) {
  const auto &n = visionBuiltinNames();
  return std::find(n.begin(), n.end(), name) != n.end();
}

bool checkVisionCall(Expr &e, std::vector<bool> &flags, VisionContext &ctx) {
  flags.clear();
  return VisionSema(e, flags, ctx).run();
}

} // namespace adjoint::frontend
