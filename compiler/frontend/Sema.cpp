//===- Sema.cpp - Semantic analysis of the model language -----------------===//
//
// Resolves names, substitutes the batch symbol B, type-checks every
// expression against the builtin table and validates declarations and train
// sections. See LANGUAGE.md for the rules and Frontend.h for the entry point.
//
// Postconditions when analyze() succeeds (the importer relies on them):
//  * every Expr has resolved = true, dtype and shape (B substituted);
//  * number literals have shape [] and the model dtype; unary minus on a
//    literal and arithmetic on two literals are folded into a Number;
//  * every reduction Call (sum, mean, max, min, logsumexp, variance) has a
//    first kwarg "axes" whose value is a List of integer Numbers,
//    non-negative, sorted and unique (variance then has "unbiased"; a
//    "keepdims" kwarg follows only when it was written);
//    softmax/log_softmax have one kwarg "axis" (non-negative); every other
//    numeric keyword of a builtin is a Number kwarg, defaults filled in
//    (clamp: only the bounds that were written);
//  * Model::output is non-null (a copy of the loss' first argument when it
//    was not written, with outputIsDefault = true);
//  * Dim::size of every B dim is the batch size; TrainConfig::batch is the
//    batch size used for its model; sgd always has "lr" and "momentum".
//
//===----------------------------------------------------------------------===//

#include "compiler/frontend/Frontend.h"
#include "compiler/frontend/SemaVision.h"
#include "compiler/frontend/Support.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace adjoint::frontend {

namespace {

using namespace adjoint::ast;

constexpr int64_t kDefaultBatch = 32;
constexpr size_t kMaxRank = 8;

bool isFloat(DType t) { return t == DType::F32 || t == DType::F64; }

/// Batch flags of an expression: flags[i] is true when dimension i is (derived
/// from) the symbolic batch dimension B.
using BatchFlags = std::vector<bool>;

/// How a builtin is type-checked (and imported).
enum class BuiltinKind {
  Unary,     // float tensor -> same shape
  Broadcast, // float tensors / literals -> NumPy broadcast shape
  Reduce,    // axis / axes -> the reduced axes dropped
  Softmax,   // along one axis (default -1) -> same shape
  PairLoss,  // prediction, target of the same shape -> scalar
  Nll,       // log-probabilities [N, C], labels i32 [N] -> scalar
  Xent,      // logits [N, C], labels i32 [N] or probabilities [N, C]
  Norm,      // layernorm / batchnorm(x, gamma, beta) -> the shape of x
  Embedding, // ids i32 [B, ...], table [V, D] -> [B, ..., D]
  Matmul,    // matmul(a, b, transpose_a, transpose_b): as '@'
};

/// Range of a numeric keyword argument.
enum class KwRange { Finite, Positive, Flag, Prob, Fraction };

struct KwSpec {
  const char *name;
  double dflt; // NaN: optional without a default
  KwRange range;
};

struct Builtin {
  const char *name;
  BuiltinKind kind;
  size_t arity;
  std::vector<KwSpec> kws; // numeric keywords (axis/axes are separate)
  const char *argNames[2] = {"argument", "argument"}; // for diagnostics
};

const std::vector<Builtin> &builtins() {
  using K = BuiltinKind;
  using R = KwRange;
  const double none = std::nan("");
  auto unary = [](const char *n, std::vector<KwSpec> kws = {}) {
    return Builtin{n, K::Unary, 1, std::move(kws)};
  };
  auto bcast = [](const char *n, size_t arity = 2) {
    return Builtin{n, K::Broadcast, arity, {}};
  };
  // keepdims is optional without a default: it is only a kwarg when written.
  auto reduce = [none](const char *n, std::vector<KwSpec> kws = {}) {
    kws.push_back({"keepdims", none, R::Flag});
    return Builtin{n, K::Reduce, 1, std::move(kws)};
  };
  auto loss = [](const char *n, K kind, const char *a0, const char *a1,
                 std::vector<KwSpec> kws = {}) {
    return Builtin{n, kind, 2, std::move(kws), {a0, a1}};
  };
  static const std::vector<Builtin> table = {
      unary("relu"),
      unary("sigmoid"),
      unary("tanh"),
      unary("exp"),
      unary("log"),
      unary("log1p"),
      unary("sqrt"),
      unary("rsqrt"),
      unary("abs"),
      unary("reciprocal"),
      unary("sin"),
      unary("cos"),
      unary("softplus"),
      unary("silu"),
      unary("leaky_relu", {{"negative_slope", 0.01, R::Finite}}),
      unary("elu", {{"alpha", 1.0, R::Finite}}),
      unary("gelu", {{"approximate", 0, R::Flag}}),
      unary("clamp", {{"min", none, R::Finite}, {"max", none, R::Finite}}),
      bcast("pow"),
      bcast("minimum"),
      bcast("maximum"),
      bcast("greater"),
      bcast("greater_equal"),
      bcast("less"),
      bcast("less_equal"),
      bcast("equal"),
      bcast("not_equal"),
      bcast("where", 3),
      reduce("sum"),
      reduce("mean"),
      reduce("max"),
      reduce("min"),
      reduce("logsumexp"),
      reduce("variance", {{"unbiased", 0, R::Flag}}),
      Builtin{"softmax", K::Softmax, 1, {}},
      Builtin{"log_softmax", K::Softmax, 1, {}},
      loss("mse", K::PairLoss, "prediction", "target"),
      loss("l1", K::PairLoss, "prediction", "target"),
      loss("huber", K::PairLoss, "prediction", "target",
           {{"delta", 1.0, R::Positive}}),
      loss("bce_with_logits", K::PairLoss, "logits", "targets"),
      loss("nll", K::Nll, "log-probabilities", "labels"),
      loss("softmax_cross_entropy", K::Xent, "logits", "labels"),
      Builtin{"layernorm", K::Norm, 3, {{"eps", 1e-5, R::Positive}}},
      Builtin{"batchnorm",
              K::Norm,
              3,
              {{"momentum", 0.1, R::Fraction}, {"eps", 1e-5, R::Positive}}},
      Builtin{"embedding", K::Embedding, 2, {}},
      unary("dropout", {{"p", 0.5, R::Prob}}),
      Builtin{"matmul",
              K::Matmul,
              2,
              {{"transpose_a", 0, R::Flag}, {"transpose_b", 0, R::Flag}}},
  };
  return table;
}

const Builtin *findBuiltin(const std::string &name) {
  for (const Builtin &b : builtins())
    if (name == b.name)
      return &b;
  return nullptr;
}

const std::vector<std::string> &builtinNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (const Builtin &b : builtins())
      n.push_back(b.name);
    for (const std::string &v : visionBuiltinNames())
      n.push_back(v);
    return n;
  }();
  return names;
}

bool isBuiltin(const std::string &name) {
  return findBuiltin(name) != nullptr || isVisionBuiltin(name);
}

bool isLoss(const Builtin &b) {
  return b.kind == BuiltinKind::PairLoss || b.kind == BuiltinKind::Nll ||
         b.kind == BuiltinKind::Xent;
}

/// "'a'", "'a' or 'b'", "'a', 'b' or 'c'".
std::string quotedList(const std::vector<std::string> &names) {
  std::string s;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i)
      s += i + 1 == names.size() ? " or " : ", ";
    s += "'" + names[i] + "'";
  }
  return s;
}

/// The loss functions, for diagnostics: "mse, l1, ... or
/// softmax_cross_entropy".
std::string lossNames() {
  std::vector<std::string> names;
  for (const Builtin &b : builtins())
    if (isLoss(b))
      names.push_back(b.name);
  std::string s;
  for (size_t i = 0; i < names.size(); ++i)
    s += (i ? (i + 1 == names.size() ? " or " : ", ") : "") + names[i];
  return s;
}

struct InitInfo {
  const char *name;
  size_t numArgs;
  const char *argNames;
};

const std::vector<InitInfo> &initializers() {
  static const std::vector<InitInfo> inits = {
      {"zeros", 0, ""},          {"ones", 0, ""},
      {"uniform", 2, "lo, hi"},  {"normal", 2, "mean, std"},
      {"glorot_uniform", 0, ""}, {"glorot_normal", 0, ""},
      {"he_uniform", 0, ""},     {"he_normal", 0, ""},
  };
  return inits;
}

ExprPtr cloneExpr(const Expr &e) {
  auto c = std::make_unique<Expr>(e.kind, e.loc);
  c->name = e.name;
  c->instance = e.instance;
  c->instanceLoc = e.instanceLoc;
  c->op = e.op;
  c->number = e.number;
  c->isInteger = e.isInteger;
  for (const ExprPtr &a : e.args)
    c->args.push_back(a ? cloneExpr(*a) : nullptr);
  for (const KwArg &k : e.kwargs) {
    KwArg kc;
    kc.name = k.name;
    kc.loc = k.loc;
    kc.value = k.value ? cloneExpr(*k.value) : nullptr;
    c->kwargs.push_back(std::move(kc));
  }
  c->dtype = e.dtype;
  c->shape = e.shape;
  c->resolved = e.resolved;
  c->stateName = e.stateName;
  return c;
}

/// Number of elements of a shape, or -1 if it does not fit in int64.
int64_t numElements(const std::vector<int64_t> &shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0)
      return -1;
    if (d != 0 && n > INT64_MAX / d)
      return -1;
    n *= d;
  }
  return n;
}

struct Binding {
  /// Int, Float: constant arguments of a layer and loop variables; Fn: a
  /// function argument of a layer.
  enum Kind { Input, Param, Let, Int, Float, Fn } kind = Input;
  SrcLoc loc;
  bool defined = false; // visible to the statements processed so far
  bool bad = false;     // its declaration had errors: uses stay silent
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  BatchFlags batch;
  /// The name of the tensor in the elaborated model (Ident::name after
  /// Sema); empty: the name itself.
  std::string internal;
  double value = 0; // Int, Float
  std::string fn;   // Fn: a builtin, a layer or "identity"
};

/// The names of one layer instance (or of the model): generated instance
/// names and the prefix of its params and lets ("fc1.", "mlp_0.dense_1.").
struct InstanceScope {
  std::string prefix;
  std::map<std::string, int> counters;     // per layer: the next number
  std::map<std::string, SrcLoc> instances; // instance names in use
};

/// A scope of names: the model, a layer instance (isolated: parent null),
/// or one iteration of a repeat block (parent: the enclosing scope).
struct Frame {
  std::map<std::string, Binding> names;
  Frame *parent = nullptr;
  InstanceScope *inst = nullptr;
  std::vector<int64_t> iters; // indices of the enclosing repeat iterations
};

/// Limits of the elaboration of layers and repeats.
constexpr int kMaxLayerDepth = 64;
constexpr int64_t kMaxElaborated = 100000;

/// Semantic analysis of one model.
class ModelSema {
public:
  ModelSema(const Program &prog, Model &m, DiagnosticEngine &diags,
            int64_t batch)
      : prog(prog), m(m), diags(diags), batch(batch) {
    modelFrame.inst = &modelInst;
  }

  void run();

private:
  //===--- Layers, repeats, assignments (elaboration) ---------------------===//

  Binding *lookup(const std::string &name);
  /// A unique name of a generated param or let.
  std::string uniqueName(const std::string &base);
  /// Adds a generated let `name = value` (already checked) to the model.
  void addLet(const std::string &name, ExprPtr value, SrcLoc loc,
              const BatchFlags &flags, bool bad);
  /// Evaluates a constant expression: numbers, Int/Float bindings, unary
  /// minus, + - * / and dim(x, axis). False when it is not constant.
  bool evalConst(const Expr &e, double &v, bool &isInt);
  /// Replaces constant sub-expressions of keyword values by numbers.
  void foldKwargs(Expr &e);
  bool evalIntArg(const Expr &e, const std::string &what, int64_t &out);
  bool elaborate(const std::vector<Stmt> &body, Frame &frame, ExprPtr *ret,
                 const Layer *layer);
  bool elaborateStmt(const Stmt &st, Frame &frame, ExprPtr *ret,
                     const Layer *layer);
  bool bindLet(const std::vector<std::pair<std::string, SrcLoc>> &names,
               ExprPtr value, Frame &frame);
  bool assign(const std::string &name, SrcLoc loc, ExprPtr value, Frame &frame);
  bool instantiateParam(const Param &tmpl, Frame &frame);
  bool instantiate(Expr &e, const Layer &layer, BatchFlags &flags);
  std::string resolveFn(const std::string &name);
  /// The layer a call names: inside a library layer the library's layers
  /// come first (a program layer of the same name does not change the
  /// library), elsewhere the program's.
  const Layer *findLayer(const std::string &name) const {
    bool inLibrary = !layerStack.empty() && layerStack.back()->library;
    const Layer *other = nullptr;
    for (const Layer &l : prog.layers)
      if (l.name == name) {
        if (l.library == inLibrary)
          return &l;
        if (!other)
          other = &l;
      }
    return other;
  }
  bool checkDim(Expr &e);
  bool checkIdentity(Expr &e, BatchFlags &flags);
  bool budget(SrcLoc loc);

  // Tensor manipulation builtins.
  bool checkIndex(Expr &e, BatchFlags &flags);
  bool checkTranspose(Expr &e, BatchFlags &flags);
  bool checkConcat(Expr &e, BatchFlags &flags);
  bool checkSplitLet(const std::vector<std::pair<std::string, SrcLoc>> &names,
                     Expr &call, Frame &frame);

  std::string typeStr(const Expr &e) const {
    return formatType(e.dtype, e.shape);
  }

  void checkDeclaredType(TypeSpec &t, const std::string &what,
                         const std::string &name, bool isParam, bool &ok);
  void checkInit(const Param &p);
  void computeModelDType();
  void declare(const std::string &name, Binding::Kind kind, SrcLoc loc);

  bool check(Expr &e, BatchFlags &flags, bool labelsArg = false);
  bool checkIdent(Expr &e, BatchFlags &flags, bool labelsArg);
  bool checkUnary(Expr &e, BatchFlags &flags);
  bool checkBinary(Expr &e, BatchFlags &flags);
  bool checkMatmul(Expr &e, const BatchFlags &lf, const BatchFlags &rf,
                   BatchFlags &flags, bool ta = false, bool tb = false);
  bool checkCall(Expr &e, BatchFlags &flags);
  bool checkReduction(Expr &e, const KwArg *axisKw, const BatchFlags &argFlags,
                      BatchFlags &flags, std::vector<KwArg> &canon);
  bool checkSoftmax(Expr &e, const KwArg *axisKw, const BatchFlags &argFlags,
                    BatchFlags &flags, std::vector<KwArg> &canon);
  bool checkBroadcastCall(Expr &e, const std::vector<BatchFlags> &argFlags,
                          BatchFlags &flags);
  bool checkLabelsLoss(Expr &e, const Builtin &fn,
                       const std::vector<BatchFlags> &argFlags);
  bool checkNorm(Expr &e, const KwArg *axisKw,
                 const std::vector<BatchFlags> &argFlags, BatchFlags &flags,
                 std::vector<KwArg> &canon);
  bool checkEmbedding(Expr &e, const std::vector<BatchFlags> &argFlags,
                      BatchFlags &flags);
  /// Declares the running-statistics buffers of the batchnorm call `e`.
  void declareBuffers(Expr &e, int64_t channels);
  /// NumPy broadcast of (ls, lf) with (rs, rf) into (shape, flags); on
  /// failure returns false and sets `err` to the reason suffix.
  bool broadcast(const std::vector<int64_t> &ls, const BatchFlags &lf,
                 const std::vector<int64_t> &rs, const BatchFlags &rf,
                 std::vector<int64_t> &shape, BatchFlags &flags,
                 std::string &err);
  KwArg numberKwarg(const std::string &name, double v, SrcLoc loc);
  bool requireFloat(const Expr &arg, const std::string &what);
  bool checkResultSize(const Expr &e);
  void setLiteralType(Expr &e) {
    e.dtype = modelDType;
    e.shape.clear();
    e.resolved = true;
  }
  void checkOutput(Expr &e, const BatchFlags &flags, bool isDefault);
  /// Checks a scan (SemaScan section below): the type of every final carry
  /// in `results`; false when something was wrong.
  bool checkScan(Let &let, std::vector<Binding> &results);

  const Program &prog;
  Model &m;
  DiagnosticEngine &diags;
  int64_t batch;
  DType modelDType = DType::F32;
  bool hasBatchDim = false;
  InstanceScope modelInst;
  Frame modelFrame;
  Frame *frame = &modelFrame;
  std::map<std::string, Binding> &scope = modelFrame.names;
  const std::string *currentLet = nullptr;
  /// Buffer prefixes of the batchnorm calls by source location and layer
  /// instance / repeat iteration (a call that is checked twice, as the
  /// default output, keeps its buffers; each instance gets its own).
  std::map<std::string, std::string> bufferNames;
  std::vector<Param> buffers;
  /// Params and lets of the elaborated model in evaluation order.
  std::vector<Param> outParams;
  std::vector<Let> outLets;
  std::set<std::string> usedNames;
  std::vector<const Layer *> layerStack;
  int64_t elaborated = 0;
  BatchFlags returnFlags; // of the last layer 'return'
  std::string constError; // why the last evalConst failed, if known
};

