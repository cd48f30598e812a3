//===- frontend_parser_test.cpp - Lexer/parser tests ----------------------===//

#include "frontend_TestUtil.h"

#include <gtest/gtest.h>

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

/// Compact s-expression of an (unresolved) expression tree.
std::string sexpr(const ast::Expr &e) {
  switch (e.kind) {
  case ExprKind::Number: {
    std::ostringstream os;
    os << e.number;
    return os.str();
  }
  case ExprKind::Ident:
    return e.name;
  case ExprKind::Unary:
    return "(neg " + sexpr(*e.args[0]) + ")";
  case ExprKind::Binary:
    return "(" + e.op + " " + sexpr(*e.args[0]) + " " + sexpr(*e.args[1]) + ")";
  case ExprKind::Call:
  case ExprKind::List: {
    std::string s =
        "(" + (e.kind == ExprKind::Call ? e.name
               : e.op == ":"           ? std::string(":")
                                       : std::string("list"));
    for (const auto &a : e.args)
      s += " " + (a ? sexpr(*a) : std::string("_"));
    for (const auto &k : e.kwargs)
      s += " " + k.name + "=" + sexpr(*k.value);
    return s + ")";
  }
  }
  return "?";
}

std::string sexprOf(const std::string &expr) {
  RunResult r = run("model m(x: f32[B]) {\n  let e = " + expr + "\n}\n",
                    std::nullopt, /*sema=*/false);
  if (!r.parsed)
    return "error: " + r.first();
  return sexpr(*r.prog->models[0].lets[0].value);
}

TEST(FrontendParser, ParsesExample) {
  RunResult r = run(kExample, std::nullopt, /*sema=*/false);
  ASSERT_TRUE(r.parsed) << r.diags;
  EXPECT_EQ(r.diags, "");
  const ast::Program &p = *r.prog;
  EXPECT_EQ(p.filename, "t.adj");
  ASSERT_EQ(p.models.size(), 1u);
  const ast::Model &m = p.models[0];
  EXPECT_EQ(m.name, "mlp");
  EXPECT_EQ(m.loc.line, 2u);
  EXPECT_EQ(m.loc.col, 7u);
  ASSERT_EQ(m.inputs.size(), 2u);
  EXPECT_EQ(m.inputs[0].name, "x");
  EXPECT_EQ(m.inputs[0].type.dtype, ast::DType::F32);
  ASSERT_EQ(m.inputs[0].type.dims.size(), 2u);
  EXPECT_EQ(m.inputs[0].type.dims[0].symbol, "B");
  EXPECT_EQ(m.inputs[0].type.dims[1].size, 784);
  EXPECT_EQ(m.inputs[0].type.dims[1].loc.col, 21u);
  EXPECT_EQ(m.inputs[1].type.dtype, ast::DType::I32);
  ASSERT_EQ(m.params.size(), 4u);
  EXPECT_EQ(m.params[0].name, "w1");
  EXPECT_EQ(m.params[0].init.kind, "he_normal");
  EXPECT_EQ(m.params[3].init.kind, "uniform");
  ASSERT_EQ(m.params[3].init.args.size(), 2u);
  EXPECT_DOUBLE_EQ(m.params[3].init.args[0], -0.1);
  EXPECT_DOUBLE_EQ(m.params[3].init.args[1], 0.1);
  ASSERT_EQ(m.lets.size(), 2u);
  EXPECT_EQ(sexpr(*m.lets[0].value), "(relu (+ (@ x w1) b1))");
  EXPECT_EQ(sexpr(*m.lets[1].value), "(+ (@ h w2) b2)");
  ASSERT_TRUE(m.output);
  EXPECT_EQ(sexpr(*m.output), "logits");
  ASSERT_TRUE(m.loss);
  EXPECT_EQ(sexpr(*m.loss), "(softmax_cross_entropy logits y)");
  EXPECT_EQ(m.lossLoc.line, 10u);
  EXPECT_EQ(m.lossLoc.col, 3u);
  EXPECT_EQ(m.loss->loc.col, 8u);

  ASSERT_EQ(p.trains.size(), 1u);
  const ast::TrainConfig &t = p.trains[0];
  EXPECT_EQ(t.model, "mlp");
  EXPECT_EQ(t.modelLoc.line, 12u);
  EXPECT_EQ(t.modelLoc.col, 7u);
  EXPECT_TRUE(t.hasOptimizer && t.hasBatch && t.hasEpochs && t.hasSeed);
  EXPECT_EQ(t.optimizer.name, "sgd");
  EXPECT_DOUBLE_EQ(t.optimizer.args.at("lr"), 0.1);
  EXPECT_DOUBLE_EQ(t.optimizer.args.at("momentum"), 0.9);
  EXPECT_EQ(t.batch, 128);
  EXPECT_EQ(t.epochs, 5);
  EXPECT_EQ(t.seed, 1u);
  EXPECT_EQ(p.findModel("mlp"), &p.models[0]);
  EXPECT_EQ(p.findModel("nope"), nullptr);
  EXPECT_EQ(p.findTrain("mlp"), &p.trains[0]);
  EXPECT_EQ(p.findTrain("nope"), nullptr);
}

