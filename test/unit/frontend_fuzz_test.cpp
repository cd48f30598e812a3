//===- frontend_fuzz_test.cpp - Robustness on malformed input -------------===//
//
// Random bytes, random token soups, mutations and truncations of a valid
// program: the frontend must never crash or hang, must report an error
// whenever it rejects input, and must produce a printable AST whenever it
// accepts input.
//
//===----------------------------------------------------------------------===//

#include "frontend_TestUtil.h"

#include <gtest/gtest.h>

#include <random>

using namespace adjoint;
using namespace adjoint::frontend;
using namespace adjoint::frontend::test;

namespace {

const char *kExample = R"(# comments start with '#' (also allow '//')
model mlp(x: f32[B, 784], y: i32[B]) {
  param w1: f32[784, 256] = he_normal
  param b1: f32[256] = zeros
  param w2: f32[256, 10] = glorot_uniform
  param b2: f32[10] = uniform(-0.1, 0.1)
  let h = relu(x @ w1 + b1)
  let logits = h @ w2 + b2
  let s = sum(h, axes = [0, -1]) + mean(logits, axis = 1)
  output logits              # optional; default = first argument of the loss call
  loss softmax_cross_entropy(logits, y)
}
train mlp { optimizer sgd(lr = 0.1, momentum = 0.9)  batch 128  epochs 5  seed 1 }
)";

/// Runs the whole frontend on `text` and checks the basic invariants.
void checkRobust(const std::string &text) {
  RunResult r = run(text);
  if (r.ok) {
    EXPECT_EQ(r.numErrors, 0u);
    EXPECT_FALSE(dump(*r.prog).empty() && !r.prog->models.empty());
  } else {
    ASSERT_GT(r.numErrors, 0u) << text;
    EXPECT_NE(r.diags.find("error: "), std::string::npos) << text;
    EXPECT_EQ(r.diags.rfind("t.adj", 0), 0u) << r.diags;
  }
  // Printing a parsed-but-not-analyzed program must work too.
  RunResult p = run(text, std::nullopt, /*sema=*/false);
  if (p.parsed)
    (void)dump(*p.prog);
}

TEST(FrontendFuzz, ExampleIsValid) {
  RunResult r = run(kExample);
  EXPECT_TRUE(r.ok) << r.diags;
}

TEST(FrontendFuzz, RandomBytes) {
  std::mt19937 rng(12345);
  for (int i = 0; i < 400; ++i) {
    std::uniform_int_distribution<int> len(0, 200);
    std::string s(static_cast<size_t>(len(rng)), '\0');
    std::uniform_int_distribution<int> byte(0, 255);
    for (char &c : s)
      c = static_cast<char>(byte(rng));
    checkRobust(s);
  }
}

TEST(FrontendFuzz, RandomPrintable) {
  std::mt19937 rng(777);
  const std::string alphabet = "abBxy019._-+*/@()[]{},:;=#\n \t";
  for (int i = 0; i < 400; ++i) {
    std::uniform_int_distribution<int> len(0, 120);
    std::uniform_int_distribution<size_t> pick(0, alphabet.size() - 1);
    std::string s;
    int n = len(rng);
    for (int k = 0; k < n; ++k)
      s += alphabet[pick(rng)];
    checkRobust(s);
  }
}

TEST(FrontendFuzz, RandomTokenSequences) {
  const std::vector<std::string> vocab = {
      "model", "train", "param", "let", "output", "loss", "optimizer",
      "batch", "epochs", "seed", "sgd", "lr", "momentum", "m", "x", "y", "w",
      "h", "B", "f32", "f64", "i32", "relu", "sigmoid", "tanh", "sum",
      "mean", "mse", "softmax_cross_entropy", "axis", "axes", "zeros",
      "ones", "uniform", "normal", "he_normal", "glorot_uniform", "0", "1",
      "2", "4", "-1", "0.5", "1e-3", "1e400", "(", ")", "[", "]", "{", "}",
      ",", ":", ";", "=", "@", "+", "-", "*", "/", "\n", "#c\n", "$",
      "layer", "repeat", "for", "in", "range", "return", "as", "int", "fn",
      ".", "split", "concat", "transpose", "dense", "::", "freeze"};
  std::mt19937 rng(4242);
  std::uniform_int_distribution<size_t> pick(0, vocab.size() - 1);
  for (int i = 0; i < 500; ++i) {
    std::uniform_int_distribution<int> len(0, 60);
    std::string s;
    int n = len(rng);
    for (int k = 0; k < n; ++k)
      s += vocab[pick(rng)] + " ";
    checkRobust(s);
  }
}

TEST(FrontendFuzz, LayerAndRepeatSoup) {
  // Layer definitions, calls, repeats and indexing: random bodies inside a
  // valid layer and model frame.
  const std::vector<std::string> vocab = {
      "x",          "h",          "n",          "w",      "1",
      "2",          "-1",         "dense(",     "f(",     "relu(",
      "dim(x, -1)", "transpose(", "concat([",   "split(", "[",
      "]",          ":",          "::",         "(",      ")",
      "+",          "*",          "@",          ",",      "as",
      "a",          "=",          "repeat 2 {", "}",      "for i in range(",
      "let",        "return",     "param",      "\n",     "identity",
      "n ="};
  std::mt19937 rng(777);
  std::uniform_int_distribution<size_t> pick(0, vocab.size() - 1);
  for (int i = 0; i < 400; ++i) {
    std::uniform_int_distribution<int> len(1, 14);
    std::string e;
    int n = len(rng);
    for (int k = 0; k < n; ++k)
      e += vocab[pick(rng)] + " ";
    std::string src = "layer f(x, n: int = 2) {\n"
                      "  param w: [dim(x, -1), n] = zeros\n"
                      "  let h = " +
                      e +
                      "\n"
                      "  return x @ w\n}\n"
                      "model m(x: f32[B, 4], y: f32[B, 2]) {\n"
                      "  let h = f(x) + 0\n"
                      "  let a = " +
                      e +
                      "\n"
                      "  repeat 2 { h = f(h, 2) + h[:, ::1] }\n"
                      "  loss mse(h, y)\n}\n";
    checkRobust(src);
  }
}