void ModelSema::checkDeclaredType(TypeSpec &t, const std::string &what,
                                  const std::string &name, bool isParam,
                                  bool &ok) {
  if (t.dims.size() > kMaxRank) {
    diags.error(t.loc, "type of " + what + " '" + name + "' has rank " +
                           std::to_string(t.dims.size()) + "; at most " +
                           std::to_string(kMaxRank) +
                           " dimensions are supported");
    ok = false;
  }
  for (size_t i = 0; i < t.dims.size(); ++i) {
    Dim &d = t.dims[i];
    if (d.symbol.empty()) {
      if (d.size <= 0) {
        diags.error(d.loc, "dimension size must be positive, got " +
                               std::to_string(d.size));
        ok = false;
      }
      continue;
    }
    if (d.symbol != "B") {
      diags.error(d.loc, "unknown dimension symbol '" + abbreviate(d.symbol) +
                             "'; only 'B' (the batch size) is allowed");
      ok = false;
      continue;
    }
    if (isParam) {
      diags.error(d.loc, "parameter '" + name +
                             "' cannot use the batch dimension 'B'");
      ok = false;
      continue;
    }
    if (i != 0) {
      diags.error(d.loc, "the batch dimension 'B' must be the first dimension");
      ok = false;
      continue;
    }
    d.size = batch;
    hasBatchDim = true;
  }
  if (isParam && !isFloat(t.dtype)) {
    diags.error(t.loc, "parameter '" + name +
                           "' must have a floating-point element type (f32 "
                           "or f64), got " +
                           dtypeName(t.dtype));
    ok = false;
  }
  if (ok) {
    std::vector<int64_t> shape;
    for (const Dim &d : t.dims)
      shape.push_back(d.size);
    if (numElements(shape) < 0) {
      diags.error(t.loc,
                  "type of " + what + " '" + name + "' has too many elements");
      ok = false;
    }
  }
}

void ModelSema::checkInit(const Param &p) {
  const Init &init = p.init;
  const InitInfo *info = nullptr;
  std::vector<std::string> names;
  for (const InitInfo &i : initializers()) {
    names.push_back(i.name);
    if (init.kind == i.name)
      info = &i;
  }
  if (!info) {
    std::string hint = didYouMean(init.kind, names);
    diags.error(init.loc,
                "unknown initializer '" + abbreviate(init.kind) + "'" +
                    (hint.empty() ? "; known initializers: " + joinNames(names)
                                  : hint));
    return;
  }
  if (init.args.size() != info->numArgs) {
    if (info->numArgs == 0)
      diags.error(init.loc, "initializer '" + init.kind +
                                "' takes no arguments, got " +
                                std::to_string(init.args.size()));
    else
      diags.error(init.loc, "initializer '" + init.kind + "' expects " +
                                std::to_string(info->numArgs) + " arguments (" +
                                info->argNames + "), got " +
                                std::to_string(init.args.size()));
    return;
  }
  auto call = [&] {
    std::string s = init.kind + "(";
    for (size_t i = 0; i < init.args.size(); ++i)
      s += (i ? ", " : "") + formatNumber(init.args[i]);
    return s + ")";
  };
  for (double a : init.args)
    if (!std::isfinite(a)) {
      diags.error(init.loc,
                  "initializer arguments must be finite, got " + call());
      return;
    }
  if (init.kind == "uniform" && !(init.args[0] < init.args[1]))
    diags.error(init.loc,
                "initializer 'uniform' requires lo < hi, got " + call());
  if (init.kind == "normal" && !(init.args[1] > 0))
    diags.error(init.loc,
                "initializer 'normal' requires std > 0, got " + call());
  if ((init.kind.rfind("glorot_", 0) == 0 || init.kind.rfind("he_", 0) == 0) &&
      p.type.dims.empty())
    diags.error(init.loc, "initializer '" + init.kind +
                              "' needs a parameter of rank >= 1 to compute "
                              "its fan-in, got " +
                              formatType(p.type.dtype, {}));
}

void ModelSema::computeModelDType() {
  const std::string *firstName = nullptr;
  SrcLoc firstLoc;
  auto visit = [&](const std::string &what, const std::string &name,
                   const TypeSpec &t) {
    if (!isFloat(t.dtype))
      return;
    if (!firstName) {
      firstName = &name;
      firstLoc = t.loc;
      modelDType = t.dtype;
      return;
    }
    if (t.dtype != modelDType) {
      diags.error(t.loc, "element type " + std::string(dtypeName(t.dtype)) +
                             " of " + what + " '" + name +
                             "' does not match the model's element type " +
                             dtypeName(modelDType));
      diags.note(firstLoc, "the model's element type is set by '" + *firstName +
                               "' here");
    }
  };
  for (const Input &in : m.inputs)
    visit("input", in.name, in.type);
  for (const Param &p : m.params)
    visit("parameter", p.name, p.type);
}

void ModelSema::declare(const std::string &name, Binding::Kind kind,
                        SrcLoc loc) {
  auto it = scope.find(name);
  if (it != scope.end()) {
    diags.error(loc, "redefinition of '" + name + "'");
    diags.note(it->second.loc, "previous definition of '" + name + "' is here");
    return;
  }
  Binding b;
  b.kind = kind;
  b.loc = loc;
  scope.emplace(name, std::move(b));
}

void ModelSema::run() {
  if (m.inputs.empty())
    diags.error(m.loc, "model '" + m.name + "' must have at least one input");

  // Declarations: types, element type, names.
  std::vector<bool> inputOk(m.inputs.size(), true),
      paramOk(m.params.size(), true);
  for (size_t i = 0; i < m.inputs.size(); ++i) {
    bool ok = true;
    checkDeclaredType(m.inputs[i].type, "input", m.inputs[i].name, false, ok);
    inputOk[i] = ok;
  }
  for (size_t i = 0; i < m.params.size(); ++i) {
    bool ok = true;
    checkDeclaredType(m.params[i].type, "parameter", m.params[i].name, true,
                      ok);
    paramOk[i] = ok;
    checkInit(m.params[i]);
  }
  computeModelDType();

  for (const Input &in : m.inputs)
    declare(in.name, Binding::Input, in.loc);

  // Params and lets in source order (stable: params first for equal locs).
  struct Stmt {
    enum Kind { Param, Let, Block, Output, Loss } kind;
    size_t index;
    SrcLoc loc;
  };
  std::vector<Stmt> stmts;
  for (size_t i = 0; i < m.params.size(); ++i)
    stmts.push_back({Stmt::Param, i, m.params[i].loc});
  for (size_t i = 0; i < m.lets.size(); ++i)
    stmts.push_back({Stmt::Let, i, m.lets[i].loc});
  for (size_t i = 0; i < m.blocks.size(); ++i)
    stmts.push_back({Stmt::Block, i, m.blocks[i].loc});
  for (const Input &in : m.inputs)
    usedNames.insert(in.name);
  for (const Param &p : m.params)
    usedNames.insert(p.name);
  for (const Let &l : m.lets) {
    usedNames.insert(l.name);
    for (const auto &n : l.moreNames)
      usedNames.insert(n.first);
  }
  if (m.output && !m.outputIsDefault)
    stmts.push_back({Stmt::Output, 0, m.output->loc});
  if (m.loss)
    stmts.push_back({Stmt::Loss, 0, m.lossLoc});
  // A stable sort by location (std::stable_sort uses the deprecated
  // std::get_temporary_buffer): ties keep their insertion order.
  std::vector<size_t> order(stmts.size());
  for (size_t i = 0; i < order.size(); ++i)
    order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t i, size_t j) {
    const SrcLoc &a = stmts[i].loc, &b = stmts[j].loc;
    if (a.line != b.line)
      return a.line < b.line;
    if (a.col != b.col)
      return a.col < b.col;
    return i < j;
  });
  {
    std::vector<Stmt> sorted;
    for (size_t i : order)
      sorted.push_back(stmts[i]);
    stmts = std::move(sorted);
  }

  // Which statement owns each name (the first definition wins).
  std::vector<bool> paramOwns(m.params.size()), letOwns(m.lets.size());
  for (const Stmt &s : stmts) {
    if (s.kind == Stmt::Param) {
      paramOwns[s.index] = !scope.count(m.params[s.index].name);
      declare(m.params[s.index].name, Binding::Param, m.params[s.index].loc);
    } else if (s.kind == Stmt::Let) {
      letOwns[s.index] = !scope.count(m.lets[s.index].name);
      declare(m.lets[s.index].name, Binding::Let, m.lets[s.index].loc);
      for (const auto &[name, loc] : m.lets[s.index].moreNames) {
        if (scope.count(name))
          letOwns[s.index] = false;
        declare(name, Binding::Let, loc);
      }
    }
  }

  auto bindType = [&](Binding &b, const TypeSpec &t, bool ok) {
    b.defined = true;
    b.bad = !ok;
    b.dtype = t.dtype;
    for (const Dim &d : t.dims) {
      b.shape.push_back(d.size);
      b.batch.push_back(d.symbol == "B");
    }
  };
  for (size_t i = 0; i < m.inputs.size(); ++i) {
    Binding &b = scope[m.inputs[i].name];
    if (b.kind == Binding::Input && !b.defined)
      bindType(b, m.inputs[i].type, inputOk[i]);
  }

  bool lossOk = false;
  for (const Stmt &s : stmts) {
    switch (s.kind) {
    case Stmt::Param:
      if (paramOwns[s.index])
        bindType(scope[m.params[s.index].name], m.params[s.index].type,
                 paramOk[s.index]);
      outParams.push_back(std::move(m.params[s.index]));
      outParams.back().order = unsigned(outParams.size() + outLets.size());
      break;
    case Stmt::Block:
      elaborateStmt(m.blocks[s.index], modelFrame, nullptr, nullptr);
      break;
    case Stmt::Let: {
      Let &let = m.lets[s.index];
      if (let.scan) {
        std::vector<Binding> results;
        bool ok = checkScan(let, results);
        std::vector<std::pair<std::string, SrcLoc>> names{{let.name, let.loc}};
        names.insert(names.end(), let.moreNames.begin(), let.moreNames.end());
        for (size_t i = 0; i < names.size(); ++i) {
          Binding &b = scope[names[i].first];
          if (b.defined || b.loc.line != names[i].second.line ||
              b.loc.col != names[i].second.col)
            continue; // another statement owns the name
          b.defined = true;
          b.bad = !ok || i >= results.size();
          if (!b.bad) {
            b.dtype = results[i].dtype;
            b.shape = results[i].shape;
            b.batch = results[i].batch;
          }
        }
        outLets.push_back(std::move(let));
        outLets.back().order = unsigned(outParams.size() + outLets.size());
        break;
      }
      if (!let.value)
        break;
      if (!let.moreNames.empty()) {
        // let a, b = split(...): one let per name.
        std::vector<std::pair<std::string, SrcLoc>> names = {
            {let.name, let.loc}};
        names.insert(names.end(), let.moreNames.begin(), let.moreNames.end());
        for (const auto &n : names)
          scope[n.first].defined = true, scope[n.first].bad = true;
        if (letOwns[s.index])
          bindLet(names, std::move(let.value), modelFrame);
        break;
      }
      BatchFlags flags;
      currentLet = &let.name;
      bool ok = check(*let.value, flags);
      currentLet = nullptr;
      outLets.push_back(std::move(let));
      outLets.back().order = unsigned(outParams.size() + outLets.size());
      if (!letOwns[s.index])
        break;
      Binding &b = scope[outLets.back().name];
      b.defined = true;
      b.bad = !ok;
      b.dtype = outLets.back().value->dtype;
      b.shape = outLets.back().value->shape;
      b.batch = flags;
      break;
    }
    case Stmt::Output: {
      BatchFlags flags;
      if (check(*m.output, flags))
        checkOutput(*m.output, flags, false);
      break;
    }
    case Stmt::Loss: {
      Expr &loss = *m.loss;
      const Builtin *fn =
          loss.kind == ExprKind::Call ? findBuiltin(loss.name) : nullptr;
      if (!fn || !isLoss(*fn)) {
        diags.error(loss.loc, "loss must be a call to a loss function (" +
                                  lossNames() + ")");
        break;
      }
      BatchFlags flags;
      lossOk = check(loss, flags);
      break;
    }
    }
  }

  m.params = std::move(outParams);
  m.lets = std::move(outLets);
  m.blocks.clear();

  if (!m.loss) {
    diags.error(m.loc, "model '" + m.name + "' has no 'loss' statement");
  } else if (!m.output && lossOk && !m.loss->args.empty()) {
    // Default output: the first argument of the loss call.
    BatchFlags flags;
    Expr &first = *m.loss->args[0];
    // Re-derive the batch flags of the first argument (cheap; it is already
    // resolved, so this reports nothing new).
    unsigned before = diags.numErrors();
    ExprPtr copy = cloneExpr(first);
    if (check(*copy, flags) && diags.numErrors() == before) {
      m.output = std::move(copy);
      m.outputIsDefault = true;
      checkOutput(*m.output, flags, true);
    }
  } else if (m.output && m.output->resolved && lossOk &&
             (m.loss->name == "softmax_cross_entropy" ||
              m.loss->name == "nll") &&
             m.loss->args.size() == 2 && m.loss->args[1]->dtype == DType::I32 &&
             m.output->shape != m.loss->args[0]->shape) {
    // Trainers score a classifier by the argmax of its output over the
    // classes the labels index: the output must have the logits' shape.
    bool nll = m.loss->name == "nll";
    diags.error(m.output->loc,
                "the output of " + std::string(nll ? "an " : "a ") +
                    m.loss->name + " model must have the shape of its " +
                    (nll ? "log-probabilities " : "logits ") +
                    typeStr(*m.loss->args[0]) + ", got " + typeStr(*m.output));
  }
  // The batchnorm buffers follow the declared params.
  for (Param &p : buffers)
    m.params.push_back(std::move(p));
  buffers.clear();
}

void ModelSema::checkOutput(Expr &e, const BatchFlags &flags, bool isDefault) {
  std::string what = isDefault ? "the model output (by default the first "
                                 "argument of the loss)"
                               : "the model output";
  if (e.shape.empty()) {
    diags.error(e.loc,
                what + " must be a tensor of rank >= 1, got " + typeStr(e));
    return;
  }
  if (hasBatchDim && !(flags.size() > 0 && flags[0]))
    diags.error(e.loc, "the first dimension of " + what +
                           " must be the batch dimension B, got " + typeStr(e));
}

bool ModelSema::checkResultSize(const Expr &e) {
  if (numElements(e.shape) >= 0)
    return true;
  diags.error(e.loc, "result " + typeStr(e) + " has too many elements");
  return false;
}

bool ModelSema::requireFloat(const Expr &arg, const std::string &what) {
  if (isFloat(arg.dtype))
    return true;
  diags.error(arg.loc,
              what + " must be a floating-point tensor, got " + typeStr(arg));
  return false;
}

bool ModelSema::check(Expr &e, BatchFlags &flags, bool labelsArg) {
  flags.clear();
  switch (e.kind) {
  case ExprKind::Number:
    setLiteralType(e);
    return true;
  case ExprKind::Ident:
    return checkIdent(e, flags, labelsArg);
  case ExprKind::Unary:
    return checkUnary(e, flags);
  case ExprKind::Binary:
    return checkBinary(e, flags);
  case ExprKind::Call:
    return checkCall(e, flags);
  case ExprKind::List:
    diags.error(e.loc,
                "list literals are only allowed as keyword argument values");
    return false;
  }
  return false;
}

bool ModelSema::checkIdent(Expr &e, BatchFlags &flags, bool labelsArg) {
  Binding *found = lookup(e.name);
  if (!found) {
    if (isBuiltin(e.name) || findLayer(e.name)) {
      diags.error(e.loc, "function '" + e.name +
                             "' cannot be used as a value; call it as " +
                             e.name + "(...)");
      return false;
    }
    std::vector<std::string> names;
    for (Frame *f = frame; f; f = f->parent)
      for (const auto &kv : f->names)
        if (kv.second.defined &&
            kv.first.find_first_of(".#") == std::string::npos)
          names.push_back(kv.first);
    diags.error(e.loc, "unknown identifier '" + abbreviate(e.name) + "'" +
                           didYouMean(e.name, names));
    return false;
  }
  Binding &b = *found;
  if (b.kind == Binding::Int || b.kind == Binding::Float) {
    // A constant argument or loop variable: a number literal.
    e.kind = ExprKind::Number;
    e.number = b.value;
    e.isInteger = b.kind == Binding::Int;
    setLiteralType(e);
    return true;
  }
  if (b.kind == Binding::Fn) {
    diags.error(e.loc, "function argument '" + e.name +
                           "' cannot be used as a value; call it as " + e.name +
                           "(...)");
    return false;
  }
  if (!b.defined) {
    if (currentLet && *currentLet == e.name) {
      diags.error(e.loc, "'" + e.name + "' is used in its own definition");
    } else {
      diags.error(e.loc, "'" + e.name + "' is used before its definition");
      diags.note(b.loc, "'" + e.name + "' is defined here");
    }
    return false;
  }
  if (b.bad)
    return false;
  if (b.dtype == DType::I32 && !labelsArg) {
    diags.error(e.loc, "integer tensor '" + e.name +
                           "' can only be used as the labels argument of "
                           "softmax_cross_entropy or nll, or as the ids of "
                           "embedding");
    return false;
  }
  e.dtype = b.dtype;
  e.shape = b.shape;
  e.resolved = true;
  flags = b.batch;
  if (!b.internal.empty())
    e.name = b.internal;
  return true;
}