TEST(FrontendParser, Precedence) {
  EXPECT_EQ(sexprOf("a + b * c"), "(+ a (* b c))");
  EXPECT_EQ(sexprOf("a * b + c"), "(+ (* a b) c)");
  EXPECT_EQ(sexprOf("a * b @ c"), "(* a (@ b c))");
  EXPECT_EQ(sexprOf("a @ b * c"), "(* (@ a b) c)");
  EXPECT_EQ(sexprOf("a / b @ c @ d"), "(/ a (@ (@ b c) d))");
  EXPECT_EQ(sexprOf("-a @ b"), "(@ (neg a) b)");
  EXPECT_EQ(sexprOf("a @ -b"), "(@ a (neg b))");
  EXPECT_EQ(sexprOf("--a"), "(neg (neg a))");
  EXPECT_EQ(sexprOf("a - b - c"), "(- (- a b) c)");
  EXPECT_EQ(sexprOf("a / b / c"), "(/ (/ a b) c)");
  EXPECT_EQ(sexprOf("a - (b - c)"), "(- a (- b c))");
  EXPECT_EQ(sexprOf("(a + b) * c"), "(* (+ a b) c)");
  EXPECT_EQ(sexprOf("a - -b"), "(- a (neg b))");
  EXPECT_EQ(sexprOf("f(a + b, c @ d)"), "(f (+ a b) (@ c d))");
  EXPECT_EQ(sexprOf("sum(a, axis = -1)"), "(sum a axis=(neg 1))");
  EXPECT_EQ(sexprOf("mean(a, axes = [0, 1])"), "(mean a axes=(list 0 1))");
  EXPECT_EQ(sexprOf("f()"), "(f)");
  EXPECT_EQ(sexprOf("f(a,)"), "(f a)");
}

TEST(FrontendParser, NumberLiterals) {
  RunResult r = run("model m(x: f32[B]) {\n  let e = f(1, 2.5, 1e-3, .5, 3., "
                    "2E+2, 0)\n}\n",
                    std::nullopt, false);
  ASSERT_TRUE(r.parsed) << r.diags;
  const ast::Expr &e = *r.prog->models[0].lets[0].value;
  ASSERT_EQ(e.args.size(), 7u);
  double values[] = {1, 2.5, 1e-3, 0.5, 3, 200, 0};
  bool ints[] = {true, false, false, false, false, false, true};
  for (size_t i = 0; i < 7; ++i) {
    EXPECT_EQ(e.args[i]->kind, ExprKind::Number);
    EXPECT_DOUBLE_EQ(e.args[i]->number, values[i]) << i;
    EXPECT_EQ(e.args[i]->isInteger, ints[i]) << i;
  }
}

