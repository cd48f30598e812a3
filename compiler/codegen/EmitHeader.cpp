//===- EmitHeader.cpp - C header for a compiled model ---------------------===//
//
// Declares the compiled entry points with the C signature that the
// destination-passing ABI gives them (one pointer per tensor argument, then
// one per output, scalars by value) and defines `<model>_info`, the
// description the runtime drives, with uniform wrappers over the entry
// points.
//
//===----------------------------------------------------------------------===//

#include "compiler/Passes.h"
#include "compiler/codegen/Codegen.h"

#include "llvm/ADT/StringSet.h"

#include "llvm/ADT/StringSwitch.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/FormatVariadic.h"

#include <cctype>

using namespace mlir;
using namespace adjoint;

namespace {

std::string cScalar(Type t) {
  if (t.isF32())
    return "float";
  if (t.isF64())
    return "double";
  if (t.isInteger(32))
    return "int32_t";
  return "void";
}

/// A double that reads back exactly.
std::string exact(double v) {
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%.17g", v);
  return buf;
}

std::string dtypeEnum(Type t) {
  if (t.isF64())
    return "ADJ_F64";
  if (t.isInteger(32))
    return "ADJ_I32";
  return "ADJ_F32";
}

std::string tensorInfo(StringRef name, RankedTensorType t) {
  std::string dims;
  for (int64_t d : t.getShape())
    dims += std::to_string(d) + ", ";
  if (dims.empty())
    dims = "0";
  return llvm::formatv("{{\"{0}\", {1}, {2}, {{{3}}, {4}}", name,
                       dtypeEnum(t.getElementType()), t.getRank(), dims,
                       t.getNumElements())
      .str();
}

/// A C identifier for a parameter name (buffers are named like
/// `h.running_mean`).
std::string cIdent(StringRef name) {
  std::string s = name.str();
  for (char &c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_'))
      c = '_';
  return s;
}

/// One parameter of a C entry point and where the wrapper finds its value.
struct CArg {
  std::string type; // C type
  std::string name;
  std::string source; // expression in the wrapper
};

struct Model {
  std::string name;
  SmallVector<mdl::ParamOp> params;
  mdl::TrainOp train;
  func::FuncOp loss, grad, step, predict;
  SmallVector<std::pair<std::string, RankedTensorType>> inputs;
};

int indexOf(ArrayRef<mdl::ParamOp> params, StringRef name) {
  for (auto [i, p] : llvm::enumerate(params))
    if (const_cast<mdl::ParamOp &>(p).getSymName() == name)
      return i;
  return -1;
}

/// The C parameters of `fn` after the adjoint-entry-points ABI.
SmallVector<CArg> cSignature(func::FuncOp fn, const Model &m) {
  SmallVector<CArg> out;
  unsigned stateIndex = 0;
  for (unsigned i = 0; i < fn.getNumArguments(); ++i) {
    Type t = fn.getArgumentTypes()[i];
    CArg a;
    if (auto tt = dyn_cast<RankedTensorType>(t))
      a.type = cScalar(tt.getElementType()) + " *";
    else
      a.type = cScalar(t) + " ";
    if (auto p = fn.getArgAttrOfType<FlatSymbolRefAttr>(i, mdl::kParamAttr)) {
      int k = indexOf(m.params, p.getValue());
      a.name = cIdent(p.getValue());
      a.source = llvm::formatv("params[{0}]", k);
    } else if (auto st =
                   fn.getArgAttrOfType<FlatSymbolRefAttr>(i, kStateAttr)) {
      auto slot = fn.getArgAttrOfType<StringAttr>(i, kSlotAttr);
      a.name = cIdent(st.getValue()) + "_" +
               (slot ? slot.getValue() : "state").str();
      a.source = llvm::formatv("state[{0}]", stateIndex++);
    } else if (fn.getArgAttr(i, kStepAttr)) {
      a.name = "step";
      a.source = llvm::formatv("state[{0}]", stateIndex++);
    } else if (auto in = fn.getArgAttrOfType<StringAttr>(i, mdl::kInputAttr)) {
      int k = 0;
      for (auto [j, x] : llvm::enumerate(m.inputs))
        if (x.first == in.getValue())
          k = j;
      a.name = in.getValue().str();
      a.source = llvm::formatv("inputs[{0}]", k);
    } else if (fn.getArgAttr(i, mdl::kMaskAttr)) {
      a.name = "mask";
      a.source = "(void *)mask";
    } else if (fn.getArgAttr(i, kLrAttr)) {
      a.name = "lr";
      a.source = "lr";
    }
    out.push_back(a);
  }
  for (unsigned r = 0; r < fn.getNumResults(); ++r) {
    if (fn.getResultAttr(r, kInplaceAttr))
      continue;
    auto tt = cast<RankedTensorType>(fn.getResultTypes()[r]);
    CArg a;
    a.type = cScalar(tt.getElementType()) + " *";
    if (fn.getResultAttr(r, kLossValueAttr) || fn->hasAttr(kLossFnAttr)) {
      a.name = "loss_out";
      a.source = "loss_out";
    } else if (auto g =
                   fn.getResultAttrOfType<FlatSymbolRefAttr>(r, kGradAttr)) {
      a.name = "grad_" + cIdent(g.getValue());
      a.source = llvm::formatv("grads[{0}]", indexOf(m.params, g.getValue()));
    } else {
      a.name = "out";
      a.source = "out";
    }
    out.push_back(a);
  }
  return out;
}

std::string declaration(StringRef symbol, ArrayRef<CArg> args) {
  // Parameter names of layer instances contain '.' (fc1.w): C identifiers
  // get '_' instead, made unique within the prototype (fc1.w_b, fc1_w.b).
  std::string s = "void " + symbol.str() + "(";
  llvm::StringSet<> used;
  for (auto [i, a] : llvm::enumerate(args)) {
    std::string name = a.name;
    std::replace(name.begin(), name.end(), '.', '_');
    std::string unique = name;
    for (int k = 2; !used.insert(unique).second; ++k)
      unique = name + "_" + std::to_string(k);
    s += (i ? ", " : "") + a.type + unique;
  }
  return s + ");\n";
}

std::string call(StringRef symbol, ArrayRef<CArg> args) {
  std::string s = "  " + symbol.str() + "(";
  for (auto [i, a] : llvm::enumerate(args)) {
    s += i ? ", " : "";
    s += "(" + a.type + ")" + a.source;
  }
  return s + ");\n";
}

} // namespace

std::string adjoint::lossSymbol(StringRef model) {
  return (model + "_loss").str();
}

LogicalResult adjoint::emitHeader(ModuleOp module, llvm::raw_ostream &os,
                                  const std::string &guard) {
  Model m;
  for (auto t : module.getOps<mdl::TrainOp>())
    m.train = t;
  if (!m.train)
    return module.emitError("no mdl.train configuration in the module");
  m.name = m.train.getModel().str();
  for (auto p : module.getOps<mdl::ParamOp>())
    m.params.push_back(p);
  for (auto fn : module.getOps<func::FuncOp>()) {
    StringRef n = fn.getSymName();
    if (n == m.name)
      m.loss = fn;
    else if (n == m.name + "_grad")
      m.grad = fn;
    else if (n == m.name + "_train_step")
      m.step = fn;
    else if (n == m.name + "_predict")
      m.predict = fn;
  }
  if (!m.loss || !m.grad || !m.step || !m.predict)
    return module.emitError("model '")
           << m.name
           << "' lacks its loss, grad, train_step or predict function";
  for (unsigned i = 0; i < m.loss.getNumArguments(); ++i)
    if (auto in = m.loss.getArgAttrOfType<StringAttr>(i, mdl::kInputAttr))
      m.inputs.push_back(
          {in.getValue().str(),
           cast<RankedTensorType>(m.loss.getArgumentTypes()[i])});

  Type elem =
      cast<RankedTensorType>(m.loss.getResultTypes()[0]).getElementType();
  std::string n = m.name;
  os << "/* Generated by adjoint: the compiled model '" << n
     << "'. Do not edit. */\n";
  os << "#ifndef " << guard << "\n#define " << guard << "\n\n";
  os << "#include \"adjoint/model.h\"\n\n#include <stdint.h>\n\n";
  os << "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n";
  os << "/* Entry points in the object file. Tensors are dense row-major "
        "buffers;\n   parameters and optimizer state are updated in place. "
        "*/\n";
  struct Entry {
    func::FuncOp fn;
    std::string symbol;
  };
  Entry entries[] = {{m.step, n + "_train_step"},
                     {m.grad, n + "_grad"},
                     {m.loss, lossSymbol(n)},
                     {m.predict, n + "_predict"}};
  SmallVector<SmallVector<CArg>> sigs;
  for (Entry &e : entries) {
    sigs.push_back(cSignature(e.fn, m));
    os << declaration(e.symbol, sigs.back());
  }

  os << "\n/* Uniform wrappers used by adj_model_info. */\n";
  os << "static inline void " << n
     << "__train_step(void *const *params, void *const *state, void *const "
        "*inputs, const void *mask, double lr, void *loss_out) {\n"
     << "  (void)state;\n"
     << call(entries[0].symbol, sigs[0]) << "}\n";
  os << "static inline void " << n
     << "__grad(void *const *params, void *const *inputs, const void *mask, "
        "void *const *grads, void *loss_out) {\n"
     << call(entries[1].symbol, sigs[1]) << "}\n";
  os << "static inline void " << n
     << "__loss(void *const *params, void *const *inputs, const void *mask, "
        "void *loss_out) {\n"
     << call(entries[2].symbol, sigs[2]) << "}\n";
  os << "static inline void " << n
     << "__predict(void *const *params, void *const *inputs, void *out) {\n"
     << call(entries[3].symbol, sigs[3]) << "}\n\n";

  os << "static const adj_param_info " << n << "__params[] = {\n";
  for (mdl::ParamOp p : m.params) {
    auto t = cast<RankedTensorType>(p.getType());
    std::string kind = llvm::StringSwitch<std::string>(p.getInit())
                           .Case("zeros", "ADJ_INIT_ZEROS")
                           .Case("ones", "ADJ_INIT_ONES")
                           .Case("uniform", "ADJ_INIT_UNIFORM")
                           .Case("normal", "ADJ_INIT_NORMAL")
                           .Case("glorot_uniform", "ADJ_INIT_GLOROT_UNIFORM")
                           .Case("glorot_normal", "ADJ_INIT_GLOROT_NORMAL")
                           .Case("he_uniform", "ADJ_INIT_HE_UNIFORM")
                           .Default("ADJ_INIT_HE_NORMAL");
    ArrayRef<double> a = p.getInitArgs();
    int64_t fanIn = t.getRank() ? t.getDimSize(0) : 1;
    int64_t fanOut = t.getRank() >= 2 ? t.getDimSize(1) : fanIn;
    if (t.getRank() == 4) { // a conv2d filter [KH, KW, C, F]
      int64_t taps = t.getDimSize(0) * t.getDimSize(1);
      fanIn = taps * t.getDimSize(2);
      fanOut = taps * t.getDimSize(3);
    }
    os << llvm::formatv(
        "  {{{0}, {1}, {2}, {3}, {4}, {5}, {6}},\n",
        tensorInfo(p.getSymName(), t), kind, exact(a.size() > 0 ? a[0] : 0.0),
        exact(a.size() > 1 ? a[1] : 0.0), fanIn, fanOut, p.getBuffer() ? 1 : 0);
  }
  os << "};\n";
  SmallVector<std::string> state;
  for (unsigned i = 0; i < m.step.getNumArguments(); ++i) {
    auto type = dyn_cast<RankedTensorType>(m.step.getArgumentTypes()[i]);
    if (auto s = m.step.getArgAttrOfType<FlatSymbolRefAttr>(i, kStateAttr)) {
      auto slot = m.step.getArgAttrOfType<StringAttr>(i, kSlotAttr);
      state.push_back(tensorInfo(
          (s.getValue() + "." + (slot ? slot.getValue() : "state")).str(),
          type));
    } else if (m.step.getArgAttr(i, kStepAttr)) {
      state.push_back(tensorInfo("step", type));
    }
  }
  if (!state.empty()) {
    os << "static const adj_tensor_info " << n << "__state[] = {\n";
    for (std::string &s : state)
      os << "  " << s << ",\n";
    os << "};\n";
  }
  os << "static const adj_tensor_info " << n << "__inputs[] = {\n";
  for (auto &[name, t] : m.inputs)
    os << "  " << tensorInfo(name, t) << ",\n";
  os << "};\n";
  os << "static const int " << n << "__predict_uses[] = {";
  for (auto [i, in] : llvm::enumerate(m.inputs)) {
    bool used = false;
    for (unsigned j = 0; j < m.predict.getNumArguments(); ++j)
      if (auto a = m.predict.getArgAttrOfType<StringAttr>(j, mdl::kInputAttr))
        used |= a.getValue() == in.first;
    os << (i ? ", " : "") << (used ? 1 : 0);
  }
  os << "};\n\n";

  auto hyper = m.train.getHyper();
  auto hp = [&](StringRef k, double d) {
    auto f = hyper.getAs<FloatAttr>(k);
    return f ? f.getValueAsDouble() : d;
  };
  // The loss function the `loss` statement applies; a value computed
  // otherwise (which the language does not allow today) is ADJ_LOSS_OTHER.
  std::string lossKind = "ADJ_LOSS_OTHER";
  if (auto ret =
          dyn_cast<func::ReturnOp>(m.loss.getBody().front().getTerminator()))
    if (Operation *def = ret.getOperand(0).getDefiningOp())
      lossKind = llvm::TypeSwitch<Operation *, std::string>(def)
                     .Case([](mdl::SoftmaxCrossEntropyOp) {
                       return "ADJ_LOSS_SOFTMAX_CROSS_ENTROPY";
                     })
                     .Case([](mdl::MseOp) { return "ADJ_LOSS_MSE"; })
                     .Case([](mdl::L1Op) { return "ADJ_LOSS_L1"; })
                     .Case([](mdl::HuberOp) { return "ADJ_LOSS_HUBER"; })
                     .Case([](mdl::BceWithLogitsOp) {
                       return "ADJ_LOSS_BCE_WITH_LOGITS";
                     })
                     .Case([](mdl::NllOp) { return "ADJ_LOSS_NLL"; })
                     .Default([](Operation *) { return "ADJ_LOSS_OTHER"; });
  auto out = cast<RankedTensorType>(m.predict.getResultTypes()[0]);
  os << "static const adj_model_info " << n << "_info = {\n";
  os << "  \"" << n << "\", " << dtypeEnum(elem) << ", " << m.train.getBatch()
     << ",\n";
  os << "  " << m.params.size() << ", " << n << "__params,\n";
  os << "  " << state.size() << ", "
     << (state.empty() ? std::string("0") : n + "__state") << ",\n";
  os << "  " << m.inputs.size() << ", " << n << "__inputs, " << n
     << "__predict_uses,\n";
  os << "  " << tensorInfo("output", out) << ",\n";
  os << "  " << lossKind << ",\n";
  os << llvm::formatv("  \"{0}\", {1}, {2}, {3}, {4}u,\n",
                      m.train.getOptimizer(), exact(hp("lr", 0.01)),
                      exact(hp("momentum", 0.0)), m.train.getEpochs(),
                      m.train.getSeed());
  os << "  " << n << "__train_step, " << n << "__grad, " << n << "__loss, " << n
     << "__predict,\n};\n\n";
  os << "#ifdef __cplusplus\n}\n#endif\n\n#endif /* " << guard << " */\n";
  return success();
}