bool ModelSema::checkUnary(Expr &e, BatchFlags &flags) {
  if (e.args.size() != 1 || !e.args[0])
    return false;
  Expr &x = *e.args[0];
  if (!check(x, flags))
    return false;
  if (x.kind == ExprKind::Number) {
    // Fold `-literal` into a literal.
    double v = -x.number;
    bool isInt = x.isInteger;
    e.kind = ExprKind::Number;
    e.number = v;
    e.isInteger = isInt;
    e.op.clear();
    e.args.clear();
    setLiteralType(e);
    return true;
  }
  if (!requireFloat(x, "operand of unary '-'"))
    return false;
  e.dtype = x.dtype;
  e.shape = x.shape;
  e.resolved = true;
  return true;
}

bool ModelSema::checkBinary(Expr &e, BatchFlags &flags) {
  if (e.args.size() != 2 || !e.args[0] || !e.args[1])
    return false;
  Expr &l = *e.args[0];
  Expr &r = *e.args[1];
  BatchFlags lf, rf;
  bool lok = check(l, lf);
  bool rok = check(r, rf);
  if (!lok || !rok)
    return false;
  if (e.op == "@")
    return checkMatmul(e, lf, rf, flags);

  bool lLit = l.kind == ExprKind::Number, rLit = r.kind == ExprKind::Number;
  if (lLit && rLit) {
    double a = l.number, b = r.number, v = 0;
    if (e.op == "+")
      v = a + b;
    else if (e.op == "-")
      v = a - b;
    else if (e.op == "*")
      v = a * b;
    else if (e.op == "/") {
      if (b == 0) {
        diags.error(e.loc, "division by zero in constant expression");
        return false;
      }
      v = a / b;
    }
    if (!std::isfinite(v)) {
      diags.error(e.loc, "constant expression overflows");
      return false;
    }
    bool isInt = l.isInteger && r.isInteger && e.op != "/" &&
                 std::fabs(v) < 9007199254740992.0;
    e.kind = ExprKind::Number;
    e.number = v;
    e.isInteger = isInt;
    e.op.clear();
    e.args.clear();
    setLiteralType(e);
    return true;
  }
  if (!lLit && !requireFloat(l, "operand of '" + e.op + "'"))
    return false;
  if (!rLit && !requireFloat(r, "operand of '" + e.op + "'"))
    return false;
  if (lLit || rLit) {
    Expr &lit = lLit ? l : r;
    Expr &t = lLit ? r : l;
    lit.dtype = t.dtype;
    e.dtype = t.dtype;
    e.shape = t.shape;
    flags = lLit ? rf : lf;
    e.resolved = true;
    return true;
  }
  if (l.dtype != r.dtype) {
    diags.error(e.loc, "mismatched element types: " + typeStr(l) + " " + e.op +
                           " " + typeStr(r));
    return false;
  }
  std::vector<int64_t> shape;
  std::string err;
  if (!broadcast(l.shape, lf, r.shape, rf, shape, flags, err)) {
    diags.error(e.loc,
                "cannot broadcast " + typeStr(l) + " and " + typeStr(r) + err);
    return false;
  }
  e.dtype = l.dtype;
  e.shape = std::move(shape);
  e.resolved = true;
  return checkResultSize(e);
}

bool ModelSema::broadcast(const std::vector<int64_t> &ls, const BatchFlags &lf,
                          const std::vector<int64_t> &rs, const BatchFlags &rf,
                          std::vector<int64_t> &shape, BatchFlags &flags,
                          std::string &err) {
  // NumPy broadcasting, aligned at the trailing dimension. The batch
  // dimension B may only meet itself or a fixed dimension of size 1, so that
  // the model stays valid for every batch size.
  size_t rank = std::max(ls.size(), rs.size());
  shape.assign(rank, 0);
  flags.assign(rank, false);
  err.clear();
  for (size_t i = 0; i < rank; ++i) {
    size_t lo = rank - ls.size(), ro = rank - rs.size();
    bool hasL = i >= lo, hasR = i >= ro;
    int64_t a = hasL ? ls[i - lo] : 1;
    int64_t b = hasR ? rs[i - ro] : 1;
    bool fa = hasL && i - lo < lf.size() && lf[i - lo];
    bool fb = hasR && i - ro < rf.size() && rf[i - ro];
    if (a != b && a != 1 && b != 1)
      return false;
    if (fa != fb && (fa ? b : a) != 1 && err.empty())
      err = " (the batch dimension B = " + std::to_string(batch) +
            " cannot be combined with a fixed dimension of size " +
            std::to_string(fa ? b : a) + ")";
    // The batch dimension wins over a fixed 1 (it may be 1 itself).
    shape[i] = fa ? a : fb ? b : (a == 1 ? b : a);
    flags[i] = fa || fb;
  }
  return err.empty();
}

bool ModelSema::checkMatmul(Expr &e, const BatchFlags &lf, const BatchFlags &rf,
                            BatchFlags &flags, bool ta, bool tb) {
  // NumPy's matmul on rank >= 2 (the dimensions before the last two are
  // batch dimensions and broadcast); `matmul(a, b, transpose_a = 1, ...)`
  // swaps the last two dimensions of an operand first.
  Expr &l = *e.args[0];
  Expr &r = *e.args[1];
  bool call = e.kind == ExprKind::Call;
  std::string what = call ? "'matmul'" : "'@'";
  auto pair = [&] {
    std::string s = typeStr(l) + " @ " + typeStr(r);
    if (ta || tb)
      s += std::string(" (transposed: ") + (ta ? "a" : "") +
           (ta && tb ? " and " : "") + (tb ? "b" : "") + ")";
    return s;
  };
  if (l.shape.size() < 2 || r.shape.size() < 2) {
    diags.error(e.loc, "matmul operands must have rank >= 2, got " + pair());
    return false;
  }
  if (!requireFloat(l, "operand of " + what) ||
      !requireFloat(r, "operand of " + what))
    return false;
  if (l.dtype != r.dtype) {
    diags.error(e.loc, "mismatched element types: " + pair());
    return false;
  }
  size_t rl = l.shape.size(), rr = r.shape.size();
  auto flag = [](const BatchFlags &f, size_t i) {
    return i < f.size() && f[i];
  };
  size_t lm = ta ? rl - 1 : rl - 2, lk = ta ? rl - 2 : rl - 1;
  size_t rk = tb ? rr - 1 : rr - 2, rn = tb ? rr - 2 : rr - 1;
  if (l.shape[lk] != r.shape[rk]) {
    diags.error(e.loc, "matmul shape mismatch: " + pair() +
                           " (inner dimensions " + std::to_string(l.shape[lk]) +
                           " and " + std::to_string(r.shape[rk]) + " differ)");
    return false;
  }
  if (flag(lf, lk) != flag(rf, rk)) {
    diags.error(e.loc, "matmul shape mismatch: " + pair() +
                           " (the inner dimensions must both be the batch "
                           "dimension B or both be fixed)");
    return false;
  }
  std::vector<int64_t> lb(l.shape.begin(), l.shape.end() - 2),
      rb(r.shape.begin(), r.shape.end() - 2), shape;
  BatchFlags lbf, rbf;
  for (size_t i = 0; i + 2 < rl; ++i)
    lbf.push_back(flag(lf, i));
  for (size_t i = 0; i + 2 < rr; ++i)
    rbf.push_back(flag(rf, i));
  std::string err;
  if (!broadcast(lb, lbf, rb, rbf, shape, flags, err) || !err.empty()) {
    diags.error(e.loc, "matmul shape mismatch: " + pair() +
                           " (the batch dimensions do not broadcast" +
                           (err.empty() ? ")" : "; " + err.substr(2)));
    return false;
  }
  e.dtype = l.dtype;
  shape.push_back(l.shape[lm]);
  shape.push_back(r.shape[rn]);
  e.shape = std::move(shape);
  flags.push_back(flag(lf, lm));
  flags.push_back(flag(rf, rn));
  e.resolved = true;
  return checkResultSize(e);
}

/// Value of an integer literal, possibly negated (`-1`), or nullopt.
std::optional<double> constInt(const Expr &e) {
  if (e.kind == ExprKind::Number && e.isInteger)
    return e.number;
  if (e.kind == ExprKind::Unary && e.op == "-" && e.args.size() == 1 &&
      e.args[0]) {
    std::optional<double> v = constInt(*e.args[0]);
    if (v)
      return -*v;
  }
  return std::nullopt;
}

/// Value of a number literal, possibly negated (`-0.5`), or nullopt.
std::optional<double> constNumber(const Expr &e) {
  if (e.kind == ExprKind::Number)
    return e.number;
  if (e.kind == ExprKind::Unary && e.op == "-" && e.args.size() == 1 &&
      e.args[0]) {
    std::optional<double> v = constNumber(*e.args[0]);
    if (v)
      return -*v;
  }
  return std::nullopt;
}

KwArg ModelSema::numberKwarg(const std::string &name, double v, SrcLoc loc) {
  auto n = std::make_unique<Expr>(ExprKind::Number, loc);
  n->number = v;
  n->isInteger = v == std::floor(v) && std::fabs(v) < 9007199254740992.0;
  setLiteralType(*n);
  KwArg k;
  k.name = name;
  k.loc = loc;
  k.value = std::move(n);
  return k;
}

bool ModelSema::checkCall(Expr &e, BatchFlags &flags) {
  if (Binding *b = lookup(e.name)) {
    if (b->kind != Binding::Fn) {
      diags.error(e.loc, "'" + e.name + "' is not a function");
      return false;
    }
    e.name = b->fn; // a function argument of a layer
  }
  if (e.name == "identity")
    return checkIdentity(e, flags);
  if (e.name == "dim")
    return checkDim(e);
  if (e.name == "[]")
    return checkIndex(e, flags);
  if (e.name == "permute" && !findLayer(e.name)) {
    // permute(x, [p0, p1, ...]): transpose with an explicit permutation.
    if (e.args.size() + e.kwargs.size() < 2) {
      diags.error(e.loc, "'permute' expects a tensor and a permutation, e.g. "
                         "permute(x, [0, 2, 1])");
      return false;
    }
    e.name = "transpose";
  }
  if (e.name == "transpose")
    return checkTranspose(e, flags);
  if (e.name == "concat")
    return checkConcat(e, flags);
  if (e.name == "split") {
    diags.error(e.loc, "'split' returns several tensors; bind them with "
                       "'let a, b = split(...)'");
    return false;
  }
  if (isVisionBuiltin(e.name)) { // conv2d, pooling, reshape: SemaVision.cpp
    if (!e.instance.empty()) {
      diags.error(e.instanceLoc, "'as' names a layer instance, but '" +
                                     e.name + "' is a builtin function");
      return false;
    }
    if (frame != &modelFrame)
      foldKwargs(e);
    VisionContext ctx{
        diags, [this](Expr &a, BatchFlags &f) { return check(a, f); },
        modelDType};
    return checkVisionCall(e, flags, ctx);
  }
  const Builtin *fn = findBuiltin(e.name);
  if (!fn) {
    if (const Layer *layer = findLayer(e.name))
      return instantiate(e, *layer, flags);
    std::vector<std::string> names = builtinNames();
    for (const Layer &l : prog.layers)
      names.push_back(l.name);
    diags.error(e.loc, "unknown function '" + abbreviate(e.name) + "'" +
                           didYouMean(e.name, names));
    return false;
  }
  if (!e.instance.empty()) {
    diags.error(e.instanceLoc, "'as' names a layer instance, but '" + e.name +
                                   "' is a builtin function");
    return false;
  }
  if (frame != &modelFrame)
    foldKwargs(e);
  size_t arity = fn->arity;
  if (e.args.size() != arity) {
    diags.error(e.loc, "'" + e.name + "' expects " + std::to_string(arity) +
                           (arity == 1 ? " argument" : " arguments") +
                           ", got " + std::to_string(e.args.size()));
    return false;
  }
  for (const ExprPtr &a : e.args)
    if (!a)
      return false;

  // Keyword arguments: axis/axes for reductions, axis for softmax, and the
  // numeric keywords of the builtin's table entry.
  bool isReduction = fn->kind == BuiltinKind::Reduce;
  // layernorm takes axis/axes like a reduction (the normalized axes).
  bool takesAxes = isReduction || e.name == "layernorm";
  std::vector<std::string> allowed;
  if (takesAxes)
    allowed = {"axis", "axes"};
  if (fn->kind == BuiltinKind::Softmax)
    allowed = {"axis"};
  for (const KwSpec &k : fn->kws)
    allowed.push_back(k.name);
  std::map<std::string, SrcLoc> seen;
  const KwArg *axisKw = nullptr;
  std::map<std::string, const KwArg *> given;
  for (const KwArg &kw : e.kwargs) {
    if (std::find(allowed.begin(), allowed.end(), kw.name) == allowed.end()) {
      std::string msg = "unknown keyword argument '" + abbreviate(kw.name) +
                        "' for '" + e.name + "'";
      if (!allowed.empty()) {
        std::string hint = didYouMean(kw.name, allowed);
        msg += hint.empty() ? "; expected " + quotedList(allowed) : hint;
      }
      diags.error(kw.loc, msg);
      return false;
    }
    auto prev = seen.find(kw.name);
    if (prev != seen.end()) {
      diags.error(kw.loc, "duplicate keyword argument '" + kw.name + "'");
      diags.note(prev->second, "previous value of '" + kw.name + "' is here");
      return false;
    }
    if (takesAxes && axisKw && (kw.name == "axis" || kw.name == "axes")) {
      diags.error(kw.loc, "cannot specify both 'axis' and 'axes'");
      return false;
    }
    seen[kw.name] = kw.loc;
    if (!kw.value)
      return false;
    if (kw.name == "axis" || kw.name == "axes")
      axisKw = &kw;
    else
      given[kw.name] = &kw;
  }

  std::vector<BatchFlags> argFlags(e.args.size());
  bool ok = true;
  for (size_t i = 0; i < e.args.size(); ++i) {
    bool labels =
        ((fn->kind == BuiltinKind::Xent || fn->kind == BuiltinKind::Nll) &&
         i == 1) ||
        (fn->kind == BuiltinKind::Embedding && i == 0);
    ok = check(*e.args[i], argFlags[i], labels) && ok;
  }
  if (!ok)
    return false;

  // Numeric keywords: literal values in range; defaults filled in.
  std::vector<KwArg> canon;
  for (const KwSpec &k : fn->kws) {
    auto it = given.find(k.name);
    if (it == given.end()) {
      if (!std::isnan(k.dflt))
        canon.push_back(numberKwarg(k.name, k.dflt, e.loc));
      continue;
    }
    const Expr &v = *it->second->value;
    std::optional<double> n = constNumber(v);
    if (!n || !std::isfinite(*n)) {
      diags.error(v.loc, "'" + std::string(k.name) + "' must be a number");
      return false;
    }
    if (k.range == KwRange::Flag && *n != 0 && *n != 1) {
      diags.error(v.loc, "'" + std::string(k.name) + "' must be 0 or 1, got " +
                             formatNumber(*n));
      return false;
    }
    if (k.range == KwRange::Prob && !(*n >= 0 && *n < 1)) {
      diags.error(v.loc, "'" + std::string(k.name) +
                             "' must be in [0, 1), got " + formatNumber(*n));
      return false;
    }
    if (k.range == KwRange::Fraction && !(*n >= 0 && *n <= 1)) {
      diags.error(v.loc, "'" + std::string(k.name) +
                             "' must be in [0, 1], got " + formatNumber(*n));
      return false;
    }
    if (k.range == KwRange::Positive && !(*n > 0)) {
      diags.error(v.loc, "'" + std::string(k.name) +
                             "' must be positive, got " + formatNumber(*n));
      return false;
    }
    canon.push_back(numberKwarg(k.name, *n, it->second->loc));
  }
  if (e.name == "clamp") {
    const KwArg *lo = nullptr, *hi = nullptr;
    for (const KwArg &k : canon)
      (k.name == "min" ? lo : hi) = &k;
    if (!lo && !hi) {
      diags.error(e.loc, "'clamp' needs a 'min' or a 'max' keyword argument");
      return false;
    }
    if (lo && hi && lo->value->number > hi->value->number) {
      diags.error(hi->loc, "'min' (" + formatNumber(lo->value->number) +
                               ") must not be greater than 'max' (" +
                               formatNumber(hi->value->number) + ")");
      return false;
    }
  }

  Expr &x = *e.args[0];
  bool done = false;
  switch (fn->kind) {
  case BuiltinKind::Unary:
    if (!requireFloat(x, "argument of '" + e.name + "'"))
      return false;
    e.dtype = x.dtype;
    e.shape = x.shape;
    flags = argFlags[0];
    e.resolved = true;
    done = true;
    break;
  case BuiltinKind::Broadcast:
    done = checkBroadcastCall(e, argFlags, flags);
    break;
  case BuiltinKind::Reduce: {
    if (!requireFloat(x, "argument of '" + e.name + "'"))
      return false;
    std::vector<KwArg> axes;
    done = checkReduction(e, axisKw, argFlags[0], flags, axes);
    for (KwArg &k : canon) {
      // keepdims = 1: the reduced axes stay with size 1 (fixed, not B).
      if (done && k.name == "keepdims" && k.value->number == 1) {
        const std::vector<int64_t> &shape = x.shape;
        std::vector<int64_t> kept;
        BatchFlags keptFlags;
        const Expr &list = *axes[0].value;
        for (size_t d = 0; d < shape.size(); ++d) {
          bool reduced = std::any_of(
              list.args.begin(), list.args.end(),
              [&](const ExprPtr &a) { return a->number == double(d); });
          kept.push_back(reduced ? 1 : shape[d]);
          keptFlags.push_back(!reduced && d < argFlags[0].size() &&
                              argFlags[0][d]);
        }
        e.shape = std::move(kept);
        flags = std::move(keptFlags);
      }
      axes.push_back(std::move(k));
    }
    canon = std::move(axes);
    break;
  }
  case BuiltinKind::Softmax:
    if (!requireFloat(x, "argument of '" + e.name + "'"))
      return false;
    done = checkSoftmax(e, axisKw, argFlags[0], flags, canon);
    break;
  case BuiltinKind::PairLoss: {
    Expr &y = *e.args[1];
    std::string p0 = fn->argNames[0], p1 = fn->argNames[1];
    if (!requireFloat(x, p0 + " of '" + e.name + "'") ||
        !requireFloat(y, p1 + " of '" + e.name + "'"))
      return false;
    if (x.shape != y.shape || x.dtype != y.dtype) {
      diags.error(e.loc, "arguments of '" + e.name +
                             "' must have the same shape, got " + typeStr(x) +
                             " and " + typeStr(y));
      return false;
    }
    if (argFlags[0] != argFlags[1]) {
      diags.error(e.loc, "arguments of '" + e.name +
                             "' must have the same shape, got " + typeStr(x) +
                             " and " + typeStr(y) +
                             " (the batch dimension B is not in the same "
                             "place)");
      return false;
    }
    e.dtype = x.dtype;
    e.shape.clear();
    e.resolved = true;
    done = true;
    break;
  }
  case BuiltinKind::Nll:
  case BuiltinKind::Xent:
    done = checkLabelsLoss(e, *fn, argFlags);
    break;
  case BuiltinKind::Norm:
    done = checkNorm(e, axisKw, argFlags, flags, canon);
    break;
  case BuiltinKind::Embedding:
    done = checkEmbedding(e, argFlags, flags);
    break;
  case BuiltinKind::Matmul: {
    bool ta = false, tb = false;
    for (const KwArg &k : canon)
      (k.name == "transpose_a" ? ta : tb) = k.value->number != 0;
    done = checkMatmul(e, argFlags[0], argFlags[1], flags, ta, tb);
    break;
  }
  }
  if (!done)
    return false;
  e.kwargs = std::move(canon);
  return true;
}