TEST(FrontendParser, NewlinesInsideBracketsAndSemicolons) {
  RunResult r = run("model m(\n  x: f32[B,\n 4],\n) {\n"
                    "  let a = relu(\n    x\n  ) ; let b = (a +\n a)\n"
                    "  loss mse(\n a, b)\n}\n"
                    "train m {\n optimizer sgd(\n lr = 1) ; batch 2\n"
                    "  epochs 3; seed 0 }\n",
                    std::nullopt, false);
  ASSERT_TRUE(r.parsed) << r.diags;
  const ast::Model &m = r.prog->models[0];
  ASSERT_EQ(m.lets.size(), 2u);
  EXPECT_EQ(sexpr(*m.lets[1].value), "(+ a a)");
  EXPECT_EQ(r.prog->trains[0].batch, 2);
  EXPECT_EQ(r.prog->trains[0].epochs, 3);
  EXPECT_EQ(r.prog->trains[0].seed, 0u);
}

TEST(FrontendParser, CommentsAndBlankLines) {
  RunResult r = run("// a comment\n\n# another\nmodel m(x: f32[B]) { // c\n"
                    "  loss mse(x, x) # c\n\n}\n\n",
                    std::nullopt, false);
  ASSERT_TRUE(r.parsed) << r.diags;
  EXPECT_EQ(r.prog->models[0].loss->loc.line, 5u);
}

TEST(FrontendParser, ScalarAndEmptyTypes) {
  RunResult r = run("model m(x: f32[B]) {\n  param s: f32 = ones\n"
                    "  param t: f64[] = zeros\n  loss mse(x, x)\n}\n",
                    std::nullopt, false);
  ASSERT_TRUE(r.parsed) << r.diags;
  EXPECT_TRUE(r.prog->models[0].params[0].type.dims.empty());
  EXPECT_TRUE(r.prog->models[0].params[1].type.dims.empty());
  EXPECT_EQ(r.prog->models[0].params[1].type.dtype, ast::DType::F64);
}

TEST(FrontendParser, DiagnosticFormat) {
  RunResult r = run("model m(x: f32[B]) {\n  let h = relu(x\n}\n");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.diags, "t.adj:3:1: error: expected ',' or ')' in argument "
                     "list, found '}'\n"
                     "}\n"
                     "^\n"
                     "t.adj:2:15: note: to match this '('\n"
                     "  let h = relu(x\n"
                     "              ^\n");
}

TEST(FrontendParser, CaretFollowsTabs) {
  RunResult r = run("model m(x: f32[B]) {\n\tlet h = $\n}\n");
  EXPECT_EQ(r.diags, "t.adj:2:10: error: invalid character '$'\n"
                     "\tlet h = $\n"
                     "\t        ^\n");
}