TEST(FrontendFuzz, TokenSoupInsideModel) {
  // Keep the outer structure valid so Sema sees many odd expressions.
  const std::vector<std::string> vocab = {
      "x", "y", "w", "h", "1", "2", "-1", "0.5", "relu(", "sum(", "mean(",
      "mse(", "softmax_cross_entropy(", "axis =", "axes = [", "]", "(", ")",
      "+", "-", "*", "/", "@", ","};
  std::mt19937 rng(99);
  std::uniform_int_distribution<size_t> pick(0, vocab.size() - 1);
  int accepted = 0;
  for (int i = 0; i < 600; ++i) {
    std::uniform_int_distribution<int> len(1, 12);
    std::string e;
    int n = len(rng);
    for (int k = 0; k < n; ++k)
      e += vocab[pick(rng)] + " ";
    std::string src = "model m(x: f32[B, 4], y: i32[B]) {\n"
                      "  param w: f32[4, 4] = zeros\n"
                      "  let h = " + e + "\n"
                      "  loss mse(x, x)\n}\n";
    checkRobust(src);
    accepted += run(src).ok;
  }
  EXPECT_GT(accepted, 0);
}

TEST(FrontendFuzz, MutationsOfExample) {
  const std::string base = kExample;
  std::mt19937 rng(2024);
  const std::string chars = "()[]{},:;=@+-*/#\n xB1.e";
  for (int i = 0; i < 600; ++i) {
    std::string s = base;
    std::uniform_int_distribution<int> nmut(1, 4);
    int n = nmut(rng);
    for (int k = 0; k < n && !s.empty(); ++k) {
      std::uniform_int_distribution<size_t> pos(0, s.size() - 1);
      std::uniform_int_distribution<size_t> ch(0, chars.size() - 1);
      std::uniform_int_distribution<int> kind(0, 2);
      size_t p = pos(rng);
      switch (kind(rng)) {
      case 0:
        s.erase(p, 1);
        break;
      case 1:
        s.insert(p, 1, chars[ch(rng)]);
        break;
      default:
        s[p] = chars[ch(rng)];
        break;
      }
    }
    checkRobust(s);
  }
}

TEST(FrontendFuzz, EveryTruncationOfExample) {
  const std::string base = kExample;
  for (size_t n = 0; n <= base.size(); ++n)
    checkRobust(base.substr(0, n));
}

TEST(FrontendFuzz, DeepNestingOfEveryBracket) {
  for (const char *open : {"(", "[", "{", "relu(", "-", "sum(x, axes = ["}) {
    std::string s = "model m(x: f32[B]) {\n  let h = ";
    for (int i = 0; i < 5000; ++i)
      s += open;
    s += "\n}\n";
    checkRobust(s);
    RunResult r = run(s);
    EXPECT_LE(r.numErrors, 3u) << open << "\n" << r.diags;
  }
  // Unbalanced braces at top level and in types.
  checkRobust(std::string(5000, '{'));
  checkRobust(std::string(5000, '}'));
  checkRobust("model m(x: f32" + std::string(5000, '[') + ")");
  checkRobust("model m" + std::string(5000, '(') + ")");
}

TEST(FrontendFuzz, HugeNumbersAndLongNames) {
  checkRobust("model m(x: f32[B, " + std::string(5000, '9') + "]) {}");
  checkRobust("model m(x: f32[B]) {\n  let h = x * " + std::string(400, '9') +
              ".5\n  loss mse(h, x)\n}\n");
  checkRobust("model m(x: f32[B]) {\n  let h = x * 1e-99999\n"
              "  loss mse(h, x)\n}\n");
  checkRobust("model m(x: f32[9223372036854775807, 9223372036854775807]) {\n"
              "  loss mse(x, x)\n}\n");
  std::string longName(100000, 'a');
  checkRobust("model " + longName + "(" + longName + ": f32[B]) {\n  loss " +
              longName + "(x)\n}\ntrain " + longName + "b { batch 1 }\n");
  RunResult r = run("model m(x: f32[B]) {\n  loss mse(x, x)\n}\n",
                    INT64_MAX);
  EXPECT_TRUE(r.ok) << r.diags; // a huge batch is fine for a rank-1 input
  r = run("model m(x: f32[B, 4]) {\n  loss mse(x, x)\n}\n", INT64_MAX);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first(), "t.adj:1:12: error: type of input 'x' has too many "
                       "elements");
}

TEST(FrontendFuzz, NulAndControlBytes) {
  std::string s = "model m(x: f32[B]) {\n  let h = x";
  s += '\0';
  s += "\n\x01\x02\r\n}\n";
  checkRobust(s);
  RunResult r = run(s);
  EXPECT_EQ(r.first(), "t.adj:2:12: error: invalid byte 0x00");
  checkRobust("model m(x: f32[B]) {\r\n  loss mse(x, x)\r\n}\r\n");
  EXPECT_TRUE(run("model m(x: f32[B]) {\r\n  loss mse(x, x)\r\n}\r\n").ok);
}

} // namespace
