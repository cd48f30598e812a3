//===- frontend_sema_test.cpp - Semantic analysis tests -------------------===//

#include "frontend_TestUtil.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace adjoint;
using namespace adjoint::frontend;
using namespace adjoint::frontend::test;
using ast::ExprKind;

namespace {

const char *kExample = R"(# comments start with '#' (also allow '//')
model mlp(x: f32[B, 784], y: i32[B]) {
  param w1: f32[784, 256] = he_normal
  param b1: f32[256] = zeros
  param w2: f32[256, 10] = glorot_uniform
  param b2: f32[10] = uniform(-0.1, 0.1)
  let h = relu(x @ w1 + b1)
  let logits = h @ w2 + b2
  output logits              # optional; default = first argument of the loss call
  loss softmax_cross_entropy(logits, y)
}
train mlp { optimizer sgd(lr = 0.1, momentum = 0.9)  batch 128  epochs 5  seed 1 }
)";

const char *kExampleAST = R"(model mlp
  input x: f32[B=128, 784]
  input y: i32[B=128]
  param w1: f32[784, 256] = he_normal
  param b1: f32[256] = zeros
  param w2: f32[256, 10] = glorot_uniform
  param b2: f32[10] = uniform(-0.1, 0.1)
  let h: f32[128, 256]
    call relu: f32[128, 256]
      binary +: f32[128, 256]
        binary @: f32[128, 256]
          ident x: f32[128, 784]
          ident w1: f32[784, 256]
        ident b1: f32[256]
  let logits: f32[128, 10]
    binary +: f32[128, 10]
      binary @: f32[128, 10]
        ident h: f32[128, 256]
        ident w2: f32[256, 10]
      ident b2: f32[10]
  output: f32[128, 10]
    ident logits: f32[128, 10]
  loss: f32[]
    call softmax_cross_entropy: f32[]
      ident logits: f32[128, 10]
      ident y: i32[128]
train mlp
  optimizer sgd(dampening = 0, lr = 0.1, momentum = 0.9, nesterov = 0, weight_decay = 0)
  batch 128
  epochs 5
  seed 1
)";

void expectAllResolved(const ast::Expr &e) {
  EXPECT_TRUE(e.resolved) << "expr at " << e.loc.line << ":" << e.loc.col;
  for (const auto &a : e.args)
    expectAllResolved(*a);
  for (const auto &k : e.kwargs)
    expectAllResolved(*k.value);
}

TEST(FrontendSema, Example) {
  RunResult r = run(kExample);
  ASSERT_TRUE(r.ok) << r.diags;
  EXPECT_EQ(r.diags, "");
  EXPECT_EQ(dump(*r.prog), kExampleAST);
  const ast::Model &m = r.prog->models[0];
  EXPECT_EQ(m.inputs[0].type.dims[0].size, 128);
  EXPECT_EQ(m.inputs[1].type.dims[0].size, 128);
  EXPECT_FALSE(m.outputIsDefault);
  for (const auto &l : m.lets)
    expectAllResolved(*l.value);
  expectAllResolved(*m.output);
  expectAllResolved(*m.loss);
  EXPECT_EQ(typeOf(*m.lets[0].value), "f32[128, 256]");
  EXPECT_EQ(typeOf(*m.lets[0].value->args[0]->args[0]), "f32[128, 256]");
  EXPECT_EQ(typeOf(*m.lets[1].value), "f32[128, 10]");
  EXPECT_EQ(typeOf(*m.loss), "f32[]");
  EXPECT_EQ(m.loss->args[1]->dtype, ast::DType::I32);
}

TEST(FrontendSema, BatchResolution) {
  // Train section's batch.
  RunResult r = run(kExample);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.prog->trains[0].batch, 128);
  // Override wins (and is recorded in the train section).
  r = run(kExample, 7);
  ASSERT_TRUE(r.ok) << r.diags;
  EXPECT_EQ(typeOf(*r.prog->models[0].lets[0].value), "f32[7, 256]");
  EXPECT_EQ(r.prog->models[0].inputs[0].type.dims[0].size, 7);
  EXPECT_EQ(r.prog->trains[0].batch, 7);
  // No train section: 32.
  r = run("model m(x: f32[B, 3]) {\n  loss mse(x, x)\n}\n");
  ASSERT_TRUE(r.ok) << r.diags;
  EXPECT_EQ(typeOf(*r.prog->models[0].loss->args[0]), "f32[32, 3]");
  // Train section without batch: 32 (and batch is filled in).
  r = run("model m(x: f32[B, 3]) {\n  loss mse(x, x)\n}\n"
          "train m { optimizer sgd(lr = 1) }\n");
  ASSERT_TRUE(r.ok) << r.diags;
  EXPECT_EQ(typeOf(*r.prog->models[0].loss->args[0]), "f32[32, 3]");
  EXPECT_EQ(r.prog->trains[0].batch, 32);
  EXPECT_FALSE(r.prog->trains[0].hasBatch);
  // Bad override.
  r = run(kExample, 0);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first(), "t.adj: error: batch size must be positive, got 0");
}

TEST(FrontendSema, DefaultOutputAndMomentum) {
  RunResult r = run("model m(x: f32[B, 4], y: i32[B]) {\n"
                    "  param w: f32[4, 3] = zeros\n"
                    "  loss softmax_cross_entropy(x @ w, y)\n}\n"
                    "train m { optimizer sgd(lr = 0.5) }\n");
  ASSERT_TRUE(r.ok) << r.diags;
  const ast::Model &m = r.prog->models[0];
  ASSERT_TRUE(m.output);
  EXPECT_TRUE(m.outputIsDefault);
  EXPECT_EQ(m.output->kind, ExprKind::Binary);
  EXPECT_EQ(typeOf(*m.output), "f32[32, 3]");
  EXPECT_NE(m.output.get(), m.loss->args[0].get());
  expectAllResolved(*m.output);
  EXPECT_DOUBLE_EQ(r.prog->trains[0].optimizer.args.at("momentum"), 0.0);
  std::string d = dump(*r.prog);
  EXPECT_NE(d.find("  output (default): f32[32, 3]\n    binary @: f32[32, 3]"),
            std::string::npos)
      << d;
  EXPECT_NE(d.find("optimizer sgd(dampening = 0, lr = 0.5, momentum = 0, nesterov = 0, "
                   "weight_decay = 0)"),
            std::string::npos)
      << d;
}