TEST(FrontendParser, SyntaxErrors) {
  struct Case {
    const char *src;
    const char *expected;
  } cases[] = {
      {"", ""},
      {"foo",
       "t.adj:1:1: error: expected 'model', 'layer' or 'train', found 'foo'"},
      {"model", "t.adj:1:6: error: expected model name after 'model', found "
                "end of file"},
      {"model 3", "t.adj:1:7: error: expected model name after 'model', found "
                  "'3'"},
      {"model m x", "t.adj:1:9: error: expected '(' after model name, found "
                    "'x'"},
      {"model m(", "t.adj:1:9: error: expected input name, found end of "
                   "file"},
      {"model m(x f32)", "t.adj:1:11: error: expected ':' after input name, "
                         "found 'f32'"},
      {"model m(x: float[B])", "t.adj:1:12: error: unknown element type "
                               "'float'; expected f32, f64 or i32"},
      {"model m(x: f32[B, -1])", "t.adj:1:19: error: expected a dimension (a "
                                 "positive integer or 'B'), found '-'"},
      {"model m(x: f32[B 3])", "t.adj:1:18: error: expected ',' or ']' in "
                               "type, found '3'"},
      {"model m(x: f32[B] y: f32[B])", "t.adj:1:19: error: expected ',' or "
                                       "')' after model input, found 'y'"},
      {"model m(x: f32[B]) loss", "t.adj:1:20: error: expected '{' after "
                                  "model inputs, found 'loss'"},
      {"model m(x: f32[B]) {", "t.adj:1:21: error: expected '}' at end of "
                               "model 'm', found end of file"},
      {"model m(x: f32[B]) {\n  h x\n}",
       "t.adj:2:3: error: expected 'param', 'let', 'output', 'loss', 'repeat', "
       "'for' or an assignment, found "
       "'h'"},
      {"model m(x: f32[B]) {\n  3\n}",
       "t.adj:2:3: error: expected 'param', 'let', 'output', 'loss', 'repeat', "
       "'for' or an assignment, found "
       "'3'"},
      {"model m(x: f32[B]) {\n  let = x\n}",
       "t.adj:2:7: error: expected a name after 'let', found '='"},
      {"model m(x: f32[B]) {\n  let h x\n}",
       "t.adj:2:9: error: expected '=' after 'let h', found 'x'"},
      {"model m(x: f32[B]) {\n  let h =\n}",
       "t.adj:2:10: error: expected an expression, found newline"},
      {"model m(x: f32[B]) {\n  let h = x +\n}",
       "t.adj:2:14: error: expected an expression, found newline"},
      {"model m(x: f32[B]) {\n  let h = (x + 1\n}",
       "t.adj:3:1: error: expected ')', found '}'"},
      {"model m(x: f32[B]) {\n  let h = x y\n}",
       "t.adj:2:13: error: expected newline or ';' after statement, found "
       "'y'"},
      {"model m(x: f32[B]) {\n  let h = sum(axis = 1, x)\n}",
       "t.adj:2:25: error: positional argument cannot follow keyword "
       "arguments"},
      {"model m(x: f32[B]) {\n  let h = [1, 2\n}",
       "t.adj:3:1: error: expected ',' or ']' in list, found '}'"},
      {"model m(x: f32[B]) {\n  param\n}",
       "t.adj:2:8: error: expected parameter name after 'param', found "
       "newline"},
      {"model m(x: f32[B]) {\n  param w f32\n}",
       "t.adj:2:11: error: expected ':' after parameter name, found 'f32'"},
      {"model m(x: f32[B]) {\n  param w: f32[3]\n}",
       "t.adj:2:18: error: expected '=' and an initializer after the "
       "parameter type, found newline"},
      {"model m(x: f32[B]) {\n  param w: f32[3] = 0\n}",
       "t.adj:2:21: error: expected an initializer (e.g. zeros, he_normal), "
       "found '0'"},
      {"model m(x: f32[B]) {\n  param w: f32[3] = uniform(a, 1)\n}",
       "t.adj:2:29: error: initializer arguments must be number literals, "
       "found 'a'"},
      {"model m(x: f32[B]) {\n  param w: f32[3] = uniform(0 1)\n}",
       "t.adj:2:31: error: expected ',' or ')' in initializer arguments, "
       "found '1'"},
      {"model m(x: f32[B]) {\n  loss mse(x, x)\n  loss mse(x, x)\n}",
       "t.adj:3:3: error: duplicate 'loss' statement"},
      {"model m(x: f32[B]) {\n  output x\n  output x\n}",
       "t.adj:3:3: error: duplicate 'output' statement"},
      {"model a(x: f32[B]) {\nmodel b(x: f32[B]) {}",
       "t.adj:2:1: error: expected '}' at end of model 'a', found 'model'"},
      {"model m(x: f32[B]) {\n  let h = x # \xc3\xa9\n  let g = \xc3\xa9\n}",
       "t.adj:3:11: error: invalid byte 0xc3"},
      {"model m(x: f32[B]) {\n  let h = 12abc\n}",
       "t.adj:2:11: error: invalid number literal '12abc'"},
      {"model m(x: f32[B]) {\n  let h = 1e\n}",
       "t.adj:2:11: error: invalid number literal '1e'"},
      {"model m(x: f32[B]) {\n  let h = 1.2.3\n}",
       "t.adj:2:11: error: invalid number literal '1.2.3'"},
      {"model m(x: f32[B]) {\n  let h = 99999999999999999999\n}",
       "t.adj:2:11: error: integer literal is too large"},
      {"model m(x: f32[99999999999999999999]) {}",
       "t.adj:1:16: error: integer literal is too large"},
      {"model m(x: f32[B]) {\n  let h = 1e999\n}",
       "t.adj:2:11: error: floating-point literal is too large"},
      // train sections
      {"train", "t.adj:1:6: error: expected model name after 'train', found "
                "end of file"},
      {"train m batch 3", "t.adj:1:9: error: expected '{' after 'train m', "
                          "found 'batch'"},
      {"train m { batch 3", "t.adj:1:18: error: expected '}' at end of train "
                            "section, found end of file"},
      {"train m { lr 3 }",
       "t.adj:1:11: error: unknown train setting 'lr'; "
       "expected 'optimizer', 'schedule', 'warmup', "
       "'clip', 'param', 'freeze', 'batch', 'accumulate', 'epochs' or 'seed'"},
      {"train m { 3 }", "t.adj:1:11: error: expected 'optimizer', 'schedule', "
                        "'warmup', 'clip', 'param', 'freeze', 'batch', "
                        "'accumulate', 'epochs' or 'seed', "
                        "found '3'"},
      {"train m { batch 3 batch 4 }",
       "t.adj:1:19: error: duplicate 'batch' setting"},
      {"train m { batch 0 }",
       "t.adj:1:17: error: batch size must be a positive integer"},
      {"train m { batch -4 }",
       "t.adj:1:17: error: batch size must be a positive integer"},
      {"train m { batch 2.5 }",
       "t.adj:1:17: error: batch size must be a positive integer"},
      {"train m { batch x }",
       "t.adj:1:17: error: expected an integer after 'batch', found 'x'"},
      {"train m { epochs 0 }",
       "t.adj:1:18: error: number of epochs must be a positive integer"},
      {"train m { seed -1 }",
       "t.adj:1:16: error: seed must be a non-negative integer"},
      {"train m { optimizer }",
       "t.adj:1:21: error: expected optimizer name after 'optimizer', found "
       "'}'"},
      {"train m { optimizer sgd(0.1) }",
       "t.adj:1:25: error: expected optimizer argument of the form 'name = "
       "value', found '0.1'"},
      {"train m { optimizer sgd(lr = x) }",
       "t.adj:1:30: error: expected a number for optimizer argument 'lr', "
       "found 'x'"},
      {"train m { optimizer sgd(lr = 1, lr = 2) }",
       "t.adj:1:33: error: duplicate optimizer argument 'lr'"},
      {"train m { optimizer sgd(lr = 1 momentum = 2) }",
       "t.adj:1:32: error: expected ',' or ')' in optimizer arguments, found "
       "'momentum'"},
  };
  for (const Case &c : cases) {
    RunResult r = run(c.src, std::nullopt, /*sema=*/false);
    if (*c.expected == 0) {
      EXPECT_TRUE(r.parsed) << c.src << "\n" << r.diags;
      continue;
    }
    EXPECT_FALSE(r.parsed) << c.src;
    EXPECT_EQ(r.first(), c.expected) << "source:\n" << c.src;
  }
}

