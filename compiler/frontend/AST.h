//===- AST.h - Abstract syntax tree of the Adjoint model language -*- C++
//-*-===//
//
// The frontend (lexer, parser, sema) has no MLIR dependency. The importer in
// compiler/import is the only bridge from this AST to the mdl dialect.
//
// After Sema::run succeeds, every Expr carries its resolved element type and
// static shape (the batch dimension substituted by the train batch size), and
// every Call has been checked against the builtin table (known name, arity,
// keyword arguments, operand shapes).
//
//===----------------------------------------------------------------------===//

#ifndef ADJOINT_FRONTEND_AST_H
#define ADJOINT_FRONTEND_AST_H

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace adjoint::ast {

/// A position in a source file (1-based line and column).
struct SrcLoc {
  unsigned line = 0;
  unsigned col = 0;
  /// 0: the main source file; k > 0: Program::files[k - 1] (a library such
  /// as the standard library of layers).
  unsigned file = 0;
};

enum class DType { F32, F64, I32 };

const char *dtypeName(DType t); // "f32", "f64", "i32"

struct Expr;

/// One dimension of a declared input type: a literal size or a symbolic name
/// (only `B`, the batch dimension, is allowed as a symbol for now).
struct Dim {
  int64_t size = 0;   // literal size; or the resolved size after Sema
  std::string symbol; // non-empty for symbolic dims (e.g. "B")
  SrcLoc loc;         // location of the size literal / symbol (added)
  /// Inside a layer: the integer expression of the size (e.g. `dim(x, -1)`,
  /// `4 * n`), evaluated when the layer is instantiated.
  std::shared_ptr<const Expr> expr;
};

struct TypeSpec {
  DType dtype = DType::F32;
  /// Inside a layer the element type may be omitted (`param w: [n, m]`): it
  /// is the model element type.
  bool dtypeOmitted = false;
  std::vector<Dim> dims;
  SrcLoc loc;
};

enum class ExprKind {
  Number, // literal (value in `number`, isInteger tells how it was written)
  Ident,  // reference to an input, param or let binding (`name`)
  Unary,  // op is "-" ; operand in args[0]
  Binary, // op is one of "+", "-", "*", "/", "@"; lhs args[0], rhs args[1]
  Call,   // callee in `name`, positional args in `args`, keywords in `kwargs`
  List,   // [e, e, ...] literal (used for keyword values like axes=[0, 1])
};

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct KwArg {
  std::string name;
  ExprPtr value;
  SrcLoc loc;
};

struct Expr {
  ExprKind kind;
  SrcLoc loc; // location of the operator / callee / literal / identifier
  std::string name;
  std::string op;
  double number = 0;
  bool isInteger = false;
  std::vector<ExprPtr> args;
  std::vector<KwArg> kwargs;
  /// A layer call `dense(x, 10) as fc1`: the instance name (empty: a
  /// generated name `dense_0`).
  std::string instance;
  SrcLoc instanceLoc;

  // Filled by Sema.
  DType dtype = DType::F32;
  std::vector<int64_t> shape; // empty = scalar (rank 0)
  bool resolved = false;
  /// For sum/mean: the reduced axis of the operand that is the batch
  /// dimension B, or -1. The importer masks the padding rows of a partial
  /// batch out of such a reduction.
  /// Also set for max/min/logsumexp/variance (the same rule) and for
  /// softmax/log_softmax (their axis, when it is B).
  int64_t batchAxis = -1;
  /// For batchnorm: the prefix of its running-statistics buffers (params
  /// `<stateName>.running_mean` and `<stateName>.running_var`).
  std::string stateName;

  explicit Expr(ExprKind k, SrcLoc l) : kind(k), loc(l) {}
};

/// param name: type = init        (init: zeros | ones | uniform(lo, hi) |
/// normal(mean, std) | glorot_uniform | glorot_normal | he_uniform |
/// he_normal)
struct Init {
  std::string kind;         // as written, validated by Sema
  std::vector<double> args; // positional numeric arguments
  SrcLoc loc;
  /// Inside a layer: the argument expressions (constants, layer arguments),
  /// evaluated into `args` when the layer is instantiated.
  std::vector<std::shared_ptr<const Expr>> argExprs;
};

struct Param {
  std::string name;
  TypeSpec type;
  Init init;
  SrcLoc loc;
  /// A non-trainable buffer that Sema adds (batchnorm running statistics):
  /// no gradient, no optimizer update. Its name contains a '.'.
  bool buffer = false;
  /// Position in evaluation order, set by Sema (1-based; 0 = not analyzed).
  unsigned order = 0;
};

struct Input {
  std::string name;
  TypeSpec type;
  SrcLoc loc;
};

struct Scan;

struct Let {
  std::string name;
  ExprPtr value; // null for a scan
  SrcLoc loc;
  /// Position in evaluation order, set by Sema (1-based; 0 = not analyzed).
  unsigned order = 0;
  /// `let a, b = split(...)` or `let h, c = scan ...`: the names after the
  /// first (with `name` the first). Sema replaces a split let by one let
  /// per name; a scan let binds one name per carry.
  std::vector<std::pair<std::string, SrcLoc>> moreNames;
  /// The scan this let binds (its final carries), or null.
  std::shared_ptr<Scan> scan;
};

/// One sequence of a scan: `xt in x along 1` binds `xt` to the slice of `x`
/// at the current step along `axis`.
struct ScanSeq {
  std::string name;
  SrcLoc loc;
  ExprPtr source;
  int64_t axis = 0;
  SrcLoc axisLoc;
};

/// One carried state: `h: f32[B, 64] = 0` (the init broadcasts to the type).
struct ScanCarry {
  std::string name;
  SrcLoc loc;
  TypeSpec type;
  ExprPtr init;
};

/// `scan xt in x along 1 carry (h: f32[B, 64] = 0) { let ...  yield h2 }`:
/// runs the body once per step of the sequence axis; the let binds the
/// final carries. Names bound in the body are local to it.
struct Scan {
  SrcLoc loc; // the `scan` keyword
  std::vector<ScanSeq> seqs;
  std::vector<ScanCarry> carries;
  std::vector<Let> body;
  std::vector<ExprPtr> yields;
  SrcLoc yieldLoc;
  int64_t length = 0; // set by Sema: the number of steps
};

/// A statement of a layer body or of a `repeat` block, and the statements of
/// a model body that have no flat form (assignments, repeats).
struct Stmt {
  enum Kind {
    Param,  // param (layers only)
    Let,    // let NAME {, NAME} = value
    Assign, // NAME = value: a new value of an existing let
    Repeat, // repeat N { body } | for VAR in range([start,] stop) { body }
    Return, // return value (layers only)
  } kind = Let;
  SrcLoc loc;
  ast::Param param;                                  // Param
  std::vector<std::pair<std::string, SrcLoc>> names; // Let, Assign
  ExprPtr value;   // Let, Assign, Return; Repeat: the stop (count)
  ExprPtr start;   // Repeat: the start (null = 0)
  std::string var; // Repeat: the loop variable (empty for `repeat N`)
  SrcLoc varLoc;
  std::vector<Stmt> body; // Repeat
};

/// An argument of a layer: a tensor, an integer or float constant, or a
/// function (a builtin or a layer, e.g. `act = relu`).
struct LayerArg {
  enum Kind { Tensor, Int, Float, Fn } kind = Tensor;
  std::string name;
  ExprPtr dflt; // default value, or null
  SrcLoc loc;
};

/// layer NAME(args) { body }: instantiated (inlined) at every call with
/// fresh parameters named `<instance>.<param>`.
struct Layer {
  std::string name;
  SrcLoc loc;
  std::vector<LayerArg> args;
  std::vector<Stmt> body;
  bool library = false; // from a library file (the standard library)
};

struct Model {
  std::string name;
  SrcLoc loc;
  std::vector<Input> inputs;
  std::vector<Param> params;
  /// Params and lets in source order: a statement refers only to earlier ones.
  std::vector<Let> lets;
  ExprPtr loss;   // `loss <expr>`: required, a loss call
  SrcLoc lossLoc; // location of the `loss` keyword
  /// Assignments and repeat blocks of the body, in source order among the
  /// params and lets (by loc). Sema expands them into params and lets.
  std::vector<Stmt> blocks;
  ExprPtr output; // `output <expr>`: optional; defaults to the first argument
                  // of the loss call (e.g. the logits)
  /// Set by Sema when `output` was not written: Sema then stores a deep copy
  /// of the loss call's first argument in `output` (so after Sema `output` is
  /// never null). (added)
  bool outputIsDefault = false;
};

struct OptimizerSpec {
  std::string name; // "sgd"
  std::map<std::string, double> args;
  SrcLoc loc;
  std::map<std::string, SrcLoc>
      argLocs; // location of each argument name (added)
  /// List-valued arguments (e.g. milestones = [30, 80]).
  std::map<std::string, std::vector<double>> listArgs;
};

/// A learning-rate schedule or warm-up: `schedule cosine(t_max = 100)`,
/// `warmup linear(total_iters = 50, start_factor = 0.1)`.
using ScheduleSpec = OptimizerSpec;

struct TrainConfig {
  std::string model; // name of the model it trains
  SrcLoc loc;        // location of the `train` keyword
  SrcLoc modelLoc;   // location of the model name (added)
  OptimizerSpec optimizer;
  ScheduleSpec schedule, warmup;
  /// Gradient clipping: `clip value(max = C)` or `clip norm(max_norm = C)`.
  ScheduleSpec clip;
  bool hasSchedule = false, hasWarmup = false, hasClip = false;
  /// Per-parameter overrides: `param b1(weight_decay = 0)`, `param w1(lr =
  /// 0.01)`; the spec's name is the parameter's.
  std::vector<ScheduleSpec> paramOptions;
  /// `freeze w1, b1`: parameters that are not trained.
  std::vector<std::pair<std::string, SrcLoc>> frozen;
  int64_t batch = 32;
  /// `accumulate K`: apply the optimizer every K micro-batches, on the mean
  /// of their gradients.
  int64_t accumulate = 1;
  int64_t epochs = 1;
  uint64_t seed = 0;
  bool hasBatch = false, hasEpochs = false, hasSeed = false,
       hasOptimizer = false;
};

struct Program {
  std::string filename;
  /// Library files (SrcLoc::file k refers to files[k - 1]).
  std::vector<std::string> files;
  std::vector<Model> models;
  std::vector<TrainConfig> trains;
  /// Layers of the program and of the libraries; a program layer hides a
  /// library layer of the same name.
  std::vector<Layer> layers;

  const Model *findModel(const std::string &name) const;
  const Layer *findLayer(const std::string &name) const;
  /// The file name of a location.
  const std::string &fileOf(SrcLoc loc) const {
    return loc.file == 0 || loc.file > files.size() ? filename
                                                    : files[loc.file - 1];
  }
  const TrainConfig *findTrain(const std::string &model) const;
};

} // namespace adjoint::ast

#endif // ADJOINT_FRONTEND_AST_H