TEST(FrontendSema, Reductions) {
  RunResult r = run(model("  param p: f32[4, 1] = ones\n"
                "  let a = sum(x)\n"
                "  let b = mean(x, axis = -1)\n"
                "  let c = sum(x, axes = [1, -2])\n"
                "  let d = mean(x, axes = [0])\n"
                "  let e = sum(a)\n"
                "  loss mse(b, sum(x @ p, axis = 1) + c + e)\n"));
  ASSERT_TRUE(r.ok) << r.diags;
  const ast::Model &m = r.prog->models[0];
  auto axesOf = [](const ast::Expr &call) {
    EXPECT_EQ(call.kwargs.size(), 1u);
    EXPECT_EQ(call.kwargs[0].name, "axes");
    const ast::Expr &list = *call.kwargs[0].value;
    EXPECT_EQ(list.kind, ExprKind::List);
    EXPECT_TRUE(list.resolved);
    std::string s;
    for (const auto &a : list.args) {
      EXPECT_EQ(a->kind, ExprKind::Number);
      EXPECT_TRUE(a->isInteger);
      EXPECT_TRUE(a->resolved);
      EXPECT_TRUE(a->shape.empty());
      s += (s.empty() ? "" : ",") + std::to_string(int64_t(a->number));
    }
    return "[" + s + "]";
  };
  EXPECT_EQ(axesOf(*m.lets[0].value), "[0,1]");
  EXPECT_EQ(typeOf(*m.lets[0].value), "f32[]");
  EXPECT_EQ(axesOf(*m.lets[1].value), "[1]");
  EXPECT_EQ(typeOf(*m.lets[1].value), "f32[32]");
  EXPECT_EQ(axesOf(*m.lets[2].value), "[0,1]");
  EXPECT_EQ(typeOf(*m.lets[2].value), "f32[]");
  EXPECT_EQ(axesOf(*m.lets[3].value), "[0]");
  EXPECT_EQ(typeOf(*m.lets[3].value), "f32[4]");
  EXPECT_EQ(axesOf(*m.lets[4].value), "[]");
  EXPECT_EQ(typeOf(*m.lets[4].value), "f32[]");
}

TEST(FrontendSema, LiteralsAndFolding) {
  RunResult r = run("model m(x: f64[B, 4]) {\n"
                    "  param s: f64 = ones\n"
                    "  let a = 2 * x\n"
                    "  let b = x / 2 - -1.5\n"
                    "  let c = (1 + 2) * 3 - 4 / 8\n"
                    "  let d = -(2)\n"
                    "  let e = s * x + relu(3)\n"
                    "  loss mse(a + c * e, b * d)\n}\n");
  ASSERT_TRUE(r.ok) << r.diags;
  const ast::Model &m = r.prog->models[0];
  EXPECT_EQ(typeOf(*m.lets[0].value), "f64[32, 4]");
  EXPECT_EQ(typeOf(*m.lets[0].value->args[0]), "f64[]");
  EXPECT_EQ(m.lets[0].value->args[0]->kind, ExprKind::Number);
  // `- -1.5`: the unary minus on a literal is folded.
  const ast::Expr &b = *m.lets[1].value;
  EXPECT_EQ(b.op, "-");
  EXPECT_EQ(b.args[1]->kind, ExprKind::Number);
  EXPECT_DOUBLE_EQ(b.args[1]->number, -1.5);
  EXPECT_FALSE(b.args[1]->isInteger);
  const ast::Expr &c = *m.lets[2].value;
  EXPECT_EQ(c.kind, ExprKind::Number);
  EXPECT_DOUBLE_EQ(c.number, 8.5);
  EXPECT_FALSE(c.isInteger);
  EXPECT_TRUE(c.args.empty());
  EXPECT_EQ(typeOf(c), "f64[]");
  const ast::Expr &d = *m.lets[3].value;
  EXPECT_EQ(d.kind, ExprKind::Number);
  EXPECT_DOUBLE_EQ(d.number, -2);
  EXPECT_TRUE(d.isInteger);
  EXPECT_EQ(typeOf(*m.lets[4].value), "f64[32, 4]");
  EXPECT_EQ(typeOf(*m.lets[4].value->args[1]), "f64[]");
}

TEST(FrontendSema, Broadcasting) {
  RunResult r = run("model m(x: f32[B, 3, 4]) {\n"
                    "  param a: f32[4] = zeros\n"
                    "  param b: f32[3, 1] = zeros\n"
                    "  param c: f32[1, 1, 1] = zeros\n"
                    "  param d: f32[1] = zeros\n"
                    "  let p = x + a\n"
                    "  let q = b * a\n"
                    "  let r = x - b + c\n"
                    "  let s = c / x + d\n"
                    "  let t = sum(x, axes = [1, 2])\n"
                    "  let u = t + d\n"
                    "  loss mse(p + q + r + s, x)\n}\n");
  ASSERT_TRUE(r.ok) << r.diags;
  const ast::Model &m = r.prog->models[0];
  EXPECT_EQ(typeOf(*m.lets[0].value), "f32[32, 3, 4]");
  EXPECT_EQ(typeOf(*m.lets[1].value), "f32[3, 4]");
  EXPECT_EQ(typeOf(*m.lets[2].value), "f32[32, 3, 4]");
  EXPECT_EQ(typeOf(*m.lets[3].value), "f32[32, 3, 4]");
  EXPECT_EQ(typeOf(*m.lets[5].value), "f32[32]");
}

TEST(FrontendSema, BatchDimensionOfSizeOne) {
  // With B = 1 the batch dim still broadcasts against a fixed 1.
  RunResult r = run("model m(x: f32[B, 4]) {\n  param b: f32[1, 4] = zeros\n"
                    "  let h = x + b\n  loss mse(h, x)\n}\n",
                    1);
  ASSERT_TRUE(r.ok) << r.diags;
  EXPECT_EQ(typeOf(*r.prog->models[0].lets[0].value), "f32[1, 4]");
}

TEST(FrontendSema, MseModel) {
  RunResult r = run("model reg(x: f64[B, 3], t: f64[B, 1]) {\n"
                    "  param w: f64[3, 1] = normal(0, 0.01)\n"
                    "  param b: f64[1] = zeros\n"
                    "  loss mse(x @ w + b, t)\n}\n"
                    "train reg { optimizer sgd(lr = 1e-3) epochs 2 }\n");
  ASSERT_TRUE(r.ok) << r.diags;
  EXPECT_EQ(typeOf(*r.prog->models[0].output), "f64[32, 1]");
  EXPECT_EQ(typeOf(*r.prog->models[0].loss), "f64[]");
}

TEST(FrontendSema, ModelsWithoutBatchDimension) {
  RunResult r = run("model m(x: f32[8, 4]) {\n  param w: f32[4, 2] = zeros\n"
                    "  output x @ w\n  loss mse(sum(x @ w), 0)\n}\n");
  ASSERT_TRUE(r.ok) << r.diags;
  EXPECT_EQ(typeOf(*r.prog->models[0].output), "f32[8, 2]");
}