TEST(FrontendParser, DuplicateNotes) {
  RunResult r = run("model m(x: f32[B]) {\n  loss mse(x, x)\n  loss mse(x, "
                    "x)\n}\n");
  EXPECT_NE(r.diags.find("t.adj:2:3: note: previous 'loss' statement is here"),
            std::string::npos)
      << r.diags;
  r = run("train m { seed 1; seed 2 }");
  EXPECT_NE(r.diags.find("t.adj:1:11: note: previous 'seed' setting is here"),
            std::string::npos)
      << r.diags;
}

TEST(FrontendParser, RecoversAtStatementBoundaries) {
  // Two independent syntax errors in two statements: both are reported, and
  // nothing else.
  RunResult r = run("model m(x: f32[B]) {\n  let a = x +\n  let b = * x\n"
                    "  loss mse(x, x)\n}\ntrain m { batch 0 }\n");
  EXPECT_FALSE(r.parsed);
  EXPECT_EQ(r.numErrors, 3u) << r.diags;
  EXPECT_NE(r.diags.find("t.adj:2:14: error: expected an expression, found "
                         "newline"),
            std::string::npos);
  EXPECT_NE(r.diags.find("t.adj:3:11: error: expected an expression, found "
                         "'*'"),
            std::string::npos);
  EXPECT_NE(r.diags.find("t.adj:6:17: error: batch size must be a positive "
                         "integer"),
            std::string::npos);
}