bool ModelSema::checkBroadcastCall(Expr &e,
                                   const std::vector<BatchFlags> &argFlags,
                                   BatchFlags &flags) {
  static const char *whereArgs[] = {"condition", "second argument",
                                    "third argument"};
  const Expr *tensor = nullptr;
  for (size_t i = 0; i < e.args.size(); ++i) {
    Expr &a = *e.args[i];
    if (a.kind == ExprKind::Number)
      continue;
    std::string what = e.name == "where"
                           ? std::string(whereArgs[i]) + " of 'where'"
                           : "argument of '" + e.name + "'";
    if (!requireFloat(a, what))
      return false;
    if (tensor && tensor->dtype != a.dtype) {
      diags.error(e.loc, "mismatched element types in '" + e.name +
                             "': " + typeStr(*tensor) + " and " + typeStr(a));
      return false;
    }
    if (!tensor)
      tensor = &a;
  }
  std::vector<int64_t> shape = e.args[0]->shape;
  flags = argFlags[0];
  for (size_t i = 1; i < e.args.size(); ++i) {
    const Expr &a = *e.args[i];
    std::vector<int64_t> out;
    BatchFlags outFlags;
    std::string err;
    if (!broadcast(shape, flags, a.shape, argFlags[i], out, outFlags, err)) {
      DType t = tensor ? tensor->dtype : modelDType;
      diags.error(e.loc, "cannot broadcast the arguments of '" + e.name +
                             "': " + formatType(t, shape) + " and " +
                             typeStr(a) + err);
      return false;
    }
    shape = std::move(out);
    flags = std::move(outFlags);
  }
  e.dtype = tensor ? tensor->dtype : modelDType;
  e.shape = std::move(shape);
  e.resolved = true;
  return checkResultSize(e);
}

bool ModelSema::checkLabelsLoss(Expr &e, const Builtin &fn,
                                const std::vector<BatchFlags> &argFlags) {
  // nll(log_probs [N, C], labels i32 [N]);
  // softmax_cross_entropy(logits [N, C], labels i32 [N] or probs [N, C]).
  Expr &x = *e.args[0];
  Expr &labels = *e.args[1];
  std::string what = fn.argNames[0];
  if (!isFloat(x.dtype) || x.shape.size() != 2) {
    diags.error(x.loc, what + " of '" + e.name +
                           "' must be a floating-point tensor of rank 2 [N, "
                           "C], got " +
                           typeStr(x));
    return false;
  }
  bool soft = fn.kind == BuiltinKind::Xent && isFloat(labels.dtype);
  if (soft) {
    if (labels.shape != x.shape || labels.dtype != x.dtype) {
      diags.error(labels.loc, "probability targets of '" + e.name +
                                  "' must have the shape of the logits " +
                                  typeStr(x) + ", got " + typeStr(labels));
      return false;
    }
    if (argFlags[0] != argFlags[1]) {
      diags.error(e.loc, "probability targets of '" + e.name +
                             "' must have the shape of the logits " +
                             typeStr(x) + ", got " + typeStr(labels) +
                             " (the batch dimension B is not in the same "
                             "place)");
      return false;
    }
  } else if (labels.dtype != DType::I32 || labels.shape.size() != 1) {
    diags.error(labels.loc, "labels of '" + e.name +
                                "' must be an i32 tensor of rank 1 [N], got " +
                                typeStr(labels));
    return false;
  } else {
    bool lb = argFlags[0].size() == 2 && argFlags[0][0];
    bool yb = argFlags[1].size() == 1 && argFlags[1][0];
    if (x.shape[0] != labels.shape[0] || lb != yb) {
      diags.error(e.loc, what + " " + typeStr(x) + " and labels " +
                             typeStr(labels) + " of '" + e.name +
                             "' have different first dimensions");
      return false;
    }
  }
  e.dtype = x.dtype;
  e.shape.clear();
  e.resolved = true;
  return true;
}

void ModelSema::declareBuffers(Expr &e, int64_t channels) {
  std::string prefix = frame->inst ? frame->inst->prefix : std::string();
  std::string key = std::to_string(e.loc.file) + ":" +
                    std::to_string(e.loc.line) + ":" +
                    std::to_string(e.loc.col) + "|" + prefix;
  for (int64_t i : frame->iters)
    key += "|" + std::to_string(i);
  auto it = bufferNames.find(key);
  if (it != bufferNames.end()) {
    e.stateName = it->second;
    return;
  }
  // Named after the enclosing let (torch's module-path style), numbered when
  // a let holds several: h.running_mean, h.1.running_mean, ...; inside a
  // layer instance after the instance: fc1.batchnorm.running_mean.
  std::string base =
      prefix + (currentLet && prefix.empty() ? *currentLet : "batchnorm");
  std::string name = base;
  for (int k = 1;; ++k) {
    bool taken = false;
    for (const auto &kv : bufferNames)
      taken |= kv.second == name;
    if (!taken)
      break;
    name = base + "." + std::to_string(k);
  }
  bufferNames[key] = name;
  e.stateName = name;
  for (const char *slot : {"running_mean", "running_var"}) {
    Param p;
    p.name = name + "." + slot;
    p.type.dtype = modelDType;
    Dim d;
    d.size = channels;
    p.type.dims.push_back(d);
    p.init.kind = std::string(slot) == "running_mean" ? "zeros" : "ones";
    p.loc = e.loc;
    p.buffer = true;
    buffers.push_back(std::move(p));
  }
}

bool ModelSema::checkNorm(Expr &e, const KwArg *axisKw,
                          const std::vector<BatchFlags> &argFlags,
                          BatchFlags &flags, std::vector<KwArg> &canon) {
  Expr &x = *e.args[0];
  if (!requireFloat(x, "argument of '" + e.name + "'"))
    return false;
  bool layer = e.name == "layernorm";
  const int64_t rank = static_cast<int64_t>(x.shape.size());
  if (rank < (layer ? 1 : 2)) {
    diags.error(x.loc, "argument of '" + e.name + "' must have rank >= " +
                           (layer ? "1" : "2 (rows, ..., channels)") +
                           ", got " + typeStr(x));
    return false;
  }
  // The normalized axes (layernorm) or the channel axis (batchnorm).
  std::vector<int64_t> axes;
  if (layer) {
    std::vector<KwArg> axesKw;
    BatchFlags ignored;
    if (!checkReduction(e, axisKw, argFlags[0], ignored, axesKw))
      return false;
    if (e.batchAxis >= 0) {
      diags.error(axisKw ? axisKw->loc : e.loc,
                  "'layernorm' cannot normalize over the batch dimension B "
                  "(use 'batchnorm')");
      return false;
    }
    for (const ExprPtr &a : axesKw[0].value->args)
      axes.push_back(static_cast<int64_t>(a->number));
    // Canonical: axes first, then eps.
    for (KwArg &k : canon)
      axesKw.push_back(std::move(k));
    canon = std::move(axesKw);
  } else {
    if (argFlags[0].size() == x.shape.size() && argFlags[0].back()) {
      diags.error(x.loc, "the channel (last) axis of the argument of "
                         "'batchnorm' must not be the batch dimension B");
      return false;
    }
    axes.push_back(rank - 1);
    e.batchAxis = !argFlags[0].empty() && argFlags[0][0] ? 0 : -1;
  }
  std::vector<int64_t> normShape;
  for (int64_t a : axes)
    normShape.push_back(x.shape[a]);
  static const char *names[] = {"", "gamma", "beta"};
  for (size_t i = 1; i < 3; ++i) {
    Expr &p = *e.args[i];
    if (p.kind == ExprKind::Number)
      continue;
    std::string what = std::string(names[i]) + " of '" + e.name + "'";
    if (!requireFloat(p, what))
      return false;
    bool batched = false;
    for (bool f : argFlags[i])
      batched |= f;
    if (p.dtype != x.dtype || (p.shape != normShape && !p.shape.empty()) ||
        batched) {
      diags.error(p.loc, what + " must be a number or a tensor of type " +
                             formatType(x.dtype, normShape) +
                             " (the normalized " +
                             (layer ? "axes" : "channels") + "), got " +
                             typeStr(p) + (batched ? " depending on B" : ""));
      return false;
    }
  }
  if (!layer)
    declareBuffers(e, x.shape.back());
  e.dtype = x.dtype;
  e.shape = x.shape;
  flags = argFlags[0];
  e.resolved = true;
  return true;
}

bool ModelSema::checkEmbedding(Expr &e, const std::vector<BatchFlags> &argFlags,
                               BatchFlags &flags) {
  Expr &ids = *e.args[0], &table = *e.args[1];
  if (ids.dtype != DType::I32 || ids.kind != ExprKind::Ident ||
      ids.shape.empty()) {
    diags.error(ids.loc, "ids of 'embedding' must be an i32 input of rank "
                         ">= 1, got " +
                             typeStr(ids));
    return false;
  }
  if (!requireFloat(table, "table of 'embedding'"))
    return false;
  bool batched = false;
  for (bool f : argFlags[1])
    batched |= f;
  if (table.shape.size() != 2 || batched) {
    diags.error(table.loc, "table of 'embedding' must be a tensor [V, D] "
                           "(not depending on B), got " +
                               typeStr(table));
    return false;
  }
  e.dtype = table.dtype;
  e.shape = ids.shape;
  e.shape.push_back(table.shape[1]);
  flags = argFlags[0];
  flags.resize(ids.shape.size(), false);
  flags.push_back(false);
  e.resolved = true;
  return checkResultSize(e);
}

bool ModelSema::checkSoftmax(Expr &e, const KwArg *axisKw,
                             const BatchFlags &argFlags, BatchFlags &flags,
                             std::vector<KwArg> &canon) {
  Expr &x = *e.args[0];
  const int64_t rank = static_cast<int64_t>(x.shape.size());
  if (rank == 0) {
    diags.error(x.loc, "argument of '" + e.name +
                           "' must have rank >= 1, got " + typeStr(x));
    return false;
  }
  double v = -1;
  SrcLoc loc = e.loc;
  if (axisKw) {
    std::optional<double> a = constInt(*axisKw->value);
    if (!a) {
      diags.error(axisKw->value->loc, "'axis' must be an integer literal");
      return false;
    }
    v = *a;
    loc = axisKw->loc;
    if (v < static_cast<double>(-rank) || v >= static_cast<double>(rank)) {
      diags.error(axisKw->value->loc,
                  "axis " + formatNumber(v) + " is out of range for " +
                      typeStr(x) + " (rank " + std::to_string(rank) + ")");
      return false;
    }
  }
  int64_t axis = static_cast<int64_t>(v);
  if (axis < 0)
    axis += rank;
  e.batchAxis =
      static_cast<size_t>(axis) < argFlags.size() && argFlags[axis] ? axis : -1;
  canon.insert(canon.begin(), numberKwarg("axis", double(axis), loc));
  e.dtype = x.dtype;
  e.shape = x.shape;
  flags = argFlags;
  e.resolved = true;
  return true;
}

bool ModelSema::checkReduction(Expr &e, const KwArg *axisKw,
                               const BatchFlags &argFlags, BatchFlags &flags,
                               std::vector<KwArg> &canon) {
  Expr &x = *e.args[0];
  const int64_t rank = static_cast<int64_t>(x.shape.size());
  std::vector<int64_t> axes;
  SrcLoc kwLoc = e.loc;
  if (!axisKw) {
    if (e.name == "layernorm") // the last axis by default
      axes.push_back(rank - 1);
    else
      for (int64_t i = 0; i < rank; ++i)
        axes.push_back(i);
  } else {
    const KwArg &kw = *axisKw;
    kwLoc = kw.loc;
    std::vector<const Expr *> elems;
    if (kw.name == "axis") {
      if (!constInt(*kw.value)) {
        diags.error(kw.value->loc, "'axis' must be an integer literal");
        return false;
      }
      elems.push_back(kw.value.get());
    } else {
      if (kw.value->kind != ExprKind::List) {
        diags.error(kw.value->loc, "'axes' must be a list of integer "
                                   "literals, e.g. axes = [0, 1]");
        return false;
      }
      if (kw.value->args.empty()) {
        diags.error(kw.value->loc, "'axes' must not be empty");
        return false;
      }
      for (const ExprPtr &a : kw.value->args) {
        if (!a || !constInt(*a)) {
          diags.error(a ? a->loc : kw.value->loc,
                      "'axes' must be a list of integer literals, e.g. "
                      "axes = [0, 1]");
          return false;
        }
        elems.push_back(a.get());
      }
    }
    std::set<int64_t> seenAxes;
    for (const Expr *a : elems) {
      double v = *constInt(*a);
      if (v < static_cast<double>(-rank) || v >= static_cast<double>(rank)) {
        diags.error(a->loc, "axis " + formatNumber(v) +
                                " is out of range for " + typeStr(x) +
                                " (rank " + std::to_string(rank) + ")");
        return false;
      }
      int64_t ax = static_cast<int64_t>(v);
      if (ax < 0)
        ax += rank;
      if (!seenAxes.insert(ax).second) {
        diags.error(a->loc, "axis " + std::to_string(ax) +
                                " is reduced more than once");
        return false;
      }
      axes.push_back(ax);
    }
    std::sort(axes.begin(), axes.end());
  }

  // A partial last batch is padded: the importer masks a reduction over B so
  // only valid rows count.
  e.batchAxis = -1;
  for (int64_t ax : axes)
    if (static_cast<size_t>(ax) < argFlags.size() && argFlags[ax])
      e.batchAxis = ax;

  // Canonical form: the kwarg `axes` = [sorted non-negative ints] first.
  auto list = std::make_unique<Expr>(ExprKind::List, kwLoc);
  for (int64_t ax : axes) {
    auto n = std::make_unique<Expr>(ExprKind::Number, kwLoc);
    n->number = static_cast<double>(ax);
    n->isInteger = true;
    setLiteralType(*n);
    list->args.push_back(std::move(n));
  }
  list->dtype = modelDType;
  list->shape = {static_cast<int64_t>(axes.size())};
  list->resolved = true;
  KwArg axesKw;
  axesKw.name = "axes";
  axesKw.loc = kwLoc;
  axesKw.value = std::move(list);
  canon.push_back(std::move(axesKw));

  e.dtype = x.dtype;
  e.shape.clear();
  flags.clear();
  for (int64_t i = 0; i < rank; ++i)
    if (!std::binary_search(axes.begin(), axes.end(), i)) {
      e.shape.push_back(x.shape[i]);
      flags.push_back(static_cast<size_t>(i) < argFlags.size() && argFlags[i]);
    }
  e.resolved = true;
  return true;
}