TEST(FrontendSema, SourceOrderOfStatements) {
  // A let may use a param declared before it, not after it.
  RunResult r = run("model m(x: f32[B, 4]) {\n  let h = x * s\n"
                    "  param s: f32 = ones\n  loss mse(h, x)\n}\n");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first(), "t.adj:2:15: error: 's' is used before its definition");
  EXPECT_NE(r.diags.find("t.adj:3:9: note: 's' is defined here"),
            std::string::npos)
      << r.diags;
  // Output may not use a later let.
  r = run("model m(x: f32[B, 4]) {\n  output h\n  let h = relu(x)\n"
          "  loss mse(h, x)\n}\n");
  EXPECT_EQ(r.first(), "t.adj:2:10: error: 'h' is used before its definition");
}

/// Each case: source, expected first diagnostic line.
struct ErrCase {
  std::string src;
  std::string expected;
};

void checkErrors(const std::vector<ErrCase> &cases) {
  for (const ErrCase &c : cases) {
    RunResult r = run(c.src);
    EXPECT_FALSE(r.ok) << c.src;
    EXPECT_EQ(r.first(), c.expected) << "source:\n" << c.src << "\n"
                                     << r.diags;
  }
}

TEST(FrontendSema, DeclarationErrors) {
  checkErrors({
      {"", "t.adj: error: program defines no model"},
      {"# only a comment\n", "t.adj: error: program defines no model"},
      {"model m() {\n  loss mse(1, 1)\n}\n",
       "t.adj:1:7: error: model 'm' must have at least one input"},
      {"model m(x: f32[B], x: f32[B]) {\n  loss mse(x, x)\n}\n",
       "t.adj:1:20: error: redefinition of 'x'"},
      {model("  param x: f32[4] = zeros\n  loss mse(x, x)\n"),
       "t.adj:2:9: error: redefinition of 'x'"},
      {model("  let h = x\n  let h = x\n  loss mse(h, h)\n"),
       "t.adj:3:7: error: redefinition of 'h'"},
      {model("  let y = x\n  loss mse(x, x)\n"),
       "t.adj:2:7: error: redefinition of 'y'"},
      {"model m(x: f32[N, 4]) {\n  loss mse(x, x)\n}\n",
       "t.adj:1:16: error: unknown dimension symbol 'N'; only 'B' (the batch "
       "size) is allowed"},
      {"model m(x: f32[4, B]) {\n  loss mse(x, x)\n}\n",
       "t.adj:1:19: error: the batch dimension 'B' must be the first "
       "dimension"},
      {"model m(x: f32[B, 0]) {\n  loss mse(x, x)\n}\n",
       "t.adj:1:19: error: dimension size must be positive, got 0"},
      {model("  param w: f32[B, 4] = zeros\n  loss mse(x, x)\n"),
       "t.adj:2:16: error: parameter 'w' cannot use the batch dimension 'B'"},
      {model("  param w: i32[4] = zeros\n  loss mse(x, x)\n"),
       "t.adj:2:12: error: parameter 'w' must have a floating-point element "
       "type (f32 or f64), got i32"},
      {model("  param w: f64[4] = zeros\n  loss mse(x, x)\n"),
       "t.adj:2:12: error: element type f64 of parameter 'w' does not match "
       "the model's element type f32"},
      {"model m(x: f64[B], z: f32[B]) {\n  loss mse(x, x)\n}\n",
       "t.adj:1:23: error: element type f32 of input 'z' does not match the "
       "model's element type f64"},
      {"model m(x: f32[1,1,1,1,1,1,1,1,1]) {\n  loss mse(x, x)\n}\n",
       "t.adj:1:12: error: type of input 'x' has rank 9; at most 8 dimensions "
       "are supported"},
      {"model m(x: f32[B, 4294967296, 4294967296]) {\n  loss mse(x, x)\n}\n",
       "t.adj:1:12: error: type of input 'x' has too many elements"},
      {model("  loss mse(x, x)\n") + model("  loss mse(x, x)\n"),
       "t.adj:4:7: error: redefinition of model 'm'"},
  });
  RunResult r = run(model("  param w: f64[4] = zeros\n  loss mse(x, x)\n"));
  EXPECT_NE(r.diags.find("t.adj:1:12: note: the model's element type is set "
                         "by 'x' here"),
            std::string::npos)
      << r.diags;
  r = run(model("  let h = x\n  let h = x\n  loss mse(h, h)\n"));
  EXPECT_NE(r.diags.find("t.adj:2:7: note: previous definition of 'h' is "
                         "here\n  let h = x\n      ^\n"),
            std::string::npos)
      << r.diags;
}

TEST(FrontendSema, InitializerErrors) {
  checkErrors({
      {model("  param w: f32[4] = zero\n  loss mse(x, x)\n"),
       "t.adj:2:21: error: unknown initializer 'zero'; did you mean "
       "'zeros'?"},
      {model("  param w: f32[4] = xavier\n  loss mse(x, x)\n"),
       "t.adj:2:21: error: unknown initializer 'xavier'; known initializers: "
       "zeros, ones, uniform, normal, glorot_uniform, glorot_normal, "
       "he_uniform, he_normal"},
      {model("  param w: f32[4] = zeros(1)\n  loss mse(x, x)\n"),
       "t.adj:2:21: error: initializer 'zeros' takes no arguments, got 1"},
      {model("  param w: f32[4, 4] = he_normal(2)\n  loss mse(x, x)\n"),
       "t.adj:2:24: error: initializer 'he_normal' takes no arguments, got 1"},
      {model("  param w: f32[4] = uniform(1)\n  loss mse(x, x)\n"),
       "t.adj:2:21: error: initializer 'uniform' expects 2 arguments (lo, "
       "hi), got 1"},
      {model("  param w: f32[4] = normal\n  loss mse(x, x)\n"),
       "t.adj:2:21: error: initializer 'normal' expects 2 arguments (mean, "
       "std), got 0"},
      {model("  param w: f32[4] = uniform(0.5, -0.5)\n  loss mse(x, x)\n"),
       "t.adj:2:21: error: initializer 'uniform' requires lo < hi, got "
       "uniform(0.5, -0.5)"},
      {model("  param w: f32[4] = uniform(1, 1)\n  loss mse(x, x)\n"),
       "t.adj:2:21: error: initializer 'uniform' requires lo < hi, got "
       "uniform(1, 1)"},
      {model("  param w: f32[4] = normal(0, 0)\n  loss mse(x, x)\n"),
       "t.adj:2:21: error: initializer 'normal' requires std > 0, got "
       "normal(0, 0)"},
      {model("  param w: f32 = glorot_uniform\n  loss mse(x, x)\n"),
       "t.adj:2:18: error: initializer 'glorot_uniform' needs a parameter of "
       "rank >= 1 to compute its fan-in, got f32[]"},
  });
  // `zeros()` is the same as `zeros`.
  RunResult r = run(model("  param w: f32[4] = zeros()\n  loss mse(x, x)\n"));
  EXPECT_TRUE(r.ok) << r.diags;
}