TEST(FrontendParser, HeaderErrorSkipsToNextDeclaration) {
  RunResult r = run("model m(x: f32[B] {\n  let a = x\n  loss mse(a, a)\n}\n"
                    "train m { batch -1 }\n");
  EXPECT_EQ(r.numErrors, 2u) << r.diags;
  EXPECT_EQ(r.first(), "t.adj:1:19: error: expected ',' or ')' after model "
                       "input, found '{'");
}

TEST(FrontendParser, NestingLimit) {
  std::string deep(300, '(');
  RunResult r = run("model m(x: f32[B]) {\n  let h = " + deep + "x" +
                    std::string(300, ')') + "\n}\n");
  EXPECT_FALSE(r.parsed);
  EXPECT_EQ(r.numErrors, 1u) << r.diags;
  EXPECT_EQ(r.first(), "t.adj:2:267: error: expression nested too deeply");

  r = run("model m(x: f32[B]) {\n  let h = " + std::string(1000, '-') +
          "x\n}\n");
  EXPECT_EQ(r.first(), "t.adj:2:267: error: expression nested too deeply");

  std::string calls;
  for (int i = 0; i < 300; ++i)
    calls += "relu(";
  r = run("model m(x: f32[B]) {\n  let h = " + calls + "x" +
          std::string(300, ')') + "\n}\n");
  EXPECT_EQ(r.first(), "t.adj:2:1291: error: expression nested too deeply");

  // 200 levels are fine.
  r = run("model m(x: f32[B]) {\n  let h = " + std::string(200, '(') + "x" +
          std::string(200, ')') + "\n  loss mse(h, x)\n}\n");
  EXPECT_TRUE(r.ok) << r.diags;

  // Long flat chains are fine up to the tree height limit.
  std::string chain = "x";
  for (int i = 0; i < 500; ++i)
    chain += " + x";
  r = run("model m(x: f32[B]) {\n  let h = " + chain +
          "\n  loss mse(h, x)\n}\n");
  EXPECT_TRUE(r.ok) << r.diags;
  for (int i = 0; i < 600; ++i)
    chain += " + x";
  r = run("model m(x: f32[B]) {\n  let h = " + chain +
          "\n  loss mse(h, x)\n}\n");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.numErrors, 1u);
  EXPECT_NE(r.first().find("error: expression nested too deeply"),
            std::string::npos)
      << r.first();
}

TEST(FrontendParser, ErrorLimit) {
  std::string src = "model m(x: f32[B]) {\n";
  for (int i = 0; i < 100; ++i)
    src += "  let a = +\n";
  src += "}\n";
  RunResult r = run(src);
  EXPECT_FALSE(r.parsed);
  EXPECT_EQ(r.numErrors, DiagnosticEngine::errorLimit());
  size_t count = 0;
  for (size_t p = r.diags.find(": error: "); p != std::string::npos;
       p = r.diags.find(": error: ", p + 1))
    ++count;
  EXPECT_EQ(count, DiagnosticEngine::errorLimit());
}