//===--- Layers, repeats, assignments -------------------------------------===//

Binding *ModelSema::lookup(const std::string &name) {
  for (Frame *f = frame; f; f = f->parent) {
    auto it = f->names.find(name);
    if (it != f->names.end())
      return &it->second;
  }
  return nullptr;
}

std::string ModelSema::uniqueName(const std::string &base) {
  // Generated names contain '.' (inside a layer instance) or '#', which user
  // names cannot.
  bool qualified = base.find('.') != std::string::npos;
  std::string name = qualified ? base : base + "#1";
  for (int k = qualified ? 1 : 2; usedNames.count(name); ++k)
    name = base + "#" + std::to_string(k);
  usedNames.insert(name);
  return name;
}

void ModelSema::addLet(const std::string &name, ExprPtr value, SrcLoc loc,
                       const BatchFlags &flags, bool bad) {
  Binding b;
  b.kind = Binding::Let;
  b.loc = loc;
  b.defined = true;
  b.bad = bad;
  if (value) {
    b.dtype = value->dtype;
    b.shape = value->shape;
  }
  b.batch = flags;
  // Generated names contain '.' or '#', which user names cannot: visible to
  // re-checks (the default output) only.
  scope[name] = b;
  Let let;
  let.name = name;
  let.value = std::move(value);
  let.loc = loc;
  outLets.push_back(std::move(let));
  outLets.back().order = unsigned(outParams.size() + outLets.size());
}

bool ModelSema::evalConst(const Expr &e, double &v, bool &isInt) {
  switch (e.kind) {
  case ExprKind::Number:
    v = e.number;
    isInt = e.isInteger;
    return true;
  case ExprKind::Ident: {
    Binding *b = lookup(e.name);
    if (!b || (b->kind != Binding::Int && b->kind != Binding::Float))
      return false;
    v = b->value;
    isInt = b->kind == Binding::Int;
    return true;
  }
  case ExprKind::Unary:
    if (e.args.size() != 1 || !e.args[0] || !evalConst(*e.args[0], v, isInt))
      return false;
    v = -v;
    return true;
  case ExprKind::Binary: {
    double a, b;
    bool ia, ib;
    if (e.op == "@" || e.args.size() != 2 || !e.args[0] || !e.args[1] ||
        !evalConst(*e.args[0], a, ia) || !evalConst(*e.args[1], b, ib))
      return false;
    isInt = ia && ib;
    if (e.op == "+")
      v = a + b;
    else if (e.op == "-")
      v = a - b;
    else if (e.op == "*")
      v = a * b;
    else {
      if (b == 0)
        return false;
      v = a / b;
      // Exact division of integers stays an integer (dimensions: n / 2).
      isInt = isInt && v == std::floor(v);
    }
    if (!std::isfinite(v))
      return false;
    isInt = isInt && std::fabs(v) < 9007199254740992.0;
    return true;
  }
  case ExprKind::Call: {
    if (e.name != "dim" || e.args.size() != 2 || !e.kwargs.empty() ||
        !e.args[0] || !e.args[1] || e.args[0]->kind != ExprKind::Ident)
      return false;
    Binding *b = lookup(e.args[0]->name);
    double a;
    bool ia;
    if (!b || b->kind > Binding::Let || !b->defined || b->bad ||
        !evalConst(*e.args[1], a, ia) || !ia)
      return false;
    int64_t rank = int64_t(b->shape.size());
    if (a < -double(rank) || a >= double(rank))
      return false;
    int64_t axis = int64_t(a) < 0 ? int64_t(a) + rank : int64_t(a);
    if (size_t(axis) < b->batch.size() && b->batch[axis]) {
      constError = " (dim(" + e.args[0]->name + ", " + formatNumber(a) +
                   ") is the batch dimension B, which is not a constant)";
      return false;
    }
    v = double(b->shape[axis]);
    isInt = true;
    return true;
  }
  case ExprKind::List:
    return false;
  }
  return false;
}

void ModelSema::foldKwargs(Expr &e) {
  auto fold = [&](ExprPtr &x) {
    double v;
    bool isInt;
    if (!x || x->kind == ExprKind::Number || x->kind == ExprKind::List ||
        !evalConst(*x, v, isInt))
      return;
    SrcLoc loc = x->loc;
    x = std::make_unique<Expr>(ExprKind::Number, loc);
    x->number = v;
    x->isInteger = isInt;
  };
  for (KwArg &k : e.kwargs) {
    if (k.value && k.value->kind == ExprKind::List)
      for (ExprPtr &a : k.value->args)
        fold(a);
    else
      fold(k.value);
  }
}

bool ModelSema::evalIntArg(const Expr &e, const std::string &what,
                           int64_t &out) {
  double v;
  bool isInt;
  constError.clear();
  if (!evalConst(e, v, isInt) || !isInt) {
    diags.error(e.loc, what + " must be an integer constant" + constError);
    return false;
  }
  out = int64_t(v);
  return true;
}

bool ModelSema::budget(SrcLoc loc) {
  if (++elaborated <= kMaxElaborated)
    return true;
  if (elaborated == kMaxElaborated + 1)
    diags.error(loc, "the model is too large after unrolling its repeats and "
                     "layers (more than " +
                         std::to_string(kMaxElaborated) + " statements)");
  return false;
}

bool ModelSema::checkIdentity(Expr &e, BatchFlags &flags) {
  if (e.args.size() != 1 || !e.kwargs.empty() || !e.args[0]) {
    diags.error(e.loc, "'identity' expects 1 argument, got " +
                           std::to_string(e.args.size()));
    return false;
  }
  ExprPtr x = std::move(e.args[0]);
  e = std::move(*x);
  return check(e, flags);
}

bool ModelSema::checkDim(Expr &e) {
  double v;
  bool isInt;
  if (!evalConst(e, v, isInt)) {
    diags.error(e.loc, "'dim' expects a tensor name and an integer axis "
                       "in range, e.g. dim(x, -1)");
    return false;
  }
  SrcLoc loc = e.loc;
  e = Expr(ExprKind::Number, loc);
  e.number = v;
  e.isInteger = true;
  setLiteralType(e);
  return true;
}

std::string ModelSema::resolveFn(const std::string &name) {
  if (Binding *b = lookup(name))
    return b->kind == Binding::Fn ? b->fn : "";
  if (name == "identity" || isBuiltin(name) || findLayer(name))
    return name;
  return "";
}

bool ModelSema::elaborate(const std::vector<Stmt> &body, Frame &f, ExprPtr *ret,
                          const Layer *layer) {
  bool ok = true;
  for (size_t i = 0; i < body.size(); ++i) {
    if (ret && *ret) {
      diags.error(body[i].loc, "statement after 'return'");
      return false;
    }
    if (diags.hitErrorLimit() || !budget(body[i].loc))
      return false;
    ok = elaborateStmt(body[i], f, ret, layer) && ok;
  }
  return ok;
}

bool ModelSema::elaborateStmt(const Stmt &st, Frame &f, ExprPtr *ret,
                              const Layer *layer) {
  Frame *saved = frame;
  frame = &f;
  struct Restore {
    Frame *&frame;
    Frame *saved;
    ~Restore() { frame = saved; }
  } restore{frame, saved};
  switch (st.kind) {
  case Stmt::Param:
    return instantiateParam(st.param, f);
  case Stmt::Let:
    return bindLet(st.names, cloneExpr(*st.value), f);
  case Stmt::Assign:
    return assign(st.names[0].first, st.names[0].second, cloneExpr(*st.value),
                  f);
  case Stmt::Return: {
    if (!ret) {
      diags.error(st.loc, "'return' is only allowed in a layer");
      return false;
    }
    ExprPtr v = cloneExpr(*st.value);
    BatchFlags flags;
    if (!check(*v, flags))
      return false;
    if (v->kind == ExprKind::Ident || v->kind == ExprKind::Number) {
      *ret = std::move(v);
    } else {
      std::string name = uniqueName(f.inst->prefix + "out");
      auto id = std::make_unique<Expr>(ExprKind::Ident, v->loc);
      id->name = name;
      id->dtype = v->dtype;
      id->shape = v->shape;
      id->resolved = true;
      addLet(name, std::move(v), st.loc, flags, false);
      *ret = std::move(id);
    }
    returnFlags = flags;
    return true;
  }
  case Stmt::Repeat: {
    int64_t start = 0, stop = 0;
    if (st.start && !evalIntArg(*st.start, "the start of the range", start))
      return false;
    if (!evalIntArg(
            *st.value,
            st.var.empty() ? "the repeat count" : "the end of the range", stop))
      return false;
    if (st.var.empty() && stop < 0) {
      diags.error(st.value->loc, "the repeat count must not be negative, got " +
                                     std::to_string(stop));
      return false;
    }
    if (stop - start > kMaxElaborated) {
      diags.error(st.value->loc,
                  "too many repetitions (" + std::to_string(stop - start) +
                      "); at most " + std::to_string(kMaxElaborated));
      return false;
    }
    for (int64_t i = start; i < stop; ++i) {
      if (!budget(st.loc))
        return false;
      Frame iter;
      iter.parent = &f;
      iter.inst = f.inst;
      iter.iters = f.iters;
      iter.iters.push_back(i);
      if (!st.var.empty()) {
        Binding b;
        b.kind = Binding::Int;
        b.loc = st.varLoc;
        b.defined = true;
        b.value = double(i);
        iter.names[st.var] = b;
      }
      if (!elaborate(st.body, iter, nullptr, layer))
        return false;
    }
    return true;
  }
  }
  return false;
}

bool ModelSema::bindLet(
    const std::vector<std::pair<std::string, SrcLoc>> &names, ExprPtr value,
    Frame &f) {
  Frame *saved = frame;
  frame = &f;
  struct Restore {
    Frame *&frame;
    Frame *saved;
    ~Restore() { frame = saved; }
  } restore{frame, saved};
  if (&f != &modelFrame) {
    // A let in a layer or a repeat: new names of this scope.
    for (const auto &[name, loc] : names) {
      if (Binding *prev = lookup(name)) {
        bool here = f.names.count(name) != 0;
        diags.error(loc, "redefinition of '" + name + "'" +
                             (here ? std::string()
                                   : "; use '" + name +
                                         " = ...' to give it a new value"));
        diags.note(prev->loc, "previous definition of '" + name + "' is here");
        return false;
      }
    }
  }
  if (names.size() > 1) {
    if (value->kind != ExprKind::Call || value->name != "split") {
      diags.error(names[1].second,
                  "only 'split' and 'scan' give several tensors; 'let' with "
                  "several names needs a call of split or a scan");
      return false;
    }
    return checkSplitLet(names, *value, f);
  }
  const auto &[name, loc] = names[0];
  BatchFlags flags;
  bool ok = check(*value, flags);
  std::string internal = uniqueName(f.inst->prefix + name);
  Binding b;
  b.kind = Binding::Let;
  b.loc = loc;
  b.defined = true;
  b.bad = !ok;
  b.dtype = value->dtype;
  b.shape = value->shape;
  b.batch = flags;
  b.internal = internal;
  addLet(internal, std::move(value), loc, flags, !ok);
  if (&f != &modelFrame || !scope.count(name) || internal != name)
    f.names[name] = b;
  return ok;
}

bool ModelSema::assign(const std::string &name, SrcLoc loc, ExprPtr value,
                       Frame &f) {
  Binding *b = lookup(name);
  if (!b) {
    diags.error(loc, "assignment to unknown name '" + abbreviate(name) +
                         "'; declare it with 'let " + abbreviate(name) +
                         " = ...'");
    return false;
  }
  if (b->kind != Binding::Let) {
    static const char *kinds[] = {"input",    "parameter", "let",
                                  "constant", "constant",  "function"};
    diags.error(loc, "cannot assign to " + std::string(kinds[b->kind]) + " '" +
                         name +
                         "'; only names bound by 'let' can "
                         "get a new value");
    return false;
  }
  if (!b->defined) {
    diags.error(loc, "'" + name + "' is assigned before its definition");
    diags.note(b->loc, "'" + name + "' is defined here");
    return false;
  }
  BatchFlags flags;
  bool ok = check(*value, flags);
  // `value` may have instantiated layers: look the binding up again.
  b = lookup(name);
  std::string internal = uniqueName(f.inst->prefix + name);
  b->bad = !ok;
  b->dtype = value->dtype;
  b->shape = value->shape;
  b->batch = flags;
  b->internal = internal;
  addLet(internal, std::move(value), loc, flags, !ok);
  return ok;
}

bool ModelSema::instantiateParam(const Param &tmpl, Frame &f) {
  Param p;
  p.name = f.inst->prefix + tmpl.name;
  p.loc = tmpl.loc;
  p.type.loc = tmpl.type.loc;
  p.type.dtype = tmpl.type.dtypeOmitted ? modelDType : tmpl.type.dtype;
  p.init.kind = tmpl.init.kind;
  p.init.loc = tmpl.init.loc;
  if (f.names.count(tmpl.name)) {
    diags.error(tmpl.loc, "redefinition of '" + tmpl.name + "'");
    diags.note(f.names[tmpl.name].loc,
               "previous definition of '" + tmpl.name + "' is here");
    return false;
  }
  bool ok = true;
  for (const Dim &d : tmpl.type.dims) {
    Dim r;
    r.loc = d.loc;
    int64_t n = 0;
    if (!d.expr ||
        !evalIntArg(*d.expr, "a dimension of parameter '" + tmpl.name + "'",
                    n)) {
      ok = false;
      continue;
    }
    if (n <= 0) {
      diags.error(d.loc,
                  "dimension size must be positive, got " + std::to_string(n));
      ok = false;
    }
    r.size = n;
    p.type.dims.push_back(r);
  }
  for (const auto &a : tmpl.init.argExprs) {
    double v;
    bool isInt;
    if (!evalConst(*a, v, isInt)) {
      diags.error(a->loc, "initializer arguments must be constants");
      ok = false;
      continue;
    }
    p.init.args.push_back(v);
  }
  if (ok)
    checkDeclaredType(p.type, "parameter", p.name, true, ok);
  if (ok && isFloat(p.type.dtype) && p.type.dtype != modelDType) {
    diags.error(tmpl.type.loc,
                "element type " + std::string(dtypeName(p.type.dtype)) +
                    " of parameter '" + p.name +
                    "' does not match the model's element type " +
                    dtypeName(modelDType));
    ok = false;
  }
  unsigned before = diags.numErrors();
  if (ok)
    checkInit(p);
  ok = ok && diags.numErrors() == before;
  usedNames.insert(p.name);
  Binding b;
  b.kind = Binding::Param;
  b.loc = tmpl.loc;
  b.defined = true;
  b.bad = !ok;
  b.dtype = p.type.dtype;
  for (const Dim &d : p.type.dims) {
    b.shape.push_back(d.size);
    b.batch.push_back(false);
  }
  b.internal = p.name;
  f.names[tmpl.name] = b;
  Binding global = b;
  global.internal.clear();
  scope[p.name] = global;
  outParams.push_back(std::move(p));
  outParams.back().order = unsigned(outParams.size() + outLets.size());
  return ok;
}

