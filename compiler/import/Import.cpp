//===- Import.cpp - AST to mdl dialect ------------------------------------===//

#include "compiler/import/Import.h"
#include "compiler/import/ImportVision.h"

#include "compiler/frontend/SemaVision.h"

#include "dialects/mdl/IR/MdlOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

#include <limits>

using namespace mlir;
using namespace adjoint;

namespace {

class Importer {
public:
  Importer(const ast::Program &prog, const ast::Model &model, MLIRContext *ctx,
           const ImportOptions &opts)
      : prog(prog), model(model), ctx(ctx), opts(opts), b(ctx) {}

  OwningOpRef<ModuleOp> run();

private:
  Location loc(ast::SrcLoc l) {
    return FileLineColLoc::get(ctx, prog.fileOf(l), l.line, l.col);
  }
  Type elemType(ast::DType t) {
    switch (t) {
    case ast::DType::F32:
      return opts.forceF64 ? b.getF64Type() : b.getF32Type();
    case ast::DType::F64:
      return b.getF64Type();
    case ast::DType::I32:
      return b.getI32Type();
    }
    return b.getF32Type();
  }
  RankedTensorType tensorType(ast::DType t, ArrayRef<int64_t> shape) {
    return RankedTensorType::get(shape, elemType(t));
  }
  RankedTensorType typeOf(const ast::TypeSpec &spec) {
    SmallVector<int64_t> shape;
    for (const ast::Dim &d : spec.dims)
      shape.push_back(d.size);
    return tensorType(spec.dtype, shape);
  }
  RankedTensorType typeOf(const ast::Expr &e) {
    return tensorType(e.dtype, e.shape);
  }

  /// Inputs an expression depends on, through let bindings.
  void collectInputs(const ast::Expr &e, llvm::StringSet<> &out,
                     llvm::StringSet<> &visiting);

  /// Builds a function over all params and the given inputs.
  func::FuncOp makeFunction(StringRef name, ArrayRef<const ast::Input *> inputs,
                            bool withMask);
  Value lower(const ast::Expr &e);
  /// Lowers a `let ... = scan` (ImportScan section below) and binds its
  /// names in letValues; false on failure.
  bool lowerScanLet(const ast::Let &let);
  Value lowerCall(const ast::Expr &e);
  Value lowerUnaryCall(const ast::Expr &e, Value x);
  Value lowerBroadcastCall(const ast::Expr &e, RankedTensorType t,
                           ArrayRef<Value> args);
  SmallVector<int64_t> reductionAxes(const ast::Expr &e);
  Value lowerReduction(const ast::Expr &e, RankedTensorType t, Value arg);
  /// Tensor manipulation: indexing/slices ("[]"), transpose, concat; null
  /// for other names.
  Value lowerShapeCall(const ast::Expr &e, RankedTensorType t,
                       ArrayRef<Value> args);
  /// A numeric keyword argument of a call (Sema fills in the defaults).
  std::optional<double> kwNumber(const ast::Expr &e, StringRef name);
  /// The row mask broadcast to the shape of `x` along its batch axis.
  Value rowMask(Location l, Value x, int64_t batchAxis);
  /// `x` with the padding rows replaced by `fill` (e.g. -inf before a max).
  Value fillPadding(Location l, Value x, int64_t batchAxis, double fill);
  Value maskedVariance(const ast::Expr &e, RankedTensorType t, Value x,
                       ArrayRef<int64_t> axes, bool unbiased);
  Value constant(const ast::Expr &e);
  Value constantScalar(Type elem, double v, Location l);
  /// layernorm, batchnorm, embedding, dropout; null for other names.
  Value lowerNormCall(const ast::Expr &e, RankedTensorType t,
                      ArrayRef<Value> args);