TEST(FrontendSema, NameErrors) {
  checkErrors({
      {model("  let h = relu(xx)\n  loss mse(h, x)\n"),
       "t.adj:2:16: error: unknown identifier 'xx'; did you mean 'x'?"},
      {model("  let h = relu(zzz)\n  loss mse(h, x)\n"),
       "t.adj:2:16: error: unknown identifier 'zzz'"},
      {model("  let hidden = relu(x)\n  loss mse(hiden, x)\n"),
       "t.adj:3:12: error: unknown identifier 'hiden'; did you mean "
       "'hidden'?"},
      {model("  let h = h + 1\n  loss mse(h, x)\n"),
       "t.adj:2:11: error: 'h' is used in its own definition"},
      {model("  let h = rellu(x)\n  loss mse(h, x)\n"),
       "t.adj:2:11: error: unknown function 'rellu'; did you mean 'relu'?"},
      {model("  let h = softmaxx(x)\n  loss mse(h, x)\n"),
       "t.adj:2:11: error: unknown function 'softmaxx'; did you mean "
       "'softmax'?"},
      {model("  let h = x(1)\n  loss mse(h, x)\n"),
       "t.adj:2:11: error: 'x' is not a function"},
      {model("  let h = relu + 1\n  loss mse(h, x)\n"),
       "t.adj:2:11: error: function 'relu' cannot be used as a value; call "
       "it as relu(...)"},
      {model("  let h = [1, 2]\n  loss mse(x, x)\n"),
       "t.adj:2:11: error: list literals are only allowed as keyword "
       "argument values"},
  });
}

TEST(FrontendSema, CallErrors) {
  checkErrors({
      {model("  let h = relu(x, x)\n  loss mse(h, x)\n"),
       "t.adj:2:11: error: 'relu' expects 1 argument, got 2"},
      {model("  let h = tanh()\n  loss mse(h, x)\n"),
       "t.adj:2:11: error: 'tanh' expects 1 argument, got 0"},
      {model("  loss mse(x)\n"),
       "t.adj:2:8: error: 'mse' expects 2 arguments, got 1"},
      {model("  let h = sigmoid(x, alpha = 1)\n  loss mse(h, x)\n"),
       "t.adj:2:22: error: unknown keyword argument 'alpha' for 'sigmoid'"},
      {model("  let h = sum(x, axs = 1)\n  loss mse(h, x)\n"),
       "t.adj:2:18: error: unknown keyword argument 'axs' for 'sum'; did you "
       "mean 'axis'?"},
      {model("  let h = sum(x, keepdim = 1)\n  loss mse(h, x)\n"),
       "t.adj:2:18: error: unknown keyword argument 'keepdim' for 'sum'; "
       "did you mean 'keepdims'?"},
      {model("  let h = sum(x, over = 1)\n  loss mse(h, x)\n"),
       "t.adj:2:18: error: unknown keyword argument 'over' for 'sum'; "
       "expected 'axis', 'axes' or 'keepdims'"},
      {model("  let h = mean(x, keepdims = 2)\n  loss mse(h, x)\n"),
       "t.adj:2:30: error: 'keepdims' must be 0 or 1, got 2"},
      {model("  let h = sum(x, axis = 1, axis = 0)\n  loss mse(h, x)\n"),
       "t.adj:2:28: error: duplicate keyword argument 'axis'"},
      {model("  let h = sum(x, axis = 1, axes = [0])\n  loss mse(h, x)\n"),
       "t.adj:2:28: error: cannot specify both 'axis' and 'axes'"},
      {model("  let h = sum(x, axis = 0.5)\n  loss mse(h, x)\n"),
       "t.adj:2:25: error: 'axis' must be an integer literal"},
      {model("  let h = sum(x, axis = [1])\n  loss mse(h, x)\n"),
       "t.adj:2:25: error: 'axis' must be an integer literal"},
      {model("  let h = sum(x, axes = 1)\n  loss mse(h, x)\n"),
       "t.adj:2:25: error: 'axes' must be a list of integer literals, e.g. "
       "axes = [0, 1]"},
      {model("  let h = sum(x, axes = [0, y])\n  loss mse(h, x)\n"),
       "t.adj:2:29: error: 'axes' must be a list of integer literals, e.g. "
       "axes = [0, 1]"},
      {model("  let h = sum(x, axes = [])\n  loss mse(h, x)\n"),
       "t.adj:2:25: error: 'axes' must not be empty"},
      {model("  let h = sum(x, axis = 2)\n  loss mse(h, x)\n"),
       "t.adj:2:25: error: axis 2 is out of range for f32[32, 4] (rank 2)"},
      {model("  let h = mean(x, axes = [0, -3])\n  loss mse(h, x)\n"),
       "t.adj:2:30: error: axis -3 is out of range for f32[32, 4] (rank 2)"},
      {model("  let h = mean(x, axes = [1, -1])\n  loss mse(h, x)\n"),
       "t.adj:2:30: error: axis 1 is reduced more than once"},
      {model("  let h = sum(x, axis = 12345678901)\n  loss mse(h, "
             "x)\n"),
       "t.adj:2:25: error: axis 12345678901 is out of range for f32[32, "
       "4] (rank 2)"},
  });
}