TEST(FrontendParser, ReadSourceFile) {
  SourceFile f;
  std::string err;
  EXPECT_FALSE(readSourceFile("/nonexistent/dir/file.adj", f, err));
  EXPECT_EQ(err, "/nonexistent/dir/file.adj: cannot open file: No such file "
                 "or directory");
  SourceFile s{"x", "a\nbc\r\n\nd"};
  EXPECT_EQ(s.numLines(), 4u);
  EXPECT_EQ(s.lineText(1), "a");
  EXPECT_EQ(s.lineText(2), "bc");
  EXPECT_EQ(s.lineText(3), "");
  EXPECT_EQ(s.lineText(4), "d");
  EXPECT_EQ(s.lineText(5), "");
  EXPECT_EQ(s.lineText(0), "");
}

} // namespace

TEST(FrontendParser, LayersAndRepeats) {
  RunResult r = run("layer d(x, n: int, act = relu, eps = 1e-5, k = 2) {\n"
                    "  param w: [dim(x, -1), n,] = uniform(-eps, eps)\n"
                    "  repeat k { x = act(x) }\n"
                    "  return x @ w\n"
                    "}\n"
                    "model m(x: f32[B, 4]) {\n"
                    "  let a, b = split(x[:, 1:3], 2, axis = 1)\n"
                    "  for i in range(1, 3) { a = d(a, 2) as l }\n"
                    "  loss mse(a, b)\n"
                    "}\n"
                    "train m { optimizer sgd(lr = 1) freeze l_1.w, l_2 }\n",
                    std::nullopt, /*sema=*/false);
  ASSERT_TRUE(r.parsed) << r.diags;
  ASSERT_EQ(r.prog->layers.size(), 1u);
  const ast::Layer &l = r.prog->layers[0];
  ASSERT_EQ(l.args.size(), 5u);
  EXPECT_EQ(l.args[0].kind, ast::LayerArg::Tensor);
  EXPECT_EQ(l.args[1].kind, ast::LayerArg::Int);
  EXPECT_EQ(l.args[2].kind, ast::LayerArg::Fn);
  EXPECT_EQ(l.args[3].kind, ast::LayerArg::Float);
  EXPECT_EQ(l.args[4].kind, ast::LayerArg::Int);
  ASSERT_EQ(l.body.size(), 3u);
  EXPECT_EQ(l.body[0].kind, ast::Stmt::Param);
  EXPECT_TRUE(l.body[0].param.type.dtypeOmitted);
  EXPECT_EQ(l.body[0].param.type.dims.size(), 2u);
  EXPECT_EQ(l.body[0].param.init.argExprs.size(), 2u);
  EXPECT_EQ(l.body[1].kind, ast::Stmt::Repeat);
  EXPECT_EQ(l.body[1].body.size(), 1u);
  EXPECT_EQ(l.body[1].body[0].kind, ast::Stmt::Assign);
  EXPECT_EQ(l.body[2].kind, ast::Stmt::Return);
  const ast::Model &m = r.prog->models[0];
  ASSERT_EQ(m.lets.size(), 1u);
  EXPECT_EQ(m.lets[0].moreNames.size(), 1u);
  EXPECT_EQ(sexpr(*m.lets[0].value),
            "(split ([] x (: _ _ _) (: 1 3 _)) 2 axis=1)");
  ASSERT_EQ(m.blocks.size(), 1u);
  EXPECT_EQ(m.blocks[0].var, "i");
  ASSERT_TRUE(m.blocks[0].start);
  EXPECT_EQ(m.blocks[0].body[0].value->instance, "l");
  const ast::TrainConfig &t = r.prog->trains[0];
  ASSERT_EQ(t.frozen.size(), 2u);
  EXPECT_EQ(t.frozen[0].first, "l_1.w");
  EXPECT_EQ(t.frozen[1].first, "l_2");
}
