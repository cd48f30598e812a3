//===- EntryPoints.cpp - Destination-passing memref ABI for entry points --===//
//
// Public functions on tensors become functions on memrefs that return
// nothing: inputs are read through `bufferization.to_tensor restrict`,
// results marked `adjoint.inplace = N` are materialized into argument N
// (parameters and optimizer state), every other result into a new trailing
// output argument. One-shot bufferization then needs no function-boundary
// analysis and never clones a result.
//
//===----------------------------------------------------------------------===//

#include "compiler/Passes.h"
#include "compiler/codegen/Codegen.h"

namespace adjoint {
#define GEN_PASS_DEF_ADJOINTENTRYPOINTS
#include "compiler/Passes.h.inc"
} // namespace adjoint

using namespace mlir;
using namespace adjoint;

namespace {

MemRefType memrefFor(RankedTensorType t) {
  return MemRefType::get(t.getShape(), t.getElementType());
}

LogicalResult convert(func::FuncOp fn) {
  Block &body = fn.getBody().front();
  auto ret = cast<func::ReturnOp>(body.getTerminator());
  unsigned numArgs = fn.getNumArguments();
  unsigned numResults = fn.getNumResults();

  // Which argument each result is written to (existing or new).
  SmallVector<int64_t> target(numResults, -1);
  llvm::SmallBitVector writable(numArgs);
  for (unsigned r = 0; r < numResults; ++r) {
    if (auto a = fn.getResultAttrOfType<IntegerAttr>(r, kInplaceAttr)) {
      int64_t idx = a.getInt();
      if (idx < 0 || idx >= numArgs ||
          fn.getArgumentTypes()[idx] != fn.getResultTypes()[r])
        return fn.emitError("result ")
               << r << " cannot be updated in place of argument " << idx;
      target[r] = idx;
      writable.set(idx);
    }
    if (!isa<RankedTensorType>(fn.getResultTypes()[r]))
      return fn.emitError("result ") << r << " is not a ranked tensor";
  }

  OpBuilder b = OpBuilder::atBlockBegin(&body);
  Location loc = fn.getLoc();
  for (BlockArgument arg : body.getArguments()) {
    auto t = dyn_cast<RankedTensorType>(arg.getType());
    if (!t)
      continue;
    arg.setType(memrefFor(t));
    auto toTensor = bufferization::ToTensorOp::create(
        b, loc, t, arg, /*restrict=*/true, writable.test(arg.getArgNumber()));
    arg.replaceAllUsesExcept(toTensor, toTensor);
  }
  SmallVector<Attribute> resultAttrs;
  for (unsigned r = 0; r < numResults; ++r) {
    auto t = cast<RankedTensorType>(fn.getResultTypes()[r]);
    if (target[r] < 0) {
      target[r] = body.getNumArguments();
      body.addArgument(memrefFor(t), loc);
      DictionaryAttr attrs = fn.getResultAttrDict(r);
      NamedAttrList list(attrs ? attrs : b.getDictionaryAttr({}));
      list.set("adjoint.result", b.getI64IntegerAttr(r));
      resultAttrs.push_back(list.getDictionary(fn.getContext()));
    }
  }
  b.setInsertionPoint(ret);
  for (unsigned r = 0; r < numResults; ++r)
    bufferization::MaterializeInDestinationOp::create(
        b, loc, TypeRange{}, ret.getOperand(r), body.getArgument(target[r]),
        /*restrict=*/true, /*writable=*/true);
  func::ReturnOp::create(b, ret.getLoc());
  ret.erase();

  SmallVector<Attribute> argAttrs;
  for (unsigned i = 0; i < numArgs; ++i) {
    DictionaryAttr d = fn.getArgAttrDict(i);
    argAttrs.push_back(d ? d : b.getDictionaryAttr({}));
  }
  argAttrs.append(resultAttrs);
  SmallVector<Type> argTypes(body.getArgumentTypes());
  fn.setType(FunctionType::get(fn.getContext(), argTypes, {}));
  fn.setAllArgAttrs(argAttrs);
  fn.setAllResultAttrs(ArrayRef<Attribute>{});
  return success();
}

struct EntryPointsPass
    : public adjoint::impl::AdjointEntryPointsBase<EntryPointsPass> {
  void runOnOperation() override {
    // Declarations were consumed by header emission; they have no code.
    for (Operation &op :
         llvm::make_early_inc_range(getOperation().getBody()->getOperations()))
      if (isa<mdl::ParamOp, mdl::TrainOp>(op))
        op.erase();
    SymbolTable symbols(getOperation());
    for (auto fn : getOperation().getOps<func::FuncOp>()) {
      if (fn.isDeclaration() || fn.isPrivate())
        continue;
      if (fn->hasAttr(kLossFnAttr)) {
        // The header declares the loss as <model>_loss: never uniquify.
        std::string name = lossSymbol(fn.getSymName());
        if (symbols.lookup(name)) {
          fn.emitError("cannot name the loss function '")
              << name << "': the name is taken";
          return signalPassFailure();
        }
        if (failed(symbols.rename(fn, name))) {
          fn.emitError("cannot rename the loss function");
          return signalPassFailure();
        }
      }
      if (failed(convert(fn)))
        return signalPassFailure();
    }
  }
};

} // namespace