TEST(FrontendSema, ShapeErrors) {
  checkErrors({
      {"model m(x: f32[B, 784]) {\n  param w: f32[256, 10] = zeros\n"
       "  let h = x @ w\n  loss mse(h, h)\n}\n",
       "t.adj:3:13: error: matmul shape mismatch: f32[32, 784] @ f32[256, 10] "
       "(inner dimensions 784 and 256 differ)"},
      {"model m(x: f32[B, 784]) {\n  param w: f32[784, 10] = zeros\n"
       "  let h = w @ x\n  loss mse(h, h)\n}\n",
       "t.adj:3:13: error: matmul shape mismatch: f32[784, 10] @ f32[32, 784] "
       "(inner dimensions 10 and 32 differ)"},
      {"model m(x: f32[B, 10]) {\n  param w: f32[10, 32] = zeros\n"
       "  let h = (x @ w) @ x\n  loss mse(h, h)\n}\n",
       "t.adj:3:19: error: matmul shape mismatch: f32[32, 32] @ f32[32, 10] "
       "(the inner dimensions must both be the batch dimension B or both be "
       "fixed)"},
      {model("  param w: f32[4] = zeros\n  let h = x @ w\n  loss mse(h, h)\n"),
       "t.adj:3:13: error: matmul operands must have rank >= 2, got "
       "f32[32, 4] @ f32[4]"},
      {model("  let h = 2 @ x\n  loss mse(h, h)\n"),
       "t.adj:2:13: error: matmul operands must have rank >= 2, got f32[] "
       "@ f32[32, 4]"},
      {"model m(x: f32[B, 784]) {\n  param w: f32[784, 256] = zeros\n"
       "  param b: f32[10] = zeros\n  let h = x @ w + b\n  loss mse(h, h)\n}\n",
       "t.adj:4:17: error: cannot broadcast f32[32, 256] and f32[10]"},
      {model("  param p: f32[32, 4] = zeros\n  let h = x * p\n"
             "  loss mse(h, h)\n"),
       "t.adj:3:13: error: cannot broadcast f32[32, 4] and f32[32, 4] (the "
       "batch dimension B = 32 cannot be combined with a fixed dimension of "
       "size 32)"},
      {model("  param p: f32[3, 4] = zeros\n  let h = x * p\n"
             "  loss mse(h, h)\n"),
       "t.adj:3:13: error: cannot broadcast f32[32, 4] and f32[3, 4]"},
      {model("  param p: f32[4, 1] = zeros\n  loss mse(x, x @ p)\n"),
       "t.adj:3:8: error: arguments of 'mse' must have the same shape, got "
       "f32[32, 4] and f32[32, 1]"},
      {model("  loss mse(x, 1)\n"),
       "t.adj:2:8: error: arguments of 'mse' must have the same shape, got "
       "f32[32, 4] and f32[]"},
      {model("  loss softmax_cross_entropy(sum(x, axis = 1), y)\n"),
       "t.adj:2:30: error: logits of 'softmax_cross_entropy' must be a "
       "floating-point tensor of rank 2 [N, C], got f32[32]"},
      {model("  loss softmax_cross_entropy(x, sum(x, axis = 1))\n"),
       "t.adj:2:33: error: probability targets of 'softmax_cross_entropy' "
       "must have the shape of the logits f32[32, 4], got f32[32]"},
      {"model m(x: f32[B, 4], y: i32[B, 2]) {\n"
       "  loss softmax_cross_entropy(x, y)\n}\n",
       "t.adj:2:33: error: labels of 'softmax_cross_entropy' must be an i32 "
       "tensor of rank 1 [N], got i32[32, 2]"},
      {"model m(x: f32[B, 4], y: i32[7]) {\n"
       "  loss softmax_cross_entropy(x, y)\n}\n",
       "t.adj:2:8: error: logits f32[32, 4] and labels i32[7] of "
       "'softmax_cross_entropy' have different first dimensions"},
      {model("  let h = relu(y)\n  loss mse(h, h)\n"),
       "t.adj:2:16: error: integer tensor 'y' can only be used as the labels "
       "argument of softmax_cross_entropy or nll, or as the ids of "
       "embedding"},
      {model("  let h = y\n  loss mse(x, x)\n"),
       "t.adj:2:11: error: integer tensor 'y' can only be used as the labels "
       "argument of softmax_cross_entropy or nll, or as the ids of "
       "embedding"},
      {model("  loss softmax_cross_entropy(x, -y)\n"),
       "t.adj:2:34: error: integer tensor 'y' can only be used as the labels "
       "argument of softmax_cross_entropy or nll, or as the ids of "
       "embedding"},
      {model("  loss softmax_cross_entropy(y, y)\n"),
       "t.adj:2:30: error: integer tensor 'y' can only be used as the labels "
       "argument of softmax_cross_entropy or nll, or as the ids of "
       "embedding"},
      {model("  let h = x * (1 / (2 - 2))\n  loss mse(h, h)\n"),
       "t.adj:2:18: error: division by zero in constant expression"},
      {model("  let h = x * (1e300 * 1e300)\n  loss mse(h, h)\n"),
       "t.adj:2:22: error: constant expression overflows"},
      {"model m(x: f32[4294967296, 1], z: f32[4294967296]) {\n"
       "  loss mse(x + z, x + z)\n}\n",
       "t.adj:2:14: error: result f32[4294967296, 4294967296] has too many "
       "elements"},
  });
}

TEST(FrontendSema, LossAndOutputErrors) {
  checkErrors({
      {model(""), "t.adj:1:7: error: model 'm' has no 'loss' statement"},
      {model("  loss x\n"),
       "t.adj:2:8: error: loss must be a call to a loss function (mse, l1, "
       "huber, bce_with_logits, nll or softmax_cross_entropy)"},
      {model("  loss relu(x)\n"),
       "t.adj:2:8: error: loss must be a call to a loss function (mse, l1, "
       "huber, bce_with_logits, nll or softmax_cross_entropy)"},
      {model("  loss mse(x, x) + 1\n"),
       "t.adj:2:18: error: loss must be a call to a loss function (mse, l1, "
       "huber, bce_with_logits, nll or softmax_cross_entropy)"},
      {model("  output sum(x)\n  loss mse(x, x)\n"),
       "t.adj:2:10: error: the model output must be a tensor of rank >= 1, "
       "got f32[]"},
      {model("  output sum(x, axis = 0)\n  loss mse(x, x)\n"),
       "t.adj:2:10: error: the first dimension of the model output must be "
       "the batch dimension B, got f32[4]"},
      {model("  output y\n  loss mse(x, x)\n"),
       "t.adj:2:10: error: integer tensor 'y' can only be used as the labels "
       "argument of softmax_cross_entropy or nll, or as the ids of "
       "embedding"},
      {model("  loss mse(sum(x), 0)\n"),
       "t.adj:2:12: error: the model output (by default the first argument "
       "of the loss) must be a tensor of rank >= 1, got f32[]"},
      {model("  param w: f32[4, 4] = zeros\n  loss mse(w, w * 2)\n"),
       "t.adj:3:12: error: the first dimension of the model output (by "
       "default the first argument of the loss) must be the batch dimension "
       "B, got f32[4, 4]"},
  });
  // An explicit output fixes it.
  RunResult r = run(model("  output x\n  loss mse(sum(x), 0)\n"));
  EXPECT_TRUE(r.ok) << r.diags;
}