bool ModelSema::instantiate(Expr &e, const Layer &layer, BatchFlags &flags) {
  auto noteDef = [&] {
    diags.note(layer.loc, "layer '" + layer.name + "' is defined here");
  };
  if (std::find(layerStack.begin(), layerStack.end(), &layer) !=
      layerStack.end()) {
    diags.error(e.loc, "recursive use of layer '" + layer.name + "'");
    noteDef();
    return false;
  }
  if (int(layerStack.size()) >= kMaxLayerDepth) {
    diags.error(e.loc, "layers nested too deeply (more than " +
                           std::to_string(kMaxLayerDepth) + ")");
    return false;
  }
  if (!budget(e.loc))
    return false;
  // Match the arguments: positional, then keywords.
  const size_t n = layer.args.size();
  std::vector<Expr *> given(n, nullptr);
  std::vector<SrcLoc> givenLoc(n);
  if (e.args.size() > n) {
    diags.error(e.args[n]->loc, "layer '" + layer.name + "' takes " +
                                    std::to_string(n) +
                                    (n == 1 ? " argument" : " arguments") +
                                    ", got " + std::to_string(e.args.size()));
    noteDef();
    return false;
  }
  for (size_t i = 0; i < e.args.size(); ++i) {
    if (!e.args[i])
      return false;
    given[i] = e.args[i].get();
    givenLoc[i] = e.args[i]->loc;
  }
  for (KwArg &k : e.kwargs) {
    size_t i = 0;
    while (i < n && layer.args[i].name != k.name)
      ++i;
    if (i == n) {
      std::vector<std::string> names;
      for (const LayerArg &a : layer.args)
        names.push_back(a.name);
      std::string hint = didYouMean(k.name, names);
      diags.error(
          k.loc,
          "layer '" + layer.name + "' has no argument '" + abbreviate(k.name) +
              "'" +
              (hint.empty() ? "; its arguments: " + joinNames(names) : hint));
      noteDef();
      return false;
    }
    if (given[i]) {
      diags.error(k.loc, "argument '" + k.name + "' of layer '" + layer.name +
                             "' is given twice");
      diags.note(givenLoc[i], "previous value of '" + k.name + "' is here");
      return false;
    }
    if (!k.value)
      return false;
    given[i] = k.value.get();
    givenLoc[i] = k.loc;
  }
  for (size_t i = 0; i < n; ++i)
    if (!given[i] && !layer.args[i].dflt) {
      diags.error(e.loc, "missing argument '" + layer.args[i].name +
                             "' of layer '" + layer.name + "'");
      diags.note(layer.args[i].loc,
                 "argument '" + layer.args[i].name + "' is declared here");
      return false;
    }

  // The instance name: `as NAME` or LAYER_k, unique in the caller's scope.
  InstanceScope &outer = *frame->inst;
  std::string inst;
  if (!e.instance.empty()) {
    inst = e.instance;
    for (int64_t it : frame->iters)
      inst += "_" + std::to_string(it);
    auto prev = outer.instances.find(inst);
    if (prev != outer.instances.end()) {
      diags.error(e.instanceLoc,
                  "duplicate layer instance name '" + inst + "'");
      diags.note(prev->second, "previous instance '" + inst + "' is here");
      return false;
    }
  } else {
    do
      inst = layer.name + "_" + std::to_string(outer.counters[layer.name]++);
    while (outer.instances.count(inst));
  }
  outer.instances[inst] = e.instance.empty() ? e.loc : e.instanceLoc;
  InstanceScope scopeOfInst;
  scopeOfInst.prefix = outer.prefix + inst + ".";
  Frame callee;
  callee.inst = &scopeOfInst;

  // Bind the arguments: values given at the call are evaluated in the
  // caller's scope, defaults in the layer's (they may use earlier arguments).
  bool ok = true;
  for (size_t i = 0; i < n && ok; ++i) {
    const LayerArg &a = layer.args[i];
    bool isDefault = !given[i];
    Frame *evalFrame = isDefault ? &callee : frame;
    Frame *saved = frame;
    frame = evalFrame;
    Binding b;
    b.loc = a.loc;
    b.defined = true;
    std::string what =
        "argument '" + a.name + "' of layer '" + layer.name + "'";
    switch (a.kind) {
    case LayerArg::Tensor: {
      ExprPtr v = isDefault ? cloneExpr(*a.dflt) : nullptr;
      Expr &x = isDefault ? *v : *given[i];
      BatchFlags f;
      if (!check(x, f)) {
        ok = false;
        break;
      }
      if (!isFloat(x.dtype) && x.kind != ExprKind::Number) {
        diags.error(x.loc, what + " must be a floating-point tensor, got " +
                               typeStr(x));
        diags.note(a.loc, "argument '" + a.name + "' is declared here");
        ok = false;
        break;
      }
      b.kind = Binding::Let;
      b.dtype = x.dtype;
      b.shape = x.shape;
      b.batch = f;
      if (x.kind == ExprKind::Ident) {
        b.internal = x.name;
      } else {
        // Moved out of the call, which becomes a reference to the result.
        ExprPtr value = isDefault           ? std::move(v)
                        : i < e.args.size() ? std::move(e.args[i])
                                            : nullptr;
        if (!value)
          for (KwArg &k : e.kwargs)
            if (k.value.get() == given[i])
              value = std::move(k.value);
        b.internal = uniqueName(scopeOfInst.prefix + a.name);
        addLet(b.internal, std::move(value), a.loc, f, false);
      }
      break;
    }
    case LayerArg::Int:
    case LayerArg::Float: {
      const Expr &x = isDefault ? *a.dflt : *given[i];
      double v;
      bool isInt;
      constError.clear();
      if (!evalConst(x, v, isInt) || (a.kind == LayerArg::Int && !isInt)) {
        diags.error(x.loc,
                    what + " must be " +
                        (a.kind == LayerArg::Int ? "an integer" : "a number") +
                        " constant" + constError);
        diags.note(a.loc, "argument '" + a.name + "' is declared here");
        ok = false;
        break;
      }
      b.kind = a.kind == LayerArg::Int ? Binding::Int : Binding::Float;
      b.value = v;
      break;
    }
    case LayerArg::Fn: {
      const Expr &x = isDefault ? *a.dflt : *given[i];
      std::string target =
          x.kind == ExprKind::Ident && x.args.empty() ? resolveFn(x.name) : "";
      if (target.empty()) {
        diags.error(x.loc, what + " must be the name of a function (a builtin, "
                                  "a layer or identity)");
        diags.note(a.loc, "argument '" + a.name + "' is declared here");
        ok = false;
        break;
      }
      b.kind = Binding::Fn;
      b.fn = target;
      break;
    }
    }
    frame = saved;
    if (ok)
      callee.names[a.name] = b;
  }
  if (!ok)
    return false;

  // The body, with a note at the call on every error inside it.
  const std::string fullName =
      scopeOfInst.prefix.substr(0, scopeOfInst.prefix.size() - 1);
  diags.pushContext(e.loc, "in layer '" + layer.name + "' (instance '" +
                               fullName + "') called here");
  layerStack.push_back(&layer);
  ExprPtr result;
  ok = elaborate(layer.body, callee, &result, &layer);
  layerStack.pop_back();
  diags.popContext();
  if (!ok)
    return false;
  if (!result) {
    diags.error(e.loc, "layer '" + layer.name + "' returns no value");
    diags.note(layer.loc,
               "add a 'return' statement to layer '" + layer.name + "'");
    return false;
  }
  // The call becomes the layer's result (a reference to its last let, or a
  // number).
  SrcLoc loc = e.loc;
  result->loc = loc;
  flags = returnFlags;
  e = std::move(*result);
  return true;
}

//===--- Tensor manipulation builtins -------------------------------------===//

namespace {
/// A resolved List of integer Numbers (canonical keyword values).
ExprPtr intList(const std::vector<int64_t> &values, SrcLoc loc, DType dtype) {
  auto list = std::make_unique<Expr>(ExprKind::List, loc);
  for (int64_t v : values) {
    auto n = std::make_unique<Expr>(ExprKind::Number, loc);
    n->number = double(v);
    n->isInteger = true;
    n->dtype = dtype;
    n->resolved = true;
    list->args.push_back(std::move(n));
  }
  list->dtype = dtype;
  list->shape = {int64_t(values.size())};
  list->resolved = true;
  return list;
}

KwArg listKwarg(const std::string &name, const std::vector<int64_t> &values,
                SrcLoc loc, DType dtype) {
  KwArg k;
  k.name = name;
  k.loc = loc;
  k.value = intList(values, loc, dtype);
  return k;
}
} // namespace

/// Makes `e` the canonical slice `[]`(x) with kwargs start, step, size (one
/// per axis of x) and drop (the axes removed by single indices).
static void makeSlice(Expr &e, ExprPtr x, const std::vector<int64_t> &start,
                      const std::vector<int64_t> &step,
                      const std::vector<int64_t> &size,
                      const std::vector<int64_t> &drop, DType listType) {
  SrcLoc loc = e.loc;
  DType dtype = x->dtype;
  e.kind = ExprKind::Call;
  e.name = "[]";
  e.args.clear();
  e.args.push_back(std::move(x));
  e.kwargs.clear();
  e.kwargs.push_back(listKwarg("start", start, loc, listType));
  e.kwargs.push_back(listKwarg("step", step, loc, listType));
  e.kwargs.push_back(listKwarg("size", size, loc, listType));
  e.kwargs.push_back(listKwarg("drop", drop, loc, listType));
  e.dtype = dtype;
  e.shape.clear();
  for (size_t i = 0; i < size.size(); ++i)
    if (std::find(drop.begin(), drop.end(), int64_t(i)) == drop.end())
      e.shape.push_back(size[i]);
  e.resolved = true;
}

bool ModelSema::checkIndex(Expr &e, BatchFlags &flags) {
  BatchFlags xf;
  if (!e.args[0] || !check(*e.args[0], xf))
    return false;
  Expr &x = *e.args[0];
  if (!requireFloat(x, "indexed value"))
    return false;
  const int64_t rank = int64_t(x.shape.size());
  if (!e.kwargs.empty()) {
    // Already canonical (a re-check of a copy): the kept axes' flags.
    std::vector<int64_t> drop;
    for (const KwArg &k : e.kwargs)
      if (k.name == "drop")
        for (const ExprPtr &a : k.value->args)
          drop.push_back(int64_t(a->number));
    flags.clear();
    for (int64_t i = 0; i < rank; ++i)
      if (std::find(drop.begin(), drop.end(), i) == drop.end())
        flags.push_back(size_t(i) < xf.size() && xf[i]);
    return true;
  }
  if (int64_t(e.args.size()) - 1 > rank) {
    diags.error(e.loc, "too many indices (" +
                           std::to_string(e.args.size() - 1) + ") for " +
                           typeStr(x));
    return false;
  }
  std::vector<int64_t> start(rank, 0), step(rank, 1), size(x.shape), drop;
  auto constant = [&](const Expr &c, const char *what, int64_t &out) {
    double v;
    bool isInt;
    if (!evalConst(c, v, isInt) || !isInt) {
      diags.error(c.loc, std::string(what) + " must be an integer constant");
      return false;
    }
    out = int64_t(v);
    return true;
  };
  for (int64_t i = 0; i + 1 < int64_t(e.args.size()); ++i) {
    Expr &item = *e.args[i + 1];
    const int64_t n = x.shape[i];
    bool isB = size_t(i) < xf.size() && xf[i];
    if (item.kind == ExprKind::List && item.op == ":") {
      int64_t st = 1, lo = 0, hi = n;
      if (item.args[2] && !constant(*item.args[2], "a slice step", st))
        return false;
      if (st <= 0) {
        diags.error(item.args[2]->loc,
                    "a slice step must be positive, got " + std::to_string(st));
        return false;
      }
      if (item.args[0] && !constant(*item.args[0], "a slice start", lo))
        return false;
      if (item.args[1] && !constant(*item.args[1], "a slice stop", hi))
        return false;
      // Python semantics: negative bounds count from the end, clamped.
      auto clampBound = [n](int64_t v) {
        if (v < 0)
          v += n;
        return std::clamp<int64_t>(v, 0, n);
      };
      lo = clampBound(lo);
      hi = clampBound(hi);
      int64_t count = hi > lo ? (hi - lo + st - 1) / st : 0;
      if (count == 0) {
        diags.error(item.loc, "empty slice of axis " + std::to_string(i) +
                                  " (size " + std::to_string(n) + ") of " +
                                  typeStr(x));
        return false;
      }
      if (isB && count != n) {
        diags.error(item.loc, "cannot slice the batch dimension B (axis " +
                                  std::to_string(i) +
                                  "); it must stay whole, ':'");
        return false;
      }
      start[i] = lo;
      step[i] = st;
      size[i] = count;
      continue;
    }
    int64_t idx;
    if (!constant(item, "an index", idx))
      return false;
    if (idx < -n || idx >= n) {
      diags.error(item.loc, "index " + std::to_string(idx) +
                                " is out of range for axis " +
                                std::to_string(i) + " of " + typeStr(x) +
                                " (size " + std::to_string(n) + ")");
      return false;
    }
    if (isB) {
      diags.error(item.loc, "cannot index the batch dimension B (axis " +
                                std::to_string(i) + ")");
      return false;
    }
    start[i] = idx < 0 ? idx + n : idx;
    size[i] = 1;
    drop.push_back(i);
  }
  flags.clear();
  for (int64_t i = 0; i < rank; ++i)
    if (std::find(drop.begin(), drop.end(), i) == drop.end())
      flags.push_back(size_t(i) < xf.size() && xf[i]);
  ExprPtr xp = std::move(e.args[0]);
  makeSlice(e, std::move(xp), start, step, size, drop, modelDType);
  return true;
}

bool ModelSema::checkTranspose(Expr &e, BatchFlags &flags) {
  if (e.args.empty() || e.args.size() > 2 || !e.args[0]) {
    diags.error(e.loc, "'transpose' expects a tensor and optionally a "
                       "permutation, e.g. transpose(x, [0, 2, 1])");
    return false;
  }
  const Expr *permList = e.args.size() == 2 ? e.args[1].get() : nullptr;
  SrcLoc permLoc = permList ? permList->loc : e.loc;
  for (const KwArg &k : e.kwargs) {
    if (k.name != "perm" || permList) {
      diags.error(k.loc, k.name == "perm"
                             ? "the permutation of 'transpose' is given twice"
                             : "unknown keyword argument '" +
                                   abbreviate(k.name) +
                                   "' for 'transpose'; expected 'perm'");
      return false;
    }
    permList = k.value.get();
    permLoc = k.loc;
  }
  BatchFlags xf;
  if (!check(*e.args[0], xf))
    return false;
  Expr &x = *e.args[0];
  if (!requireFloat(x, "argument of 'transpose'"))
    return false;
  const int64_t rank = int64_t(x.shape.size());
  std::vector<int64_t> perm;
  if (!permList) {
    if (rank < 2) {
      diags.error(e.loc, "'transpose' without a permutation swaps the last "
                         "two axes and needs rank >= 2, got " +
                             typeStr(x));
      return false;
    }
    for (int64_t i = 0; i < rank; ++i)
      perm.push_back(i);
    std::swap(perm[rank - 1], perm[rank - 2]);
  } else {
    if (!permList || permList->kind != ExprKind::List) {
      diags.error(permLoc, "the permutation of 'transpose' must be a list of "
                           "axes, e.g. [1, 0]");
      return false;
    }
    std::vector<bool> seen(rank, false);
    for (const ExprPtr &a : permList->args) {
      double v;
      bool isInt;
      if (!a || !evalConst(*a, v, isInt) || !isInt) {
        diags.error(a ? a->loc : permLoc,
                    "the permutation of 'transpose' must list integer axes");
        return false;
      }
      int64_t ax = int64_t(v) < 0 ? int64_t(v) + rank : int64_t(v);
      if (ax < 0 || ax >= rank || seen[ax]) {
        diags.error(a->loc, "invalid permutation of the axes of " + typeStr(x) +
                                ": each axis in [0, rank) exactly once");
        return false;
      }
      seen[ax] = true;
      perm.push_back(ax);
    }
    if (int64_t(perm.size()) != rank) {
      diags.error(permLoc, "the permutation has " +
                               std::to_string(perm.size()) + " axes, " +
                               typeStr(x) + " has " + std::to_string(rank));
      return false;
    }
  }
  flags.assign(rank, false);
  std::vector<int64_t> shape(rank);
  for (int64_t i = 0; i < rank; ++i) {
    shape[i] = x.shape[perm[i]];
    flags[i] = size_t(perm[i]) < xf.size() && xf[perm[i]];
    bool wasB = size_t(i) < xf.size() && xf[i];
    if (flags[i] != wasB) {
      diags.error(permLoc, "'transpose' must keep the batch dimension B in "
                           "place (axis " +
                               std::to_string(wasB ? i : perm[i]) + ")");
      return false;
    }
  }
  e.args.resize(1);
  e.kwargs.clear();
  e.kwargs.push_back(listKwarg("perm", perm, permLoc, modelDType));
  e.dtype = x.dtype;
  e.shape = std::move(shape);
  e.resolved = true;
  return true;
}

