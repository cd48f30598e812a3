//===- ASTPrinter.cpp - Readable dump of the AST --------------------------===//
//
// Format (two spaces of indentation per level; `: type` is printed for
// resolved expressions only, and never for lists):
//
//   model mlp
//     input x: f32[B=128, 784]
//     param w1: f32[784, 256] = he_normal
//     let h: f32[128, 256]
//       call relu: f32[128, 256]
//         binary +: f32[128, 256]
//           binary @: f32[128, 256]
//             ident x: f32[128, 784]
//             ident w1: f32[784, 256]
//           ident b1: f32[256]
//     output (default): f32[128, 10]
//       ident logits: f32[128, 10]
//     loss: f32[]
//       call softmax_cross_entropy: f32[]
//         ...
//   train mlp
//     optimizer sgd(lr = 0.1, momentum = 0.9)
//     batch 128
//     epochs 5
//     seed 1
//
//===----------------------------------------------------------------------===//

#include "compiler/frontend/Frontend.h"
#include "compiler/frontend/Support.h"

#include <algorithm>

namespace adjoint::frontend {

namespace {

using namespace adjoint::ast;

void indent(std::ostream &os, unsigned level) {
  for (unsigned i = 0; i < level; ++i)
    os << "  ";
}

std::string typeSpecStr(const TypeSpec &t) {
  std::string s = dtypeName(t.dtype);
  s += '[';
  for (size_t i = 0; i < t.dims.size(); ++i) {
    if (i)
      s += ", ";
    const Dim &d = t.dims[i];
    if (d.symbol.empty())
      s += std::to_string(d.size);
    else if (d.size > 0)
      s += d.symbol + "=" + std::to_string(d.size);
    else
      s += d.symbol;
  }
  return s + ']';
}

std::string numberStr(const Expr &e) {
  std::string s = formatNumber(e.number);
  if (!e.isInteger && s.find_first_of(".en") == std::string::npos)
    s += ".0";
  return s;
}

std::string typeSuffix(const Expr &e) {
  return e.resolved ? ": " + formatType(e.dtype, e.shape) : std::string();
}

void printExpr(const Expr &e, std::ostream &os, unsigned level) {
  indent(os, level);
  switch (e.kind) {
  case ExprKind::Number:
    os << "number " << numberStr(e);
    break;
  case ExprKind::Ident:
    os << "ident " << e.name;
    break;
  case ExprKind::Unary:
    os << "unary " << e.op;
    break;
  case ExprKind::Binary:
    os << "binary " << e.op;
    break;
  case ExprKind::Call:
    os << "call " << e.name;
    break;
  case ExprKind::List:
    os << "list";
    break;
  }
  // A list (only the value of a keyword argument) has no tensor type of its
  // own worth printing.
  if (e.kind != ExprKind::List)
    os << typeSuffix(e);
  os << '\n';
  for (const ExprPtr &a : e.args)
    if (a)
      printExpr(*a, os, level + 1);
  for (const KwArg &k : e.kwargs) {
    indent(os, level + 1);
    os << "kwarg " << k.name << '\n';
    if (k.value)
      printExpr(*k.value, os, level + 2);
  }
}

bool locLess(SrcLoc a, SrcLoc b) {
  return a.line != b.line ? a.line < b.line : a.col < b.col;
}

void printModel(const Model &m, std::ostream &os) {
  os << "model " << m.name << '\n';
  for (const Input &in : m.inputs)
    os << "  input " << in.name << ": " << typeSpecStr(in.type) << '\n';

  // Params and lets in source order.
  struct Item {
    const Param *param;
    const Let *let;
    SrcLoc loc;
  };
  std::vector<Item> items;
  for (const Param &p : m.params)
    items.push_back({&p, nullptr, p.loc});
  for (const Let &l : m.lets)
    items.push_back({nullptr, &l, l.loc});
  // Statements have distinct locations: a plain sort is stable here.
  // After Sema: evaluation order (layers and repeats are expanded).
  auto order = [](const Item &it) {
    return it.param ? it.param->order : it.let->order;
  };
  std::sort(items.begin(), items.end(), [&](const Item &a, const Item &b) {
    if (order(a) && order(b))
      return order(a) < order(b);
    return locLess(a.loc, b.loc);
  });
  for (const Item &it : items) {
    if (it.param) {
      const Param &p = *it.param;
      os << "  param " << p.name << ": " << typeSpecStr(p.type) << " = "
         << p.init.kind;
      if (!p.init.args.empty()) {
        os << '(';
        for (size_t i = 0; i < p.init.args.size(); ++i)
          os << (i ? ", " : "") << formatNumber(p.init.args[i]);
        os << ')';
      }
      if (p.buffer)
        os << " (buffer)";
      os << '\n';
    } else {
      const Let &l = *it.let;
      os << "  let " << l.name;
      for (const auto &n : l.moreNames)
        os << ", " << n.first;
      if (l.scan) {
        const Scan &sc = *l.scan;
        os << " = scan (" << sc.length << " steps)\n";
        for (const ScanSeq &q : sc.seqs) {
          os << "    step " << q.name << " along " << q.axis << '\n';
          printExpr(*q.source, os, 3);
        }
        for (const ScanCarry &c : sc.carries) {
          os << "    carry " << c.name << ": " << typeSpecStr(c.type) << '\n';
          printExpr(*c.init, os, 3);
        }
        for (const Let &b : sc.body) {
          os << "    let " << b.name << typeSuffix(*b.value) << '\n';
          printExpr(*b.value, os, 3);
        }
        os << "    yield\n";
        for (const ExprPtr &y : sc.yields)
          printExpr(*y, os, 3);
      } else if (l.value) {
        os << typeSuffix(*l.value) << '\n';
        printExpr(*l.value, os, 2);
      } else {
        os << '\n';
      }
    }
  }
  if (m.output) {
    os << "  output" << (m.outputIsDefault ? " (default)" : "")
       << typeSuffix(*m.output) << '\n';
    printExpr(*m.output, os, 2);
  }
  if (m.loss) {
    os << "  loss" << typeSuffix(*m.loss) << '\n';
    printExpr(*m.loss, os, 2);
  }
}

void printSpec(const char *kw, const OptimizerSpec &spec, std::ostream &os) {
  os << "  " << kw << ' ' << spec.name << '(';
  bool first = true;
  for (const auto &kv : spec.args) {
    os << (first ? "" : ", ") << kv.first << " = " << formatNumber(kv.second);
    first = false;
  }
  for (const auto &kv : spec.listArgs) {
    os << (first ? "" : ", ") << kv.first << " = [";
    for (size_t i = 0; i < kv.second.size(); ++i)
      os << (i ? ", " : "") << formatNumber(kv.second[i]);
    os << ']';
    first = false;
  }
  os << ")\n";
}

void printTrain(const TrainConfig &t, std::ostream &os) {
  os << "train " << t.model << '\n';
  if (t.hasOptimizer)
    printSpec("optimizer", t.optimizer, os);
  if (t.hasSchedule)
    printSpec("schedule", t.schedule, os);
  if (t.hasWarmup)
    printSpec("warmup", t.warmup, os);
  if (t.hasClip)
    printSpec("clip", t.clip, os);
  for (const OptimizerSpec &o : t.paramOptions)
    printSpec("param", o, os);
  for (const auto &f : t.frozen)
    os << "  freeze " << f.first << '\n';
  os << "  batch " << t.batch << '\n';
  if (t.accumulate != 1)
    os << "  accumulate " << t.accumulate << '\n';
  os << "  epochs " << t.epochs << '\n';
  os << "  seed " << t.seed << '\n';
}

} // namespace

void printAST(const ast::Program &prog, std::ostream &os) {
  for (const Model &m : prog.models)
    printModel(m, os);
  for (const TrainConfig &t : prog.trains)
    printTrain(t, os);
}

} // namespace adjoint::frontend