TEST(FrontendSema, TrainErrors) {
  const std::string m = model("  loss mse(x, x)\n"); // lines 1-3
  checkErrors({
      {m + "train n { optimizer sgd(lr = 1) }\n",
       "t.adj:4:7: error: unknown model 'n' in train section; did you mean "
       "'m'?"},
      {m + "train other { optimizer sgd(lr = 1) }\n",
       "t.adj:4:7: error: unknown model 'other' in train section"},
      {m + "train m { optimizer sgd(lr = 1) }\ntrain m { optimizer sgd(lr "
           "= 1) }\n",
       "t.adj:5:7: error: duplicate train section for model 'm'"},
      {m + "train m { batch 4 }\n",
       "t.adj:4:1: error: train section for model 'm' has no 'optimizer' "
       "setting"},
      {m + "train m { optimizer adamax(lr = 1) }\n",
       "t.adj:4:21: error: unknown optimizer 'adamax'; known optimizers: sgd, "
       "adam, adamw, adagrad, rmsprop"},
      {m + "train m { optimizer sgd(lr = 1, beta = 2) }\n",
       "t.adj:4:33: error: unknown argument 'beta' for optimizer 'sgd'; known "
       "arguments: lr, momentum, dampening, weight_decay, nesterov"},
      {m + "train m { optimizer sgd }\n",
       "t.adj:4:21: error: optimizer 'sgd' requires argument 'lr'"},
      {m + "train m { optimizer sgd(momentum = 0.5) }\n",
       "t.adj:4:21: error: optimizer 'sgd' requires argument 'lr'"},
      {m + "train m { optimizer sgd(lr = 0) }\n",
       "t.adj:4:25: error: 'lr' must be positive, got 0"},
      {m + "train m { optimizer sgd(lr = -0.1) }\n",
       "t.adj:4:25: error: 'lr' must be positive, got -0.1"},
      {m + "train m { optimizer sgd(lr = 1, momentum = 1) }\n",
       "t.adj:4:33: error: 'momentum' must be in [0, 1), got 1"},
      {m + "train m { optimizer sgd(lr = 1, momentum = -0.5) }\n",
       "t.adj:4:33: error: 'momentum' must be in [0, 1), got -0.5"},
  });
  RunResult r = run(m + "train m { optimizer sgd(lr = 1) }\ntrain m { "
                        "optimizer sgd(lr = 1) }\n");
  EXPECT_NE(r.diags.find("t.adj:4:7: note: previous train section for 'm' is "
                         "here"),
            std::string::npos)
      << r.diags;
  // momentum = 0 is allowed; batch comes from the train section.
  r = run(m + "train m { optimizer sgd(lr = 1, momentum = 0) batch 3 }\n");
  ASSERT_TRUE(r.ok) << r.diags;
  EXPECT_EQ(typeOf(*r.prog->models[0].loss->args[0]), "f32[3, 4]");
}

TEST(FrontendSema, NoCascadingErrors) {
  // A bad let is reported once; its uses stay silent.
  RunResult r = run(model("  let h = relu(q)\n  let g = h @ h + h\n"
                          "  output g\n  loss mse(g, x)\n"));
  EXPECT_EQ(r.numErrors, 1u) << r.diags;
  // A bad param too.
  r = run(model("  param w: f32[B, 4] = zeros\n  let h = x @ w\n"
                "  loss mse(h, x)\n"));
  EXPECT_EQ(r.numErrors, 1u) << r.diags;
  // Independent errors are all reported.
  r = run(model("  let a = relu(q)\n  let b = sigmoid(x, x)\n"
                "  loss mse(a, b)\n"));
  EXPECT_EQ(r.numErrors, 2u) << r.diags;
}

TEST(FrontendSema, MultipleModels) {
  RunResult r = run("model a(x: f32[B, 2]) {\n  loss mse(x, x)\n}\n"
                    "model b(x: f64[B, 3], y: i32[B]) {\n"
                    "  param w: f64[3, 5] = glorot_normal\n"
                    "  loss softmax_cross_entropy(x @ w, y)\n}\n"
                    "train b { optimizer sgd(lr = 0.01) batch 16 }\n"
                    "train a { optimizer sgd(lr = 0.02) batch 8 }\n");
  ASSERT_TRUE(r.ok) << r.diags;
  EXPECT_EQ(typeOf(*r.prog->models[0].output), "f32[8, 2]");
  EXPECT_EQ(typeOf(*r.prog->models[1].output), "f64[16, 5]");
}

} // namespace

namespace {

/// The value of the numeric keyword `name` of a call (NaN when absent).
double kwValue(const ast::Expr &call, const std::string &name) {
  for (const ast::KwArg &k : call.kwargs)
    if (k.name == name) {
      EXPECT_EQ(k.value->kind, ExprKind::Number) << name;
      EXPECT_TRUE(k.value->resolved) << name;
      return k.value->number;
    }
  return std::nan("");
}

std::vector<std::string> kwNames(const ast::Expr &call) {
  std::vector<std::string> names;
  for (const ast::KwArg &k : call.kwargs)
    names.push_back(k.name);
  return names;
}

} // namespace

TEST(FrontendSema, LayerBuiltins) {
  RunResult r = run(
      "model m(x: f32[B, 3, 4], t: f32[B, 3, 4]) {\n"
      "  param v: f32[4] = zeros\n"
      "  param c: f32[3, 1] = zeros\n"
      "  let a = exp(x) + log(x) + log1p(x) + sqrt(x) + rsqrt(x) + abs(x)\n"
      "  let b = reciprocal(x) + sin(x) + cos(x) + softplus(x) + silu(x)\n"
      "  let d = leaky_relu(x) + elu(x, alpha = -0.5) + gelu(x, approximate = "
      "1)\n"
      "  let e = clamp(x, max = 2) + clamp(x, min = -1, max = 1)\n"
      "  let f = pow(x, 2) + minimum(c, v) + maximum(x, 0)\n"
      "  let g = where(greater(x, c), v, 0) * less_equal(c, v)\n"
      "  let h = max(x, axis = 1) + variance(x, axes = [1], unbiased = 1)\n"
      "  let i = softmax(x, axis = -2) + log_softmax(x)\n"
      "  let j = equal(x, 1) + not_equal(x, v) + greater_equal(x, v) + less(x, "
      "v)\n"
      "  loss huber(a + b + d + e + f + g + i + j, t, delta = 0.5)\n}\n");
  ASSERT_TRUE(r.ok) << r.diags;
  const ast::Model &m = r.prog->models[0];
  for (const ast::Let &l : m.lets)
    expectAllResolved(*l.value);
  for (size_t i = 0; i < m.lets.size(); ++i)
    if (i != 6)
      EXPECT_EQ(typeOf(*m.lets[i].value), "f32[32, 3, 4]") << m.lets[i].name;
  EXPECT_EQ(typeOf(*m.lets[6].value), "f32[32, 4]");

  // Numeric keywords are canonical: present, with defaults filled in.
  const ast::Expr &d = *m.lets[2].value; // (leaky + elu) + gelu
  const ast::Expr &leaky = *d.args[0]->args[0];
  const ast::Expr &elu = *d.args[0]->args[1];
  const ast::Expr &gelu = *d.args[1];
  EXPECT_EQ(leaky.name, "leaky_relu");
  EXPECT_DOUBLE_EQ(kwValue(leaky, "negative_slope"), 0.01);
  EXPECT_DOUBLE_EQ(kwValue(elu, "alpha"), -0.5);
  EXPECT_DOUBLE_EQ(kwValue(gelu, "approximate"), 1);
  const ast::Expr &e = *m.lets[3].value;
  EXPECT_EQ(kwNames(*e.args[0]), std::vector<std::string>{"max"});
  EXPECT_EQ(kwNames(*e.args[1]), (std::vector<std::string>{"min", "max"}));
  EXPECT_DOUBLE_EQ(kwValue(*e.args[1], "min"), -1);
  // Broadcasting calls: pow(x, 2) keeps x's shape; minimum(c, v) is [3, 4].
  const ast::Expr &f = *m.lets[4].value;
  EXPECT_EQ(typeOf(*f.args[0]->args[1]), "f32[3, 4]");
  EXPECT_EQ(typeOf(*f.args[0]->args[0]->args[1]), "f32[]");
  // Reductions: axes first, then variance's unbiased.
  const ast::Expr &h = *m.lets[6].value;
  EXPECT_EQ(kwNames(*h.args[0]), std::vector<std::string>{"axes"});
  EXPECT_EQ(h.args[0]->batchAxis, -1);
  EXPECT_EQ(kwNames(*h.args[1]),
            (std::vector<std::string>{"axes", "unbiased"}));
  EXPECT_DOUBLE_EQ(kwValue(*h.args[1], "unbiased"), 1);
  // softmax: one non-negative axis; -1 by default.
  const ast::Expr &i = *m.lets[7].value;
  EXPECT_DOUBLE_EQ(kwValue(*i.args[0], "axis"), 1);
  EXPECT_DOUBLE_EQ(kwValue(*i.args[1], "axis"), 2);
  EXPECT_EQ(i.args[0]->batchAxis, -1);
  EXPECT_DOUBLE_EQ(kwValue(*m.loss, "delta"), 0.5);
}