  const ast::Program &prog;
  const ast::Model &model;
  MLIRContext *ctx;
  ImportOptions opts;
  OpBuilder b;
  int64_t batch = -1;
  llvm::StringMap<Value> scope; // inputs and params of the function
  llvm::StringMap<const ast::Let *> lets;
  llvm::StringMap<Value> letValues; // lowered lets of the function
  Value mask;
  bool failed = false;
  /// The loss function runs in training mode (batch statistics, dropout);
  /// predict in evaluation mode (running statistics, no dropout).
  bool training = true;
  Value rngStep; // the function's mdl.rng_step, created on first use
  std::map<std::pair<unsigned, unsigned>, int64_t> dropoutStreams;
};

void Importer::collectInputs(const ast::Expr &e, llvm::StringSet<> &out,
                             llvm::StringSet<> &visiting) {
  if (e.kind == ast::ExprKind::Ident) {
    auto it = lets.find(e.name);
    if (it != lets.end()) {
      if (visiting.insert(e.name).second) {
        if (const ast::Scan *scan = it->second->scan.get()) {
          for (const ast::ScanSeq &s : scan->seqs)
            collectInputs(*s.source, out, visiting);
          for (const ast::ScanCarry &c : scan->carries)
            collectInputs(*c.init, out, visiting);
          for (const ast::Let &l : scan->body)
            collectInputs(*l.value, out, visiting);
          for (const ast::ExprPtr &y : scan->yields)
            collectInputs(*y, out, visiting);
        } else {
          collectInputs(*it->second->value, out, visiting);
        }
      }
    } else {
      out.insert(e.name);
    }
  }
  for (const ast::ExprPtr &a : e.args)
    collectInputs(*a, out, visiting);
  for (const ast::KwArg &k : e.kwargs)
    if (k.value)
      collectInputs(*k.value, out, visiting);
}

func::FuncOp Importer::makeFunction(StringRef name,
                                    ArrayRef<const ast::Input *> inputs,
                                    bool withMask) {
  SmallVector<Type> types;
  SmallVector<Attribute> argAttrs;
  for (const ast::Param &p : model.params) {
    types.push_back(typeOf(p.type));
    NamedAttrList attrs;
    attrs.set(mdl::kParamAttr, FlatSymbolRefAttr::get(ctx, p.name));
    if (p.buffer)
      attrs.set(mdl::kBufferAttr, b.getUnitAttr());
    argAttrs.push_back(attrs.getDictionary(ctx));
  }
  for (const ast::Input *in : inputs) {
    types.push_back(typeOf(in->type));
    argAttrs.push_back(b.getDictionaryAttr(
        b.getNamedAttr(mdl::kInputAttr, b.getStringAttr(in->name))));
  }
  // The model element type: of the params, or of the float inputs of a
  // model without params (the mask has it).
  ast::DType modelType = ast::DType::F32;
  if (!model.params.empty())
    modelType = model.params[0].type.dtype;
  else
    for (const ast::Input &in : model.inputs)
      if (in.type.dtype != ast::DType::I32) {
        modelType = in.type.dtype;
        break;
      }
  Type floatElem = elemType(modelType);
  if (withMask) {
    types.push_back(RankedTensorType::get({batch}, floatElem));
    argAttrs.push_back(
        b.getDictionaryAttr(b.getNamedAttr(mdl::kMaskAttr, b.getUnitAttr())));
  }
  auto fn = func::FuncOp::create(b, loc(model.loc), name,
                                 b.getFunctionType(types, {}));
  fn.setAllArgAttrs(argAttrs);
  Block *entry = fn.addEntryBlock();
  scope.clear();
  letValues.clear();
  rngStep = Value();
  unsigned i = 0;
  for (const ast::Param &p : model.params)
    scope[p.name] = entry->getArgument(i++);
  for (const ast::Input *in : inputs)
    scope[in->name] = entry->getArgument(i++);
  mask = withMask ? entry->getArgument(i) : Value();
  return fn;
}

Value Importer::constantScalar(Type elem, double v, Location l) {
  return mdl::splatConstant(b, l, RankedTensorType::get({}, elem), v);
}

Value Importer::constant(const ast::Expr &e) {
  Type elem = elemType(e.dtype);
  auto type = RankedTensorType::get({}, elem);
  Attribute value = isa<FloatType>(elem)
                        ? Attribute(b.getFloatAttr(elem, e.number))
                        : Attribute(b.getIntegerAttr(elem, int64_t(e.number)));
  return arith::ConstantOp::create(b, loc(e.loc), type,
                                   DenseElementsAttr::get(type, value));
}

Value Importer::lower(const ast::Expr &e) {
  if (failed)
    return nullptr;
  Location l = loc(e.loc);
  switch (e.kind) {
  case ast::ExprKind::Number:
    return constant(e);
  case ast::ExprKind::Ident: {
    if (Value v = scope.lookup(e.name))
      return v;
    if (Value v = letValues.lookup(e.name))
      return v;
    auto it = lets.find(e.name);
    if (it == lets.end()) {
      emitError(l) << "unknown name '" << e.name << "'";
      failed = true;
      return nullptr;
    }
    if (it->second->scan) {
      if (!lowerScanLet(*it->second))
        return nullptr;
      return letValues.lookup(e.name);
    }
    Value v = lower(*it->second->value);
    letValues[e.name] = v;
    return v;
  }
  case ast::ExprKind::Unary: {
    Value x = lower(*e.args[0]);
    return x ? mdl::NegOp::create(b, l, x).getResult() : nullptr;
  }
  case ast::ExprKind::Binary: {
    Value lhs = lower(*e.args[0]);
    Value rhs = lower(*e.args[1]);
    if (!lhs || !rhs)
      return nullptr;
    RankedTensorType t = typeOf(e);
    if (e.op == "+")
      return mdl::AddOp::create(b, l, t, lhs, rhs);
    if (e.op == "-")
      return mdl::SubOp::create(b, l, t, lhs, rhs);
    if (e.op == "*")
      return mdl::MulOp::create(b, l, t, lhs, rhs);
    if (e.op == "/")
      return mdl::DivOp::create(b, l, t, lhs, rhs);
    if (e.op == "@")
      return mdl::MatmulOp::create(b, l, t, lhs, rhs);
    emitError(l) << "unsupported operator '" << e.op << "'";
    failed = true;
    return nullptr;
  }
  case ast::ExprKind::Call:
    return lowerCall(e);
  case ast::ExprKind::List:
    break;
  }
  emitError(l) << "a list is not a tensor expression";
  failed = true;
  return nullptr;
}

std::optional<double> Importer::kwNumber(const ast::Expr &e, StringRef name) {
  for (const ast::KwArg &k : e.kwargs)
    if (k.name == name && k.value && k.value->kind == ast::ExprKind::Number)
      return k.value->number;
  return std::nullopt;
}

Value Importer::rowMask(Location l, Value x, int64_t batchAxis) {
  auto xt = cast<RankedTensorType>(x.getType());
  return mdl::BroadcastInDimOp::create(b, l, xt, mask,
                                       b.getDenseI64ArrayAttr({batchAxis}));
}

Value Importer::fillPadding(Location l, Value x, int64_t batchAxis,
                            double fill) {
  auto xt = cast<RankedTensorType>(x.getType());
  Value c = constantScalar(xt.getElementType(), fill, l);
  return mdl::WhereOp::create(b, l, xt, rowMask(l, x, batchAxis), x, c);
}

/// Elementwise builtins without keywords; null for other names.
Value Importer::lowerUnaryCall(const ast::Expr &e, Value x) {
  Location l = loc(e.loc);
  const std::string &f = e.name;
  if (f == "relu")
    return mdl::ReluOp::create(b, l, x);
  if (f == "sigmoid")
    return mdl::SigmoidOp::create(b, l, x);
  if (f == "tanh")
    return mdl::TanhOp::create(b, l, x);
  if (f == "exp")
    return mdl::ExpOp::create(b, l, x);
  if (f == "log")
    return mdl::LogOp::create(b, l, x);
  if (f == "log1p")
    return mdl::Log1pOp::create(b, l, x);
  if (f == "sqrt")
    return mdl::SqrtOp::create(b, l, x);
  if (f == "rsqrt")
    return mdl::RsqrtOp::create(b, l, x);
  if (f == "abs")
    return mdl::AbsOp::create(b, l, x);
  if (f == "reciprocal")
    return mdl::ReciprocalOp::create(b, l, x);
  if (f == "sin")
    return mdl::SinOp::create(b, l, x);
  if (f == "cos")
    return mdl::CosOp::create(b, l, x);
  if (f == "softplus")
    return mdl::SoftplusOp::create(b, l, x);
  if (f == "silu")
    return mdl::SiluOp::create(b, l, x);
  return nullptr;
}

/// Broadcasting builtins (pow, minimum, maximum, comparisons, where); null
/// for other names.
Value Importer::lowerBroadcastCall(const ast::Expr &e, RankedTensorType t,
                                   ArrayRef<Value> args) {
  Location l = loc(e.loc);
  const std::string &f = e.name;
  if (f == "where")
    return mdl::WhereOp::create(b, l, t, args[0], args[1], args[2]);
  auto create = [&](auto tag) -> Value {
    using OpTy = decltype(tag);
    return OpTy::create(b, l, t, args[0], args[1]);
  };
  if (f == "pow")
    return create(mdl::PowOp());
  if (f == "minimum")
    return create(mdl::MinimumOp());
  if (f == "maximum")
    return create(mdl::MaximumOp());
  if (f == "greater")
    return create(mdl::GreaterOp());
  if (f == "greater_equal")
    return create(mdl::GreaterEqualOp());
  if (f == "less")
    return create(mdl::LessOp());
  if (f == "less_equal")
    return create(mdl::LessEqualOp());
  if (f == "equal")
    return create(mdl::EqualOp());
  if (f == "not_equal")
    return create(mdl::NotEqualOp());
  return nullptr;
}

/// The canonical `axes` of a reduction (sorted, non-negative).
SmallVector<int64_t> Importer::reductionAxes(const ast::Expr &e) {
  SmallVector<int64_t> axes;
  for (const ast::KwArg &k : e.kwargs)
    if (k.name == "axes" && k.value)
      for (const ast::ExprPtr &a : k.value->args)
        axes.push_back(int64_t(a->number));
  return axes;
}

/// Variance over axes that include the batch axis, over the valid rows only:
/// n = valid rows * other reduced sizes, mu = sum(x m) / n,
/// var = sum(((x - mu) m)^2) / (n or max(n - 1, 1)).
Value Importer::maskedVariance(const ast::Expr &e, RankedTensorType t, Value x,
                               ArrayRef<int64_t> axes, bool unbiased) {
  Location l = loc(e.loc);
  auto xt = cast<RankedTensorType>(x.getType());
  Type elem = xt.getElementType();
  auto scalar = RankedTensorType::get({}, elem);
  auto attr = b.getDenseI64ArrayAttr(axes);
  SmallVector<int64_t> kept;
  for (int64_t i = 0; i < xt.getRank(); ++i)
    if (!llvm::is_contained(axes, i))
      kept.push_back(i);
  Value m = mdl::BroadcastInDimOp::create(
      b, l, xt, mask, b.getDenseI64ArrayAttr({e.batchAxis}));
  Value n = mdl::SumOp::create(b, l, scalar, mask, b.getDenseI64ArrayAttr({0}));
  int64_t others = 1;
  for (int64_t a : axes)
    if (a != e.batchAxis)
      others *= xt.getDimSize(a);
  if (others != 1)
    n = mdl::MulOp::create(b, l, scalar, n,
                           constantScalar(elem, double(others), l));
  Value masked = mdl::MulOp::create(b, l, xt, x, m);
  Value mu =
      mdl::DivOp::create(b, l, t, mdl::SumOp::create(b, l, t, masked, attr), n);
  Value muB =
      mdl::BroadcastInDimOp::create(b, l, xt, mu, b.getDenseI64ArrayAttr(kept));
  Value d =
      mdl::MulOp::create(b, l, xt, mdl::SubOp::create(b, l, xt, x, muB), m);
  Value ss =
      mdl::SumOp::create(b, l, t, mdl::MulOp::create(b, l, xt, d, d), attr);
  Value denom = n;
  if (unbiased) {
    Value one = constantScalar(elem, 1.0, l);
    denom = mdl::MaximumOp::create(
        b, l, scalar, mdl::SubOp::create(b, l, scalar, n, one), one);
  }
  return mdl::DivOp::create(b, l, t, ss, denom);
}

Value Importer::lowerCall(const ast::Expr &e) {
  Location l = loc(e.loc);
  SmallVector<Value> args;
  for (const ast::ExprPtr &a : e.args) {
    if (a->kind == ast::ExprKind::List) // the shape of reshape
      continue;
    Value v = lower(*a);
    if (!v)
      return nullptr;
    args.push_back(v);
  }
  if (frontend::isVisionBuiltin(e.name)) // conv2d, pooling: ImportVision.cpp
    return importVisionCall(b, l, e, typeOf(e), args);
  RankedTensorType t = typeOf(e);
  const std::string &f = e.name;
  auto kw = [&](StringRef name) { return kwNumber(e, name); };
  auto f64 = [&](std::optional<double> v) -> FloatAttr {
    return v ? b.getF64FloatAttr(*v) : FloatAttr();
  };
  if (Value v = lowerUnaryCall(e, args[0]))
    return v;
  if (Value v = lowerShapeCall(e, t, args))
    return v;
  if (f == "leaky_relu")
    return mdl::LeakyReluOp::create(b, l, args[0],
                                    f64(kw("negative_slope").value_or(0.01)));
  if (f == "elu")
    return mdl::EluOp::create(b, l, args[0], f64(kw("alpha").value_or(1.0)));
  if (f == "gelu") {
    auto op = mdl::GeluOp::create(b, l, args[0]);
    if (kw("approximate").value_or(0) != 0)
      op.setTanh(true);
    return op;
  }
  if (f == "clamp")
    return mdl::ClampOp::create(b, l, args[0], f64(kw("min")), f64(kw("max")));
  if (f == "matmul") {
    auto op = mdl::MatmulOp::create(b, l, t, args[0], args[1]);
    if (kw("transpose_a").value_or(0) != 0)
      op.setTransposeLhs(true);
    if (kw("transpose_b").value_or(0) != 0)
      op.setTransposeRhs(true);
    return op;
  }
  if (Value v = lowerNormCall(e, t, args))
    return v;
  if (Value v = lowerBroadcastCall(e, t, args))
    return v;
  const double inf = std::numeric_limits<double>::infinity();
  if (f == "softmax" || f == "log_softmax") {
    int64_t axis = int64_t(kw("axis").value_or(0));
    auto axisAttr = b.getI64IntegerAttr(axis);
    if (e.batchAxis >= 0 && mask) {
      // Along B: padding rows get probability 0 (log_softmax: 0 too, so
      // that later masked sums never see -inf).
      Value x = fillPadding(l, args[0], e.batchAxis, -inf);
      if (f == "softmax")
        return mdl::SoftmaxOp::create(b, l, x, axisAttr);
      Value y = mdl::LogSoftmaxOp::create(b, l, x, axisAttr);
      Value zero = constantScalar(t.getElementType(), 0.0, l);
      return mdl::WhereOp::create(b, l, t, rowMask(l, y, e.batchAxis), y, zero);
    }
    if (f == "softmax")
      return mdl::SoftmaxOp::create(b, l, args[0], axisAttr);
    return mdl::LogSoftmaxOp::create(b, l, args[0], axisAttr);
  }
  if (llvm::is_contained({"sum", "mean", "max", "min", "logsumexp", "variance"},
                         f)) {
    if (kw("keepdims").value_or(0) == 0)
      return lowerReduction(e, t, args[0]);
    // keepdims = 1: reduce to the shape without the axes, then reshape.
    SmallVector<int64_t> axes = reductionAxes(e), dropped;
    auto xt = cast<RankedTensorType>(args[0].getType());
    for (int64_t i = 0; i < xt.getRank(); ++i)
      if (!llvm::is_contained(axes, i))
        dropped.push_back(xt.getDimSize(i));
    Value v = lowerReduction(
        e, RankedTensorType::get(dropped, t.getElementType()), args[0]);
    return mdl::ReshapeOp::create(b, l, t, v);
  }
  // Losses average over the valid rows of a (possibly partial) batch.
  auto rowsMask = [&](Value rows) -> Value {
    auto rt = cast<RankedTensorType>(rows.getType());
    if (mask && rt.getRank() >= 1 && rt.getDimSize(0) == batch)
      return mask;
    return nullptr;
  };
  if (f == "mse")
    return mdl::MseOp::create(b, l, t, args[0], args[1], rowsMask(args[0]));
  if (f == "l1")
    return mdl::L1Op::create(b, l, t, args[0], args[1], rowsMask(args[0]));
  if (f == "huber")
    return mdl::HuberOp::create(b, l, t, args[0], args[1], rowsMask(args[0]),
                                f64(kw("delta").value_or(1.0)));
  if (f == "bce_with_logits")
    return mdl::BceWithLogitsOp::create(b, l, t, args[0], args[1],
                                        rowsMask(args[0]));
  if (f == "nll")
    return mdl::NllOp::create(b, l, t, args[0], args[1], rowsMask(args[0]));
  if (f == "softmax_cross_entropy")
    return mdl::SoftmaxCrossEntropyOp::create(b, l, t, args[0], args[1],
                                              rowsMask(args[0]));
  emitError(l) << "no lowering for builtin '" << f << "'";
  failed = true;
  return nullptr;
}

Value Importer::lowerNormCall(const ast::Expr &e, RankedTensorType t,
                              ArrayRef<Value> args) {
  Location l = loc(e.loc);
  const std::string &f = e.name;
  auto kw = [&](StringRef name) { return kwNumber(e, name); };
  Type elem = t.getElementType();
  if (f == "embedding")
    return mdl::EmbeddingOp::create(b, l, t, args[0], args[1]);
  if (f == "dropout") {
    double p = kw("p").value_or(0.5);
    if (!training || p == 0)
      return args[0]; // identity in evaluation mode
    if (!rngStep) {
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPointToStart(b.getInsertionBlock());
      rngStep = mdl::RngStepOp::create(
          b, l, RankedTensorType::get({}, b.getI32Type()));
    }
    auto key = std::make_pair(e.loc.line, e.loc.col);
    auto [it, inserted] =
        dropoutStreams.try_emplace(key, int64_t(dropoutStreams.size()));
    const ast::TrainConfig *train = prog.findTrain(model.name);
    uint64_t seed = train && train->hasSeed ? train->seed : 0;
    return mdl::DropoutOp::create(
        b, l, t, args[0], rngStep, b.getF64FloatAttr(p),
        b.getI64IntegerAttr(int64_t(seed & 0xffffffffu)),
        b.getI64IntegerAttr(it->second));
  }
  if (f == "layernorm") {
    SmallVector<int64_t> axes = reductionAxes(e), stat;
    for (int64_t i = 0; i < t.getRank(); ++i)
      if (!llvm::is_contained(axes, i))
        stat.push_back(t.getDimSize(i));
    auto statType = RankedTensorType::get(stat, elem);
    auto op = mdl::LayerNormOp::create(
        b, l, TypeRange{t, statType, statType}, args[0], args[1], args[2],
        b.getDenseI64ArrayAttr(axes),
        b.getF64FloatAttr(kw("eps").value_or(1e-5)));
    return op.getResult();
  }
  if (f != "batchnorm")
    return nullptr;
  double eps = kw("eps").value_or(1e-5);
  double momentum = kw("momentum").value_or(0.1);
  Value runMean = scope.lookup(e.stateName + ".running_mean");
  Value runVar = scope.lookup(e.stateName + ".running_var");
  if (!runMean || !runVar) {
    emitError(l) << "no running statistics for batchnorm '" << e.stateName
                 << "'";
    failed = true;
    return nullptr;
  }
  int64_t channels = t.getDimSize(t.getRank() - 1);
  auto cType = RankedTensorType::get({channels}, elem);
  if (!training) {
    // (x - running_mean) * rsqrt(running_var + eps) * gamma + beta.
    Value rstd = mdl::RsqrtOp::create(
        b, l,
        mdl::AddOp::create(b, l, cType, runVar, constantScalar(elem, eps, l)));
    Value scale = mdl::MulOp::create(b, l, cType, rstd, args[1]);
    Value y = mdl::MulOp::create(
        b, l, t, mdl::SubOp::create(b, l, t, args[0], runMean), scale);
    return mdl::AddOp::create(b, l, t, y, args[2]);
  }
  Value m = e.batchAxis == 0 ? mask : Value();
  auto op =
      mdl::BatchNormOp::create(b, l, TypeRange{t, cType, cType}, args[0],
                               args[1], args[2], m, b.getF64FloatAttr(eps));
  // Running averages (torch): the unbiased batch variance, n / (n - 1)
  // with n the valid elements per channel (n = 1: factor 1).
  auto scalar = RankedTensorType::get({}, elem);
  int64_t others = 1;
  for (int64_t i = 1; i + 1 < t.getRank(); ++i)
    others *= t.getDimSize(i);
  Value n;
  if (m) {
    n = mdl::SumOp::create(b, l, scalar, m, b.getDenseI64ArrayAttr({0}));
    if (others != 1)
      n = mdl::MulOp::create(b, l, scalar, n,
                             constantScalar(elem, double(others), l));
  } else {
    n = constantScalar(elem, double(others * t.getDimSize(0)), l);
  }
  Value one = constantScalar(elem, 1.0, l);
  Value factor = mdl::DivOp::create(
      b, l, scalar, n,
      mdl::MaximumOp::create(b, l, scalar,
                             mdl::SubOp::create(b, l, scalar, n, one), one));
  Value unbiased = mdl::MulOp::create(b, l, cType, op.getVar(), factor);
  Value keep = constantScalar(elem, 1.0 - momentum, l);
  Value mom = constantScalar(elem, momentum, l);
  auto blend = [&](Value running, Value batch) -> Value {
    return mdl::AddOp::create(b, l, cType,
                              mdl::MulOp::create(b, l, cType, running, keep),
                              mdl::MulOp::create(b, l, cType, batch, mom));
  };
  mdl::UpdateBufferOp::create(b, l, runMean, blend(runMean, op.getMean()));
  mdl::UpdateBufferOp::create(b, l, runVar, blend(runVar, unbiased));
  return op.getResult();
}

/// Reductions (sum, mean, max, min, logsumexp, variance) with the result
/// type `t` (the reduced axes dropped); null for other names.
Value Importer::lowerReduction(const ast::Expr &e, RankedTensorType t,
                               Value arg) {
  Location l = loc(e.loc);
  const std::string &f = e.name;
  auto kw = [&](StringRef name) { return kwNumber(e, name); };
  const double inf = std::numeric_limits<double>::infinity();
  if (f == "max" || f == "min" || f == "logsumexp" || f == "variance") {
    SmallVector<int64_t> axes = reductionAxes(e);
    auto attr = b.getDenseI64ArrayAttr(axes);
    Value x = arg;
    bool masked = e.batchAxis >= 0 && mask;
    if (f == "variance") {
      bool unbiased = kw("unbiased").value_or(0) != 0;
      if (masked)
        return maskedVariance(e, t, x, axes, unbiased);
      auto op = mdl::VarianceOp::create(b, l, t, x, attr);
      if (unbiased)
        op.setUnbiased(true);
      return op;
    }
    // Padding rows never win a max/min and add exp(-inf) = 0 to a logsumexp.
    if (masked)
      x = fillPadding(l, x, e.batchAxis, f == "min" ? inf : -inf);
    if (f == "max")
      return mdl::MaxOp::create(b, l, t, x, attr);
    if (f == "min")
      return mdl::MinOp::create(b, l, t, x, attr);
    return mdl::LogSumExpOp::create(b, l, t, x, attr);
  }
  if (f == "sum" || f == "mean") {
    SmallVector<int64_t> axes = reductionAxes(e);
    auto attr = b.getDenseI64ArrayAttr(axes);
    if (e.batchAxis >= 0 && mask) {
      // Reduce over valid rows only: zero the padding rows, and divide a
      // mean by the valid row count.
      auto xt = cast<RankedTensorType>(arg.getType());
      Value m = mdl::BroadcastInDimOp::create(
          b, l, xt, mask, b.getDenseI64ArrayAttr({e.batchAxis}));
      Value masked = mdl::MulOp::create(b, l, xt, arg, m);
      Value sum = mdl::SumOp::create(b, l, t, masked, attr);
      if (f == "sum")
        return sum;
      auto scalar = RankedTensorType::get({}, t.getElementType());
      Value rows =
          mdl::SumOp::create(b, l, scalar, mask, b.getDenseI64ArrayAttr({0}));
      int64_t others = 1;
      for (int64_t a : axes)
        if (a != e.batchAxis)
          others *= xt.getDimSize(a);
      if (others != 1) {
        Value c = constantScalar(t.getElementType(), double(others), l);
        rows = mdl::MulOp::create(b, l, scalar, rows, c);
      }
      return mdl::DivOp::create(b, l, t, sum, rows);
    }
    if (f == "sum")
      return mdl::SumOp::create(b, l, t, arg, attr);
    return mdl::MeanOp::create(b, l, t, arg, attr);
  }
  return nullptr;
}

Value Importer::lowerShapeCall(const ast::Expr &e, RankedTensorType t,
                               ArrayRef<Value> args) {
  Location l = loc(e.loc);
  auto list = [&](StringRef name) {
    SmallVector<int64_t> v;
    for (const ast::KwArg &k : e.kwargs)
      if (k.name == name && k.value)
        for (const ast::ExprPtr &a : k.value->args)
          v.push_back(int64_t(a->number));
    return v;
  };
  if (e.name == "transpose")
    return mdl::TransposeOp::create(b, l, t, args[0],
                                    b.getDenseI64ArrayAttr(list("perm")));
  if (e.name == "concat")
    return mdl::ConcatOp::create(b, l, t, args,
                                 int64_t(kwNumber(e, "axis").value_or(0)));
  if (e.name != "[]")
    return nullptr;
  // A strided slice of the full rank, then the indexed axes dropped.
  auto xt = cast<RankedTensorType>(args[0].getType());
  auto sliced = RankedTensorType::get(list("size"), xt.getElementType());
  Value v = args[0];
  if (sliced != xt ||
      llvm::any_of(list("start"), [](int64_t s) { return s != 0; }))
    v = mdl::SliceOp::create(b, l, sliced, v,
                             b.getDenseI64ArrayAttr(list("start")),
                             b.getDenseI64ArrayAttr(list("step")));
  if (v.getType() != t)
    v = mdl::ReshapeOp::create(b, l, t, v);
  return v;
}

//===----------------------------------------------------------------------===//
// ImportScan: a scan becomes mdl.scan; its body sees the step slices and the
// carries as block arguments and the outer values directly.
//===----------------------------------------------------------------------===//

namespace {

void collectIdents(const ast::Expr &e, llvm::StringSet<> &out) {
  if (e.kind == ast::ExprKind::Ident)
    out.insert(e.name);
  for (const ast::ExprPtr &a : e.args)
    collectIdents(*a, out);
  for (const ast::KwArg &k : e.kwargs)
    if (k.value)
      collectIdents(*k.value, out);
}

} // namespace

bool Importer::lowerScanLet(const ast::Let &let) {
  const ast::Scan &scan = *let.scan;
  Location l = loc(scan.loc);
  SmallVector<Value> xs, inits;
  SmallVector<Type> resultTypes;
  for (const ast::ScanSeq &s : scan.seqs) {
    Value x = lower(*s.source);
    if (!x)
      return false;
    xs.push_back(x);
  }
  for (const ast::ScanCarry &c : scan.carries) {
    Value init = lower(*c.init);
    if (!init)
      return false;
    RankedTensorType type = typeOf(c.type);
    auto it = cast<RankedTensorType>(init.getType());
    if (it != type) {
      SmallVector<int64_t> dims;
      for (int64_t i = 0; i < it.getRank(); ++i)
        dims.push_back(type.getRank() - it.getRank() + i);
      init = mdl::BroadcastInDimOp::create(b, loc(c.init->loc), type, init,
                                           b.getDenseI64ArrayAttr(dims));
    }
    inits.push_back(init);
    resultTypes.push_back(type);
  }
  // Outer lets the body uses are computed once, before the loop.
  llvm::StringSet<> used, local;
  for (const ast::ScanSeq &s : scan.seqs)
    local.insert(s.name);
  for (const ast::ScanCarry &c : scan.carries)
    local.insert(c.name);
  for (const ast::Let &inner : scan.body) {
    collectIdents(*inner.value, used);
    local.insert(inner.name);
  }
  for (const ast::ExprPtr &y : scan.yields)
    collectIdents(*y, used);
  for (const auto &name : used.keys())
    if (!local.contains(name) && lets.count(name) && !scope.lookup(name) &&
        !letValues.lookup(name)) {
      ast::Expr ref(ast::ExprKind::Ident, scan.loc);
      ref.name = name.str();
      if (!lower(ref))
        return false;
    }

  int64_t axis = scan.seqs.empty() ? 0 : scan.seqs[0].axis;
  auto op = mdl::ScanOp::create(b, l, resultTypes, xs, inits,
                                b.getI64IntegerAttr(axis),
                                b.getI64IntegerAttr(scan.length), nullptr);
  Block *body = new Block();
  op.getBody().push_back(body);
  // Local names shadow outer let values while the body is lowered.
  llvm::StringMap<Value> savedLets = letValues;
  for (auto [s, x] : llvm::zip(scan.seqs, xs)) {
    auto type = cast<RankedTensorType>(x.getType());
    SmallVector<int64_t> shape(type.getShape());
    shape.erase(shape.begin() + axis);
    letValues[s.name] = body->addArgument(
        RankedTensorType::get(shape, type.getElementType()), loc(s.loc));
  }
  for (auto [c, t] : llvm::zip(scan.carries, resultTypes))
    letValues[c.name] = body->addArgument(t, loc(c.loc));
  bool ok = true;
  {
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToEnd(body);
    for (const ast::Let &inner : scan.body) {
      Value v = lower(*inner.value);
      if (!v) {
        ok = false;
        break;
      }
      letValues[inner.name] = v;
    }
    SmallVector<Value> yields;
    for (const ast::ExprPtr &y : scan.yields) {
      if (!ok)
        break;
      Value v = lower(*y);
      if (!v)
        ok = false;
      yields.push_back(v);
    }
    if (ok)
      mdl::YieldOp::create(b, loc(scan.yieldLoc), yields);
  }
  letValues = std::move(savedLets);
  if (!ok) {
    failed = true;
    return false;
  }
  letValues[let.name] = op.getResult(0);
  for (auto [i, n] : llvm::enumerate(let.moreNames))
    letValues[n.first] = op.getResult(i + 1);
  return true;
}

OwningOpRef<ModuleOp> Importer::run() {
  OwningOpRef<ModuleOp> module = ModuleOp::create(loc(model.loc));
  b.setInsertionPointToEnd(module->getBody());
  for (const ast::Let &let : model.lets) {
    lets[let.name] = &let;
    for (auto &n : let.moreNames)
      lets[n.first] = &let;
  }
  for (const ast::Input &in : model.inputs)
    for (const ast::Dim &d : in.type.dims)
      if (!d.symbol.empty())
        batch = d.size;
  const ast::TrainConfig *train = prog.findTrain(model.name);
  if (batch < 0)
    batch = train ? train->batch
                  : (model.inputs.empty() || model.inputs[0].type.dims.empty()
                         ? 1
                         : model.inputs[0].type.dims[0].size);

  for (const ast::Param &p : model.params) {
    auto op = mdl::ParamOp::create(b, loc(p.loc), p.name, typeOf(p.type),
                                   p.init.kind, p.init.args);
    if (p.buffer)
      op.setBuffer(true);
  }

  NamedAttrList hyper;
  std::string optimizer = "sgd";
  double lr = 0.01;
  if (train && train->hasOptimizer) {
    optimizer = train->optimizer.name;
    for (auto &[k, v] : train->optimizer.args)
      hyper.set(k, b.getF64FloatAttr(v));
  }
  if (!hyper.get("lr"))
    hyper.set("lr", b.getF64FloatAttr(lr));
  if (train && train->accumulate > 1)
    hyper.set("accumulate", b.getF64FloatAttr(double(train->accumulate)));
  auto specDict = [&](const ast::ScheduleSpec &spec) {
    NamedAttrList attrs;
    attrs.set("kind", b.getStringAttr(spec.name));
    for (auto &[k, v] : spec.args)
      attrs.set(k, b.getF64FloatAttr(v));
    for (auto &[k, v] : spec.listArgs) {
      SmallVector<Attribute> elems;
      for (double e : v)
        elems.push_back(b.getF64FloatAttr(e));
      attrs.set(k, b.getArrayAttr(elems));
    }
    return attrs.getDictionary(ctx);
  };
  DictionaryAttr paramOptions;
  ArrayAttr frozen;
  if (train && !train->paramOptions.empty()) {
    NamedAttrList opts;
    for (const ast::ScheduleSpec &o : train->paramOptions) {
      NamedAttrList args;
      for (auto &[k, v] : o.args)
        args.set(k, b.getF64FloatAttr(v));
      opts.set(o.name, args.getDictionary(ctx));
    }
    paramOptions = opts.getDictionary(ctx);
  }
  if (train && !train->frozen.empty()) {
    SmallVector<StringRef> names;
    for (auto &f : train->frozen)
      names.push_back(f.first);
    frozen = b.getStrArrayAttr(names);
  }
  mdl::TrainOp::create(
      b, loc(train ? train->loc : model.loc),
      FlatSymbolRefAttr::get(ctx, model.name), b.getStringAttr(optimizer),
      hyper.getDictionary(ctx), b.getI64IntegerAttr(batch),
      b.getI64IntegerAttr(train && train->hasEpochs ? train->epochs : 1),
      b.getI64IntegerAttr(train && train->hasSeed ? int64_t(train->seed) : 0),
      train && train->hasSchedule ? specDict(train->schedule) : nullptr,
      train && train->hasWarmup ? specDict(train->warmup) : nullptr,
      train && train->hasClip ? specDict(train->clip) : nullptr, paramOptions,
      frozen);

  // The loss function: every input, the row mask.
  SmallVector<const ast::Input *> all;
  for (const ast::Input &in : model.inputs)
    all.push_back(&in);
  {
    OpBuilder::InsertionGuard g(b);
    func::FuncOp fn = makeFunction(model.name, all, /*withMask=*/true);
    fn->setAttr("mdl.loss", b.getUnitAttr());
    b.setInsertionPointToEnd(&fn.getBody().front());
    Value loss = lower(*model.loss);
    if (!loss)
      return nullptr;
    func::ReturnOp::create(b, loc(model.lossLoc), loss);
    fn.setType(b.getFunctionType(fn.getArgumentTypes(), {loss.getType()}));
  }

  // The predict function: only the inputs the output depends on.
  const ast::Expr *output =
      model.output ? model.output.get() : model.loss->args[0].get();
  llvm::StringSet<> used, visiting;
  collectInputs(*output, used, visiting);
  SmallVector<const ast::Input *> inputs;
  for (const ast::Input &in : model.inputs)
    if (used.contains(in.name))
      inputs.push_back(&in);
  {
    OpBuilder::InsertionGuard g(b);
    func::FuncOp fn = makeFunction(model.name + "_predict", inputs, false);
    training = false;
    b.setInsertionPointToEnd(&fn.getBody().front());
    Value out = lower(*output);
    if (!out)
      return nullptr;
    func::ReturnOp::create(b, loc(output->loc), out);
    fn.setType(b.getFunctionType(fn.getArgumentTypes(), {out.getType()}));
    fn.setResultAttrs(
        0, b.getDictionaryAttr(b.getNamedAttr("mdl.output", b.getUnitAttr())));
  }
  if (failed || mlir::failed(module->verify()))
    return nullptr;
  return module;
}

} // namespace

OwningOpRef<ModuleOp> adjoint::importModel(const ast::Program &prog,
                                           const ast::Model &model,
                                           MLIRContext *ctx,
                                           const ImportOptions &opts) {
  ctx->loadDialect<mdl::MdlDialect, func::FuncDialect, arith::ArithDialect>();
  return Importer(prog, model, ctx, opts).run();
}