bool ModelSema::checkConcat(Expr &e, BatchFlags &flags) {
  // concat([a, b, ...], axis = -1) or concat(a, b, ..., axis = -1).
  if (e.args.size() == 1 && e.args[0] && e.args[0]->kind == ExprKind::List) {
    ExprPtr list = std::move(e.args[0]);
    e.args = std::move(list->args);
  }
  const KwArg *axisKw = nullptr;
  for (const KwArg &k : e.kwargs) {
    if (k.name != "axis" || axisKw) {
      diags.error(k.loc, k.name == "axis" ? "duplicate keyword argument 'axis'"
                                          : "unknown keyword argument '" +
                                                abbreviate(k.name) +
                                                "' for 'concat'; expected "
                                                "'axis'");
      return false;
    }
    axisKw = &k;
  }
  if (e.args.size() < 1) {
    diags.error(e.loc, "'concat' expects a list of tensors, e.g. "
                       "concat([a, b], axis = 1)");
    return false;
  }
  std::vector<BatchFlags> fl(e.args.size());
  bool ok = true;
  for (size_t i = 0; i < e.args.size(); ++i)
    ok = e.args[i] && check(*e.args[i], fl[i]) && ok;
  if (!ok)
    return false;
  const Expr &a0 = *e.args[0];
  for (const ExprPtr &a : e.args)
    if (!requireFloat(*a, "argument of 'concat'"))
      return false;
  const int64_t rank = int64_t(a0.shape.size());
  if (rank == 0) {
    diags.error(a0.loc, "arguments of 'concat' must have rank >= 1, got " +
                            typeStr(a0));
    return false;
  }
  int64_t axis = -1;
  if (axisKw) {
    double v;
    bool isInt;
    if (!axisKw->value || !evalConst(*axisKw->value, v, isInt) || !isInt) {
      diags.error(axisKw->loc, "'axis' must be an integer constant");
      return false;
    }
    axis = int64_t(v);
  }
  SrcLoc axisLoc = axisKw ? axisKw->loc : e.loc;
  if (axis < -rank || axis >= rank) {
    diags.error(axisLoc, "axis " + std::to_string(axis) +
                             " is out of range for " + typeStr(a0) + " (rank " +
                             std::to_string(rank) + ")");
    return false;
  }
  if (axis < 0)
    axis += rank;
  if (size_t(axis) < fl[0].size() && fl[0][axis]) {
    diags.error(axisLoc, "cannot concatenate along the batch dimension B "
                         "(axis " +
                             std::to_string(axis) + ")");
    return false;
  }
  std::vector<int64_t> shape = a0.shape;
  shape[axis] = 0;
  for (size_t i = 0; i < e.args.size(); ++i) {
    const Expr &a = *e.args[i];
    bool same = a.dtype == a0.dtype && int64_t(a.shape.size()) == rank &&
                fl[i] == fl[0];
    for (int64_t d = 0; same && d < rank; ++d)
      same = d == axis || a.shape[d] == a0.shape[d];
    if (!same) {
      diags.error(a.loc, "arguments of 'concat' must have the same type "
                         "except along axis " +
                             std::to_string(axis) + ", got " + typeStr(a0) +
                             " and " + typeStr(a) +
                             (fl[i] != fl[0] ? " (the batch dimension B is "
                                               "not in the same place)"
                                             : ""));
      return false;
    }
    shape[axis] += a.shape[axis];
  }
  e.kwargs.clear();
  e.kwargs.push_back(numberKwarg("axis", double(axis), axisLoc));
  e.dtype = a0.dtype;
  e.shape = std::move(shape);
  flags = fl[0];
  e.resolved = true;
  return checkResultSize(e);
}

bool ModelSema::checkSplitLet(
    const std::vector<std::pair<std::string, SrcLoc>> &names, Expr &call,
    Frame &f) {
  // let a, b, ... = split(x, n | [sizes], axis = -1)
  auto markBad = [&] {
    for (const auto &[name, loc] : names) {
      Binding b;
      b.kind = Binding::Let;
      b.loc = loc;
      b.defined = true;
      b.bad = true;
      f.names[name] = b;
    }
    return false;
  };
  if (call.args.size() != 2 || !call.args[0] || !call.args[1]) {
    diags.error(call.loc, "'split' expects a tensor and a number of parts or "
                          "a list of sizes, e.g. split(x, 2, axis = 1)");
    return markBad();
  }
  const KwArg *axisKw = nullptr;
  for (const KwArg &k : call.kwargs) {
    if (k.name != "axis" || axisKw) {
      diags.error(k.loc, "unknown keyword argument '" + abbreviate(k.name) +
                             "' for 'split'; expected 'axis'");
      return markBad();
    }
    axisKw = &k;
  }
  BatchFlags xf;
  if (!check(*call.args[0], xf) ||
      !requireFloat(*call.args[0], "argument of 'split'"))
    return markBad();
  const Expr &x = *call.args[0];
  const int64_t rank = int64_t(x.shape.size());
  int64_t axis = -1;
  double v;
  bool isInt;
  if (axisKw) {
    if (!axisKw->value || !evalConst(*axisKw->value, v, isInt) || !isInt) {
      diags.error(axisKw->loc, "'axis' must be an integer constant");
      return markBad();
    }
    axis = int64_t(v);
  }
  SrcLoc axisLoc = axisKw ? axisKw->loc : call.loc;
  if (rank == 0 || axis < -rank || axis >= rank) {
    diags.error(axisLoc, "axis " + std::to_string(axis) +
                             " is out of range for " + typeStr(x));
    return markBad();
  }
  if (axis < 0)
    axis += rank;
  if (size_t(axis) < xf.size() && xf[axis]) {
    diags.error(axisLoc, "cannot split along the batch dimension B (axis " +
                             std::to_string(axis) + ")");
    return markBad();
  }
  const int64_t n = x.shape[axis];
  std::vector<int64_t> sizes;
  const Expr &parts = *call.args[1];
  if (parts.kind == ExprKind::List) {
    for (const ExprPtr &s : parts.args) {
      if (!s || !evalConst(*s, v, isInt) || !isInt || v <= 0) {
        diags.error(s ? s->loc : parts.loc,
                    "the sizes of 'split' must be positive integers");
        return markBad();
      }
      sizes.push_back(int64_t(v));
    }
    int64_t total = 0;
    for (int64_t s : sizes)
      total += s;
    if (total != n) {
      diags.error(parts.loc, "the sizes of 'split' add up to " +
                                 std::to_string(total) + ", but axis " +
                                 std::to_string(axis) + " of " + typeStr(x) +
                                 " has size " + std::to_string(n));
      return markBad();
    }
  } else {
    if (!evalConst(parts, v, isInt) || !isInt || v <= 0) {
      diags.error(parts.loc, "the number of parts of 'split' must be a "
                             "positive integer constant");
      return markBad();
    }
    int64_t k = int64_t(v);
    if (n % k != 0) {
      diags.error(parts.loc, "axis " + std::to_string(axis) + " of " +
                                 typeStr(x) + " (size " + std::to_string(n) +
                                 ") does not split into " + std::to_string(k) +
                                 " equal parts");
      return markBad();
    }
    sizes.assign(k, n / k);
  }
  if (sizes.size() != names.size()) {
    diags.error(names[0].second,
                std::to_string(names.size()) + " names for the " +
                    std::to_string(sizes.size()) + " parts of 'split'");
    return markBad();
  }
  // The input once, then one slice per part.
  std::string input;
  if (x.kind == ExprKind::Ident) {
    input = x.name;
  } else {
    input = uniqueName(f.inst->prefix + names[0].first + ".split");
    DType dt = x.dtype;
    std::vector<int64_t> shape = x.shape;
    addLet(input, std::move(call.args[0]), call.loc, xf, false);
    (void)dt;
    (void)shape;
  }
  Binding *in = nullptr;
  auto it = scope.find(input);
  if (it != scope.end())
    in = &it->second;
  int64_t offset = 0;
  for (size_t p = 0; p < sizes.size(); ++p) {
    const auto &[name, loc] = names[p];
    auto ref = std::make_unique<Expr>(ExprKind::Ident, call.loc);
    ref->name = input;
    ref->dtype = in ? in->dtype : x.dtype;
    ref->shape = in ? in->shape : std::vector<int64_t>();
    ref->resolved = true;
    if (!in) {
      // A user input or param (found by name in the model scope).
      Binding *b = lookup(input);
      if (b) {
        ref->dtype = b->dtype;
        ref->shape = b->shape;
      }
    }
    std::vector<int64_t> start(rank, 0), step(rank, 1), size = ref->shape;
    start[axis] = offset;
    size[axis] = sizes[p];
    offset += sizes[p];
    auto piece = std::make_unique<Expr>(ExprKind::Call, call.loc);
    makeSlice(*piece, std::move(ref), start, step, size, {}, modelDType);
    std::string internal =
        (&f == &modelFrame) ? name : uniqueName(f.inst->prefix + name);
    Binding b;
    b.kind = Binding::Let;
    b.loc = loc;
    b.defined = true;
    b.dtype = piece->dtype;
    b.shape = piece->shape;
    b.batch = xf;
    if (internal != name)
      b.internal = internal;
    addLet(internal, std::move(piece), loc, xf, false);
    f.names[name] = b;
  }
  return true;
}

SrcLoc locOr(const std::map<std::string, SrcLoc> &locs, const std::string &k,
             SrcLoc fallback) {
  auto it = locs.find(k);
  return it == locs.end() ? fallback : it->second;
}

/// Learning-rate schedules (torch.optim.lr_scheduler, stepped once per
/// optimizer step) and the linear warm-up. Fills in defaults.
void checkSchedule(ScheduleSpec &s, bool warmup, DiagnosticEngine &diags) {
  struct Arg {
    const char *name;
    double dflt; // NaN: required
    bool positive;
    bool integer;
    bool list = false;
  };
  const double req = std::nan("");
  struct Kind {
    const char *name;
    std::vector<Arg> args;
  };
  const std::vector<Kind> schedules = {
      {"constant", {}},
      {"step", {{"step_size", req, true, true}, {"gamma", 0.1, true, false}}},
      {"multistep",
       {{"milestones", req, true, true, true}, {"gamma", 0.1, true, false}}},
      {"exponential", {{"gamma", req, true, false}}},
      {"cosine", {{"t_max", req, true, true}, {"eta_min", 0, false, false}}},
      {"cosine_restarts",
       {{"t_0", req, true, true},
        {"t_mult", 1, true, true},
        {"eta_min", 0, false, false}}},
      {"onecycle",
       {{"max_lr", req, true, false},
        {"total_steps", req, true, true},
        {"pct_start", 0.3, true, false},
        {"div_factor", 25, true, false},
        {"final_div_factor", 1e4, true, false}}},
  };
  const std::vector<Kind> warmups = {{"linear",
                                      {{"total_iters", req, true, true},
                                       {"start_factor", 1.0 / 3.0, true, false},
                                       {"end_factor", 1.0, true, false}}}};
  const std::vector<Kind> &table = warmup ? warmups : schedules;
  const char *what = warmup ? "warm-up" : "schedule";
  const Kind *kind = nullptr;
  std::string known;
  for (const Kind &k : table) {
    known += (known.empty() ? "" : ", ") + std::string(k.name);
    if (s.name == k.name)
      kind = &k;
  }
  if (!kind) {
    diags.error(s.loc, std::string("unknown ") + what + " '" +
                           abbreviate(s.name) + "'; known: " + known);
    return;
  }
  auto argLoc = [&](const std::string &n) {
    auto it = s.argLocs.find(n);
    return it == s.argLocs.end() ? s.loc : it->second;
  };
  for (const auto &kv : s.argLocs)
    if (std::none_of(kind->args.begin(), kind->args.end(),
                     [&](const Arg &a) { return kv.first == a.name; })) {
      diags.error(kv.second, "unknown argument '" + abbreviate(kv.first) +
                                 "' for " + what + " '" + s.name + "'");
      return;
    }
  for (const Arg &a : kind->args) {
    bool given = a.list ? s.listArgs.count(a.name) : s.args.count(a.name);
    if (s.argLocs.count(a.name) && !given) {
      diags.error(argLoc(a.name), "'" + std::string(a.name) +
                                      (a.list ? "' must be a list of numbers"
                                              : "' must be a number"));
      return;
    }
    if (!given) {
      if (std::isnan(a.dflt)) {
        diags.error(s.loc, std::string(what) + " '" + s.name +
                               "' requires argument '" + a.name + "'");
        return;
      }
      s.args[a.name] = a.dflt;
      continue;
    }
    std::vector<double> values =
        a.list ? s.listArgs[a.name] : std::vector<double>{s.args[a.name]};
    double prev = -1;
    for (double v : values) {
      bool bad = !std::isfinite(v) || (a.positive ? !(v > 0) : !(v >= 0)) ||
                 (a.integer && v != std::floor(v)) || (a.list && v <= prev);
      if (bad) {
        diags.error(argLoc(a.name),
                    "'" + std::string(a.name) + "' must be " +
                        (a.list ? "increasing " : "") +
                        (a.positive ? "positive" : "non-negative") +
                        (a.integer ? " integers" : "") + ", got " +
                        formatNumber(v));
        return;
      }
      prev = v;
    }
  }
  if (s.name == "onecycle" &&
      !(s.args["pct_start"] > 0 && s.args["pct_start"] < 1))
    diags.error(argLoc("pct_start"), "'pct_start' must be in (0, 1)");
}

/// Gradient clipping: `value(max = C)` (torch.nn.utils.clip_grad_value_) or
/// `norm(max_norm = C)` (clip_grad_norm_ with the 2-norm over all gradients).
void checkClip(ScheduleSpec &c, DiagnosticEngine &diags) {
  const char *arg = c.name == "value"  ? "max"
                    : c.name == "norm" ? "max_norm"
                                       : nullptr;
  if (!arg) {
    diags.error(c.loc, "unknown clipping '" + abbreviate(c.name) +
                           "'; known: value, norm");
    return;
  }
  for (const auto &kv : c.argLocs)
    if (kv.first != arg || c.listArgs.count(kv.first)) {
      diags.error(kv.second, "unknown argument '" + abbreviate(kv.first) +
                                 "' for clipping '" + c.name + "'; it takes '" +
                                 arg + "'");
      return;
    }
  auto it = c.args.find(arg);
  if (it == c.args.end()) {
    diags.error(c.loc,
                "clipping '" + c.name + "' requires argument '" + arg + "'");
    return;
  }
  if (!(it->second > 0) || !std::isfinite(it->second))
    diags.error(c.argLocs[arg], "'" + std::string(arg) +
                                    "' must be positive, got " +
                                    formatNumber(it->second));
}

/// `param NAME(lr = X, weight_decay = Y)` overrides and `freeze NAME`. NAME
/// is a parameter or a layer instance (`fc1`, `mlp_0.dense_1`): then every
/// parameter of the instance.
void checkParamOptions(TrainConfig &t, const Program &prog,
                       DiagnosticEngine &diags) {
  const Model *model = prog.findModel(t.model);
  if (!model)
    return;
  std::map<std::string, SrcLoc> mentioned;
  // The parameters NAME denotes (empty after an error).
  auto known = [&](const std::string &name, SrcLoc loc) {
    std::vector<std::string> params;
    for (const Param &p : model->params)
      if (p.name == name || (p.name.size() > name.size() &&
                             p.name.compare(0, name.size(), name) == 0 &&
                             p.name[name.size()] == '.'))
        params.push_back(p.name);
    if (params.empty()) {
      diags.error(loc, "model '" + model->name + "' has no parameter '" +
                           abbreviate(name) + "'");
      return params;
    }
    for (const std::string &p : params) {
      auto prev = mentioned.find(p);
      if (prev != mentioned.end()) {
        diags.error(loc, "parameter '" + p +
                             "' already has options in this train section");
        diags.note(prev->second, "previous options of '" + p + "' are here");
        return std::vector<std::string>();
      }
    }
    for (const std::string &p : params)
      mentioned[p] = loc;
    return params;
  };
  std::vector<ScheduleSpec> expanded;
  for (ScheduleSpec &o : t.paramOptions) {
    std::vector<std::string> params = known(o.name, o.loc);
    if (params.empty())
      continue;
    if (!o.listArgs.empty()) {
      diags.error(o.argLocs[o.listArgs.begin()->first],
                  "parameter options take numbers");
      continue;
    }
    bool ok = true;
    for (const auto &kv : o.args) {
      if (kv.first != "lr" && kv.first != "weight_decay") {
        diags.error(o.argLocs[kv.first], "unknown parameter option '" +
                                             abbreviate(kv.first) +
                                             "'; known: lr, weight_decay");
        ok = false;
      } else if (!(kv.second >= 0) || !std::isfinite(kv.second) ||
                 (kv.first == "lr" && kv.second == 0)) {
        diags.error(o.argLocs[kv.first],
                    "'" + kv.first + "' must be " +
                        (kv.first == "lr" ? "positive" : ">= 0") + ", got " +
                        formatNumber(kv.second));
        ok = false;
      }
    }
    if (!ok)
      continue;
    for (const std::string &p : params) {
      ScheduleSpec one = o;
      one.name = p;
      expanded.push_back(std::move(one));
    }
  }
  std::vector<std::pair<std::string, SrcLoc>> frozen;
  for (auto &[name, loc] : t.frozen)
    for (const std::string &p : known(name, loc))
      frozen.push_back({p, loc});
  t.paramOptions = std::move(expanded);
  t.frozen = std::move(frozen);
}