TEST(FrontendSema, LayerBatchAxes) {
  // Reductions and softmaxes over B record the batch axis for the importer.
  RunResult r = run("model m(x: f32[B, 4], t: f32[B]) {\n"
                    "  let a = max(x, axis = 0) + logsumexp(x, axes = [0])\n"
                    "  let b = softmax(x, axis = 0) + log_softmax(x)\n"
                    "  let c = variance(x, axis = 1)\n"
                    "  output b\n"
                    "  loss l1(c + sum(a), t)\n}\n");
  ASSERT_TRUE(r.ok) << r.diags;
  const ast::Model &m = r.prog->models[0];
  EXPECT_EQ(m.lets[0].value->args[0]->batchAxis, 0);
  EXPECT_EQ(m.lets[0].value->args[1]->batchAxis, 0);
  EXPECT_EQ(m.lets[1].value->args[0]->batchAxis, 0);
  EXPECT_EQ(m.lets[1].value->args[1]->batchAxis, -1);
  EXPECT_EQ(m.lets[2].value->batchAxis, -1);
  EXPECT_EQ(typeOf(*m.lets[0].value), "f32[4]");
}

TEST(FrontendSema, LayerLosses) {
  // Every loss builtin may be the loss; nll and the label form of
  // softmax_cross_entropy take i32 labels, the probability form a float
  // tensor of the logits' shape.
  for (const char *loss :
       {"mse(x, t)", "l1(x, t)", "huber(x, t)", "huber(x, t, delta = 2)",
        "bce_with_logits(x, t)", "nll(log_softmax(x), y)",
        "softmax_cross_entropy(x, y)", "softmax_cross_entropy(x, t)",
        "softmax_cross_entropy(x, softmax(t))"}) {
    RunResult r = run("model m(x: f32[B, 4], t: f32[B, 4], y: i32[B]) {\n"
                      "  loss " +
                      std::string(loss) + "\n}\n");
    ASSERT_TRUE(r.ok) << loss << "\n" << r.diags;
    EXPECT_EQ(typeOf(*r.prog->models[0].loss), "f32[]") << loss;
    EXPECT_EQ(typeOf(*r.prog->models[0].output), "f32[32, 4]") << loss;
  }
}

TEST(FrontendSema, LayerErrors) {
  checkErrors({
      {model("  let h = leaky_relu(x, slope = 1)\n  loss mse(h, x)\n"),
       "t.adj:2:25: error: unknown keyword argument 'slope' for 'leaky_relu'; "
       "expected 'negative_slope'"},
      {model("  let h = clamp(x, min = 0, mx = 1)\n  loss mse(h, x)\n"),
       "t.adj:2:29: error: unknown keyword argument 'mx' for 'clamp'; did you "
       "mean 'max'?"},
      {model("  let h = clamp(x)\n  loss mse(h, x)\n"),
       "t.adj:2:11: error: 'clamp' needs a 'min' or a 'max' keyword argument"},
      {model("  let h = clamp(x, min = 3, max = 2)\n  loss mse(h, x)\n"),
       "t.adj:2:29: error: 'min' (3) must not be greater than 'max' (2)"},
      {model("  let h = elu(x, alpha = x)\n  loss mse(h, x)\n"),
       "t.adj:2:26: error: 'alpha' must be a number"},
      {model("  let h = gelu(x, approximate = 0.5)\n  loss mse(h, x)\n"),
       "t.adj:2:33: error: 'approximate' must be 0 or 1, got 0.5"},
      {model("  loss huber(x, x, delta = -1)\n"),
       "t.adj:2:28: error: 'delta' must be positive, got -1"},
      {model("  let h = variance(x, unbiased = 2)\n  loss mse(x, x)\n"),
       "t.adj:2:34: error: 'unbiased' must be 0 or 1, got 2"},
      {model("  let h = variance(x, axes = [0], axis = 1)\n  loss mse(x, "
             "x)\n"),
       "t.adj:2:35: error: cannot specify both 'axis' and 'axes'"},
      {model("  let h = softmax(x, axes = [0])\n  loss mse(h, x)\n"),
       "t.adj:2:22: error: unknown keyword argument 'axes' for 'softmax'; did "
       "you mean 'axis'?"},
      {model("  let h = softmax(x, axis = -3)\n  loss mse(h, x)\n"),
       "t.adj:2:29: error: axis -3 is out of range for f32[32, 4] (rank 2)"},
      {model("  let h = log_softmax(sum(x))\n  loss mse(x, x)\n"),
       "t.adj:2:23: error: argument of 'log_softmax' must have rank >= 1, got "
       "f32[]"},
      {model("  param p: f32[3] = zeros\n  let h = pow(x, p)\n  loss mse(h, "
             "x)\n"),
       "t.adj:3:11: error: cannot broadcast the arguments of 'pow': f32[32, "
       "4] and f32[3]"},
      {model("  param p: f32[3, 1] = zeros\n  let h = where(x, p, x)\n  loss "
             "mse(h, h)\n"),
       "t.adj:3:11: error: cannot broadcast the arguments of 'where': f32[32, "
       "4] and f32[3, 1]"},
      {model("  let h = maximum(x, y)\n  loss mse(h, x)\n"),
       "t.adj:2:22: error: integer tensor 'y' can only be used as the labels "
       "argument of softmax_cross_entropy or nll, or as the ids of "
       "embedding"},
      {model("  loss nll(x, x)\n"),
       "t.adj:2:15: error: labels of 'nll' must be an i32 tensor of rank 1 "
       "[N], got f32[32, 4]"},
      {model("  loss nll(sum(x, axis = 1), y)\n"),
       "t.adj:2:12: error: log-probabilities of 'nll' must be a "
       "floating-point tensor of rank 2 [N, C], got f32[32]"},
      {"model m(x: f32[B, 4], y: i32[5]) {\n  loss nll(x, y)\n}\n",
       "t.adj:2:8: error: log-probabilities f32[32, 4] and labels i32[5] of "
       "'nll' have different first dimensions"},
      {model("  loss l1(x, sum(x, axis = 1))\n"),
       "t.adj:2:8: error: arguments of 'l1' must have the same shape, got "
       "f32[32, 4] and f32[32]"},
      {model("  loss bce_with_logits(y, x)\n"),
       "t.adj:2:24: error: integer tensor 'y' can only be used as the labels "
       "argument of softmax_cross_entropy or nll, or as the ids of "
       "embedding"},
      {model("  loss max(x)\n"),
       "t.adj:2:8: error: loss must be a call to a loss function (mse, l1, "
       "huber, bce_with_logits, nll or softmax_cross_entropy)"},
      {model("  output x @ w\n  param w: f32[4, 3] = zeros\n  loss nll(x, "
             "y)\n"),
       "t.adj:2:14: error: 'w' is used before its definition"},
      {model("  param w: f32[4, 3] = zeros\n  output x\n  loss nll(x @ w, "
             "y)\n"),
       "t.adj:3:10: error: the output of an nll model must have the shape of "
       "its log-probabilities f32[32, 3], got f32[32, 4]"},
  });
}

