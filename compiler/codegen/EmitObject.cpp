//===- EmitObject.cpp - LLVM IR and native code for the host CPU ----------===//

#include "compiler/codegen/Codegen.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/OpenMP/OpenMPToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"

using namespace mlir;

struct adjoint::NativeTarget {
  llvm::Triple triple;
  std::string cpu;
  std::string features;
  std::unique_ptr<llvm::TargetMachine> machine;
};

void adjoint::NativeTargetDeleter::operator()(NativeTarget *t) const {
  delete t;
}

adjoint::NativeTargetPtr adjoint::createNativeTarget(const TargetOptions &opts,
                                                     std::string &error) {
  static bool initialized = [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    return true;
  }();
  (void)initialized;
  NativeTargetPtr t(new NativeTarget());
  t->triple = llvm::Triple(llvm::sys::getProcessTriple());
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(t->triple, error);
  if (!target)
    return nullptr;
  if (opts.cpu == "native" || opts.cpu.empty()) {
    t->cpu = llvm::sys::getHostCPUName().str();
    for (auto &f : llvm::sys::getHostCPUFeatures())
      t->features += (f.second ? "+" : "-") + f.first().str() + ",";
  } else {
    t->cpu = opts.cpu == "generic" ? "x86-64" : opts.cpu;
    // Ask a generic subtarget whether the name is valid (creating one for
    // an unknown CPU prints LLVM's own warnings).
    std::unique_ptr<llvm::MCSubtargetInfo> sti(
        target->createMCSubtargetInfo(t->triple, "", ""));
    if (!sti || !sti->isCPUStringValid(t->cpu)) {
      error = "unknown target cpu '" + opts.cpu +
              "' (try native, generic or an LLVM CPU name such as "
              "skylake-avx512)";
      return nullptr;
    }
  }
  llvm::TargetOptions to;
  // Contract a*b+c into FMAs (like -ffp-contract=fast): the contraction
  // kernels are written as multiply and add, and an FMA rounds once.
  to.AllowFPOpFusion = llvm::FPOpFusion::Fast;
  t->machine.reset(target->createTargetMachine(
      t->triple, t->cpu, t->features, to, llvm::Reloc::PIC_, std::nullopt,
      llvm::CodeGenOptLevel::Aggressive));
  if (!t->machine) {
    error = "unknown target cpu '" + opts.cpu + "'";
    return nullptr;
  }
  return t;
}

std::unique_ptr<llvm::Module> adjoint::translateToLLVMIR(ModuleOp module,
                                                         llvm::LLVMContext &ctx,
                                                         NativeTarget &target) {
  DialectRegistry registry;
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  registerOpenMPDialectTranslation(registry);
  module->getContext()->appendDialectRegistry(registry);
  // The model's argument attributes (mdl.param, mdl.input, ...) served the
  // header; LLVM IR has no use for them.
  module.walk([](LLVM::LLVMFuncOp fn) {
    fn.setArgAttrsAttr(nullptr);
    fn.setResAttrsAttr(nullptr);
    for (NamedAttribute a : llvm::to_vector(fn->getDiscardableAttrs()))
      fn->removeAttr(a.getName());
  });
  std::unique_ptr<llvm::Module> llvmModule =
      mlir::translateModuleToLLVMIR(module, ctx);
  if (!llvmModule) {
    module.emitError("translation to LLVM IR failed");
    return nullptr;
  }
  llvmModule->setTargetTriple(target.triple);
  llvmModule->setDataLayout(target.machine->createDataLayout());
  for (llvm::Function &fn : *llvmModule) {
    if (fn.isDeclaration())
      continue;
    fn.addFnAttr("target-cpu", target.cpu);
    if (!target.features.empty())
      fn.addFnAttr("target-features", target.features);
    fn.addFnAttr("no-trapping-math", "true");
    // The vector code is tiled for 512-bit registers where the CPU has them;
    // LLVM's default tuning for several AVX-512 CPUs splits it into 256-bit
    // halves, halving the FMA width of the matmul kernels.
    if (target.features.find("+avx512f") != std::string::npos ||
        target.cpu.find("avx512") != std::string::npos)
      fn.addFnAttr("prefer-vector-width", "512");
  }
  auto optimize = makeOptimizingTransformer(3, 0, target.machine.get());
  if (llvm::Error e = optimize(llvmModule.get())) {
    module.emitError("LLVM optimization failed: ")
        << llvm::toString(std::move(e));
    return nullptr;
  }
  return llvmModule;
}

LogicalResult adjoint::emitNative(llvm::Module &llvmModule,
                                  NativeTarget &target, const std::string &path,
                                  bool assembly, std::string &error) {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::OF_None);
  if (ec) {
    error = path + ": cannot open for writing: " + ec.message();
    return failure();
  }
  llvm::legacy::PassManager pm;
  if (target.machine->addPassesToEmitFile(
          pm, os, nullptr,
          assembly ? llvm::CodeGenFileType::AssemblyFile
                   : llvm::CodeGenFileType::ObjectFile)) {
    error = "the target cannot emit this file type";
    return failure();
  }
  pm.run(llvmModule);
  os.flush();
  if (os.has_error()) {
    error = path + ": write error";
    return failure();
  }
  return success();
}