void checkTrain(TrainConfig &t, const Program &prog, DiagnosticEngine &diags,
                std::map<std::string, SrcLoc> &trained) {
  if (!prog.findModel(t.model)) {
    std::vector<std::string> names;
    for (const Model &m : prog.models)
      names.push_back(m.name);
    diags.error(t.modelLoc, "unknown model '" + abbreviate(t.model) +
                                "' in train section" +
                                didYouMean(t.model, names));
  } else {
    auto prev = trained.find(t.model);
    if (prev != trained.end()) {
      diags.error(t.modelLoc,
                  "duplicate train section for model '" + t.model + "'");
      diags.note(prev->second,
                 "previous train section for '" + t.model + "' is here");
    } else {
      trained[t.model] = t.modelLoc;
    }
  }

  if (!t.hasOptimizer) {
    diags.error(t.loc, "train section for model '" + abbreviate(t.model) +
                           "' has no 'optimizer' setting");
    return;
  }
  OptimizerSpec &opt = t.optimizer;
  // Hyper-parameters of each optimizer with torch.optim's names and
  // defaults; booleans are written 0 or 1.
  enum Range { Positive, NonNegative, UnitInterval, Flag };
  struct Arg {
    const char *name;
    double dflt; // NaN: required
    Range range;
  };
  struct Optimizer {
    const char *name;
    std::vector<Arg> args;
  };
  const double required = std::nan("");
  static const std::vector<Optimizer> optimizers = {
      {"sgd",
       {{"lr", std::nan(""), Positive},
        {"momentum", 0, UnitInterval},
        {"dampening", 0, UnitInterval},
        {"weight_decay", 0, NonNegative},
        {"nesterov", 0, Flag}}},
      {"adam",
       {{"lr", 1e-3, Positive},
        {"beta1", 0.9, UnitInterval},
        {"beta2", 0.999, UnitInterval},
        {"eps", 1e-8, NonNegative},
        {"weight_decay", 0, NonNegative},
        {"amsgrad", 0, Flag}}},
      {"adamw",
       {{"lr", 1e-3, Positive},
        {"beta1", 0.9, UnitInterval},
        {"beta2", 0.999, UnitInterval},
        {"eps", 1e-8, NonNegative},
        {"weight_decay", 1e-2, NonNegative},
        {"amsgrad", 0, Flag}}},
      {"adagrad",
       {{"lr", 1e-2, Positive},
        {"lr_decay", 0, NonNegative},
        {"weight_decay", 0, NonNegative},
        {"initial_accumulator_value", 0, NonNegative},
        {"eps", 1e-10, NonNegative}}},
      {"rmsprop",
       {{"lr", 1e-2, Positive},
        {"alpha", 0.99, UnitInterval},
        {"eps", 1e-8, NonNegative},
        {"weight_decay", 0, NonNegative},
        {"momentum", 0, UnitInterval},
        {"centered", 0, Flag}}},
  };
  (void)required;
  const Optimizer *spec = nullptr;
  std::string known;
  for (const Optimizer &o : optimizers) {
    known += (known.empty() ? "" : ", ") + std::string(o.name);
    if (opt.name == o.name)
      spec = &o;
  }
  if (!spec) {
    diags.error(opt.loc, "unknown optimizer '" + abbreviate(opt.name) +
                             "'; known optimizers: " + known);
    return;
  }
  bool ok = true;
  std::string knownArgs;
  for (const Arg &a : spec->args)
    knownArgs += (knownArgs.empty() ? "" : ", ") + std::string(a.name);
  for (const auto &kv : opt.args) {
    if (std::none_of(spec->args.begin(), spec->args.end(),
                     [&](const Arg &a) { return kv.first == a.name; })) {
      diags.error(locOr(opt.argLocs, kv.first, opt.loc),
                  "unknown argument '" + abbreviate(kv.first) +
                      "' for optimizer '" + opt.name +
                      "'; known arguments: " + knownArgs);
      ok = false;
    }
  }
  for (const Arg &a : spec->args) {
    auto it = opt.args.find(a.name);
    if (it == opt.args.end()) {
      if (std::isnan(a.dflt)) {
        diags.error(opt.loc, "optimizer '" + opt.name +
                                 "' requires argument '" + a.name + "'");
        ok = false;
      }
      continue;
    }
    double v = it->second;
    const char *what = nullptr;
    switch (a.range) {
    case Positive:
      if (!(v > 0) || !std::isfinite(v))
        what = "must be positive";
      break;
    case NonNegative:
      if (!(v >= 0) || !std::isfinite(v))
        what = "must be >= 0";
      break;
    case UnitInterval:
      if (!(v >= 0 && v < 1))
        what = "must be in [0, 1)";
      break;
    case Flag:
      if (v != 0 && v != 1)
        what = "must be 0 or 1";
      break;
    }
    if (what) {
      diags.error(locOr(opt.argLocs, a.name, opt.loc),
                  "'" + std::string(a.name) + "' " + what + ", got " +
                      formatNumber(v));
      ok = false;
    }
  }
  if (!ok)
    return;
  if (opt.name == "sgd" && opt.args.count("nesterov") &&
      opt.args["nesterov"] == 1 &&
      (opt.args.count("momentum") == 0 || opt.args["momentum"] == 0 ||
       (opt.args.count("dampening") && opt.args["dampening"] != 0))) {
    diags.error(locOr(opt.argLocs, "nesterov", opt.loc),
                "nesterov momentum requires a momentum and zero dampening");
    return;
  }
  for (const Arg &a : spec->args)
    if (!std::isnan(a.dflt) && !opt.args.count(a.name))
      opt.args[a.name] = a.dflt;
  if (t.hasSchedule)
    checkSchedule(t.schedule, false, diags);
  if (t.hasWarmup)
    checkSchedule(t.warmup, true, diags);
  if (t.hasClip)
    checkClip(t.clip, diags);
  checkParamOptions(t, prog, diags);
}

} // namespace

bool analyze(ast::Program &prog, DiagnosticEngine &diags,
             std::optional<int64_t> batchOverride) {
  const unsigned errorsBefore = diags.numErrors();
  if (batchOverride && *batchOverride <= 0) {
    diags.error(SrcLoc{}, "batch size must be positive, got " +
                              std::to_string(*batchOverride));
    return false;
  }
  if (prog.models.empty())
    diags.error(SrcLoc{}, "program defines no model");

  // Batch size per model: override, else its (first) train section, else 32.
  auto batchFor = [&](const std::string &model) -> int64_t {
    if (batchOverride)
      return *batchOverride;
    if (const TrainConfig *t = prog.findTrain(model))
      if (t->hasBatch && t->batch > 0)
        return t->batch;
    return kDefaultBatch;
  };

  // Layer definitions: unique names (a program layer may hide a library
  // one), not a builtin's, unique argument names.
  std::map<std::pair<bool, std::string>, SrcLoc> layerNames;
  for (const Layer &l : prog.layers) {
    if (isBuiltin(l.name) || l.name == "identity" || l.name == "dim" ||
        l.name == "transpose" || l.name == "permute" || l.name == "concat" ||
        l.name == "split") {
      // A builtin added later wins over a library layer of its name.
      if (!l.library)
        diags.error(l.loc, "layer '" + l.name +
                               "' has the name of a builtin function");
      continue;
    }
    auto [it, fresh] =
        layerNames.emplace(std::make_pair(l.library, l.name), l.loc);
    if (!fresh) {
      diags.error(l.loc, "redefinition of layer '" + l.name + "'");
      diags.note(it->second,
                 "previous definition of layer '" + l.name + "' is here");
    }
    std::map<std::string, SrcLoc> argNames;
    for (const LayerArg &a : l.args) {
      auto [prev, ok] = argNames.emplace(a.name, a.loc);
      if (!ok) {
        diags.error(a.loc, "duplicate argument '" + a.name + "' of layer '" +
                               l.name + "'");
        diags.note(prev->second, "previous argument '" + a.name + "' is here");
      }
    }
  }

  std::map<std::string, SrcLoc> modelNames;
  for (Model &m : prog.models) {
    auto prev = modelNames.find(m.name);
    if (prev != modelNames.end()) {
      diags.error(m.loc, "redefinition of model '" + m.name + "'");
      diags.note(prev->second,
                 "previous definition of model '" + m.name + "' is here");
    } else {
      modelNames[m.name] = m.loc;
    }
    ModelSema(prog, m, diags, batchFor(m.name)).run();
  }

  std::map<std::string, SrcLoc> trained;
  for (TrainConfig &t : prog.trains) {
    checkTrain(t, prog, diags, trained);
    t.batch = batchFor(t.model);
  }
  return diags.numErrors() == errorsBefore;
}

} // namespace adjoint::frontend

//===----------------------------------------------------------------------===//
// SemaScan: `let h, c = scan xt in x along 1 carry (...) { ... yield ... }`
//===----------------------------------------------------------------------===//

namespace adjoint::frontend {
namespace {

/// The first call of `name` in `e`, or null.
const Expr *findCall(const Expr &e, const char *name) {
  if (e.kind == ExprKind::Call && e.name == name)
    return &e;
  for (const ExprPtr &a : e.args)
    if (const Expr *c = findCall(*a, name))
      return c;
  for (const KwArg &k : e.kwargs)
    if (k.value)
      if (const Expr *c = findCall(*k.value, name))
        return c;
  return nullptr;
}

} // namespace

bool ModelSema::checkScan(Let &let, std::vector<Binding> &results) {
  Scan &scan = *let.scan;
  bool ok = true;
  // The sequences: sliced along one axis that is not the batch dimension.
  std::vector<Binding> steps;
  for (ScanSeq &seq : scan.seqs) {
    BatchFlags flags;
    Binding step;
    step.kind = Binding::Let;
    step.loc = seq.loc;
    step.defined = true;
    if (!check(*seq.source, flags) ||
        !requireFloat(*seq.source, "a scanned sequence")) {
      step.bad = true;
      ok = false;
      steps.push_back(step);
      continue;
    }
    int64_t rank = int64_t(seq.source->shape.size());
    if (seq.axis >= rank) {
      diags.error(seq.axisLoc, "axis " + std::to_string(seq.axis) +
                                   " is out of range for the scanned " +
                                   typeStr(*seq.source));
      step.bad = true;
    } else if (flags[seq.axis]) {
      diags.error(seq.axisLoc, "cannot scan along the batch dimension B");
      step.bad = true;
    } else if (seq.axis != scan.seqs[0].axis) {
      diags.error(seq.axisLoc,
                  "every sequence of a scan must use the same axis (" +
                      std::to_string(scan.seqs[0].axis) + ")");
      step.bad = true;
    } else if (scan.length && seq.source->shape[seq.axis] != scan.length) {
      diags.error(seq.source->loc,
                  "scanned sequences differ in length: " +
                      std::to_string(seq.source->shape[seq.axis]) +
                      " steps, the first has " + std::to_string(scan.length));
      step.bad = true;
    } else {
      scan.length = seq.source->shape[seq.axis];
      step.dtype = seq.source->dtype;
      step.shape = seq.source->shape;
      step.shape.erase(step.shape.begin() + seq.axis);
      step.batch = flags;
      step.batch.erase(step.batch.begin() + seq.axis);
    }
    ok = ok && !step.bad;
    steps.push_back(step);
  }
  // The carries: a declared type, an initial value that broadcasts to it.
  std::vector<Binding> carries;
  for (ScanCarry &c : scan.carries) {
    Binding carry;
    carry.kind = Binding::Let;
    carry.loc = c.loc;
    carry.defined = true;
    bool typeOk = true;
    checkDeclaredType(c.type, "carry", c.name, false, typeOk);
    if (typeOk && !isFloat(c.type.dtype)) {
      diags.error(c.type.loc, "carry '" + c.name +
                                  "' must have a floating-point type, got " +
                                  dtypeName(c.type.dtype));
      typeOk = false;
    }
    if (typeOk && c.type.dtype != modelDType) {
      diags.error(c.type.loc, "carry '" + c.name + "' has element type " +
                                  dtypeName(c.type.dtype) +
                                  ", the model's is " + dtypeName(modelDType));
      typeOk = false;
    }
    if (typeOk && scan.length &&
        int64_t(c.type.dims.size()) < scan.seqs[0].axis) {
      diags.error(c.type.loc,
                  "carry '" + c.name + "' has rank " +
                      std::to_string(c.type.dims.size()) +
                      ": a carry needs at least as many dimensions as the "
                      "scan axis (" +
                      std::to_string(scan.seqs[0].axis) +
                      ") to be saved for the reverse sweep");
      typeOk = false;
    }
    for (const Dim &d : c.type.dims) {
      carry.shape.push_back(d.size);
      carry.batch.push_back(d.symbol == "B");
    }
    carry.dtype = c.type.dtype;
    BatchFlags flags;
    bool initOk = check(*c.init, flags);
    if (initOk && typeOk) {
      if (c.init->kind != ExprKind::Number &&
          (!requireFloat(*c.init, "a carry's initial value") ||
           c.init->dtype != c.type.dtype)) {
        if (isFloat(c.init->dtype))
          diags.error(c.init->loc, "initial value " + typeStr(*c.init) +
                                       " does not match carry type " +
                                       formatType(carry.dtype, carry.shape));
        initOk = false;
      } else {
        std::vector<int64_t> shape;
        BatchFlags bflags;
        std::string err;
        if (!broadcast(c.init->shape, flags, carry.shape, carry.batch, shape,
                       bflags, err) ||
            shape != carry.shape || bflags != carry.batch) {
          diags.error(c.init->loc, "initial value " + typeStr(*c.init) +
                                       " does not broadcast to carry type " +
                                       formatType(carry.dtype, carry.shape) +
                                       err);
          initOk = false;
        }
      }
    }
    carry.bad = !typeOk;
    ok = ok && typeOk && initOk;
    carries.push_back(carry);
  }

  // The body sees the outer names, the steps, the carries and its lets.
  std::map<std::string, Binding> outer = scope;
  std::set<std::string> ownNames{let.name};
  for (auto &n : let.moreNames)
    ownNames.insert(n.first);
  auto declareLocal = [&](const std::string &name, SrcLoc loc,
                          const Binding &b) {
    auto it = scope.find(name);
    if (it != scope.end() &&
        !(ownNames.count(name) && !it->second.defined && outer.count(name) &&
          it->second.kind == Binding::Let &&
          it->second.loc.line == outer[name].loc.line &&
          it->second.loc.col == outer[name].loc.col && !it->second.defined)) {
      diags.error(loc, "redefinition of '" + name + "'");
      diags.note(it->second.loc,
                 "previous definition of '" + name + "' is here");
      ok = false;
      return;
    }
    scope[name] = b;
    ownNames.erase(name); // shadowed once
  };
  for (size_t i = 0; i < scan.seqs.size(); ++i)
    declareLocal(scan.seqs[i].name, scan.seqs[i].loc, steps[i]);
  for (size_t i = 0; i < scan.carries.size(); ++i)
    declareLocal(scan.carries[i].name, scan.carries[i].loc, carries[i]);
  for (Let &inner : scan.body) {
    Binding b;
    b.kind = Binding::Let;
    b.loc = inner.loc;
    b.defined = true;
    BatchFlags flags;
    const std::string *saved = currentLet;
    currentLet = &inner.name;
    bool innerOk = check(*inner.value, flags);
    currentLet = saved;
    for (const char *f : {"batchnorm", "dropout"})
      if (const Expr *c = findCall(*inner.value, f)) {
        diags.error(c->loc,
                    std::string("'") + f + "' cannot be used in a scan body");
        innerOk = false;
      }
    b.bad = !innerOk;
    b.dtype = inner.value->dtype;
    b.shape = inner.value->shape;
    b.batch = flags;
    ok = ok && innerOk;
    declareLocal(inner.name, inner.loc, b);
  }
  // `yield` gives the new carries, in order, of their exact types.
  if (scan.yields.size() != scan.carries.size()) {
    diags.error(scan.yieldLoc,
                "yield gives " + std::to_string(scan.yields.size()) +
                    " values for " + std::to_string(scan.carries.size()) +
                    " carries");
    ok = false;
  }
  for (size_t i = 0; i < scan.yields.size(); ++i) {
    Expr &y = *scan.yields[i];
    BatchFlags flags;
    if (!check(y, flags)) {
      ok = false;
      continue;
    }
    if (i >= carries.size() || carries[i].bad)
      continue;
    if (y.kind == ExprKind::Number || y.dtype != carries[i].dtype ||
        y.shape != carries[i].shape || flags != carries[i].batch) {
      diags.error(y.loc, "yield value " + typeStr(y) +
                             " does not match carry '" + scan.carries[i].name +
                             "' of type " +
                             formatType(carries[i].dtype, carries[i].shape));
      ok = false;
    }
  }
  scope = std::move(outer);
  results = carries;
  if (let.moreNames.size() + 1 != scan.carries.size()) {
    diags.error(let.loc, "the scan has " + std::to_string(scan.carries.size()) +
                             " carries but the let binds " +
                             std::to_string(let.moreNames.size() + 1) +
                             " names");
    ok = false;
  }
  return ok;
}

} // namespace adjoint::frontend