TEST(FrontendSema, LayerKeepdims) {
  // keepdims = 1 keeps the reduced axes with size 1 (a kept B is a fixed 1):
  // a layer norm over the features and a batch norm over B.
  RunResult r = run(
      "model m(x: f32[B, 4], t: f32[B, 4]) {\n"
      "  let a = mean(x, axis = 1, keepdims = 1)\n"
      "  let b = variance(x, axis = 0, keepdims = 1, unbiased = 1)\n"
      "  let c = max(x, keepdims = 1) + sum(x, axis = 1, keepdims = 0)\n"
      "  let d = (x - a) * rsqrt(variance(x, axis = -1, keepdims = 1) + 1e-5)\n"
      "  loss mse(d + (x - mean(x, axis = 0, keepdims = 1)) * b, t)\n}\n");
  ASSERT_TRUE(r.ok) << r.diags;
  const ast::Model &m = r.prog->models[0];
  EXPECT_EQ(typeOf(*m.lets[0].value), "f32[32, 1]");
  EXPECT_EQ(typeOf(*m.lets[1].value), "f32[1, 4]");
  EXPECT_EQ(typeOf(*m.lets[2].value->args[0]), "f32[1, 1]");
  EXPECT_EQ(typeOf(*m.lets[2].value->args[1]), "f32[32]");
  EXPECT_EQ(typeOf(*m.lets[2].value), "f32[1, 32]");
  EXPECT_EQ(typeOf(*m.lets[3].value), "f32[32, 4]");
  EXPECT_EQ(kwNames(*m.lets[0].value),
            (std::vector<std::string>{"axes", "keepdims"}));
  EXPECT_EQ(kwNames(*m.lets[1].value),
            (std::vector<std::string>{"axes", "unbiased", "keepdims"}));
  EXPECT_EQ(m.lets[1].value->batchAxis, 0);
  // A kept batch axis is a fixed 1: it broadcasts against B.
  EXPECT_EQ(firstError(model("  let a = sum(x, axis = 0, keepdims = 1)\n"
                             "  param p: f32[32, 4] = zeros\n"
                             "  loss mse(a + p, x)\n")),
            "t.adj:4:8: error: arguments of 'mse' must have the same shape, "
            "got f32[32, 4] and f32[32, 4] (the batch dimension B is not in "
            "the same place)");
}

TEST(FrontendSema, UserLayers) {
  // Each call instantiates fresh params (<instance>.<param>) before the let
  // that uses them; lets and params are in evaluation order afterwards.
  RunResult r = run("layer lin(x, n: int, act = identity) {\n"
                    "  param w: [dim(x, -1), n] = zeros\n"
                    "  return act(x @ w)\n"
                    "}\n"
                    "model m(x: f64[B, 4], t: f64[B, 2]) {\n"
                    "  param s: f64[2] = ones\n"
                    "  let h = lin(x, 3, act = relu) as first\n"
                    "  repeat 2 { h = lin(h, 3) }\n"
                    "  let z = lin(h, 2) * s\n"
                    "  loss mse(z, t)\n"
                    "}\n",
                    8);
  ASSERT_TRUE(r.ok) << r.diags;
  const ast::Model &m = r.prog->models[0];
  std::vector<std::string> params, lets;
  for (const ast::Param &p : m.params) {
    std::string t = std::string(ast::dtypeName(p.type.dtype)) + "[";
    for (size_t i = 0; i < p.type.dims.size(); ++i)
      t += (i ? ", " : "") + std::to_string(p.type.dims[i].size);
    params.push_back(p.name + ":" + t + "]");
  }
  for (const ast::Let &l : m.lets)
    lets.push_back(l.name);
  EXPECT_EQ(params, (std::vector<std::string>{
                        "s:f64[2]", "first.w:f64[4, 3]", "lin_0.w:f64[3, 3]",
                        "lin_1.w:f64[3, 3]", "lin_2.w:f64[3, 2]"}));
  EXPECT_EQ(lets,
            (std::vector<std::string>{"first.out", "h", "lin_0.out", "h#1",
                                      "lin_1.out", "h#2", "lin_2.out", "z"}));
  // Evaluation order numbers params and lets together.
  EXPECT_LT(m.params[1].order, m.lets[0].order);
  EXPECT_LT(m.lets[1].order, m.params[2].order);
  // The let z refers to the last instance's result.
  ASSERT_EQ(m.lets.back().value->kind, ExprKind::Binary);
  EXPECT_EQ(m.lets.back().value->args[0]->name, "lin_2.out");
  EXPECT_EQ(typeOf(*m.lets.back().value), "f64[8, 2]");
  EXPECT_TRUE(m.blocks.empty());
}

TEST(FrontendSema, LayerErrorsNoteTheCall) {
  // An error inside a layer points at the layer's statement with a note at
  // the call; the model fails without a crash.
  RunResult r = run("layer bad(x) {\n"
                    "  return x @ x\n"
                    "}\n"
                    "model m(x: f32[B, 4]) {\n"
                    "  let h = bad(x)\n"
                    "  loss mse(h, x)\n"
                    "}\n");
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.first(), "t.adj:2:12: error: matmul shape mismatch: f32[32, 4] "
                       "@ f32[32, 4] (inner dimensions 4 and 32 differ)");
  EXPECT_NE(r.diags.find("t.adj:5:11: note: in layer 'bad' (instance "
                         "'bad_0') called here"),
            std::string::npos)
      << r.diags;
}
