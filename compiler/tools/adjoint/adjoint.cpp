//===- adjoint.cpp - The Adjoint compiler driver --------------------------===//
//
//   adjoint compile MODEL.adj [-o NAME] [--emit=STAGE] [options]
//   adjoint build   MODEL.adj -o EXE [options]
//   adjoint train   MODEL.adj [trainer options] [options]
//   adjoint check   MODEL.adj [--tol X] [options]
//   adjoint grad    MODEL.adj --inputs I.safetensors -o G.safetensors
//                   [--params P.safetensors] [options]
//
//===----------------------------------------------------------------------===//

#include "compiler/Passes.h"
#include "compiler/codegen/Codegen.h"
#include "compiler/frontend/Frontend.h"
#include "compiler/import/Import.h"
#include "compiler/pipelines/Pipelines.h"

#include "adjoint/safetensors.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

#include <iostream>
#include <sstream>

using namespace mlir;

namespace {

const char *kUsage = R"(usage: adjoint <command> MODEL.adj [options]

Compiles a model written in the Adjoint model language to a native trainer.

commands:
  compile   compile to NAME.o and NAME.h (the default command)
  build     compile and link a ready trainer executable (-o EXE)
  train     compile, link and run the trainer on the data set
  check     compile in f64 and compare the gradient of every parameter
            with central finite differences (every element of a parameter
            with at most 64, else 64 sampled ones; all rows valid, then
            every third row padding), print per parameter the max relative
            error and the noise-adjusted one; exit 1 if a noise-adjusted
            error is above the tolerance or padding rows change the loss
  grad      one forward and reverse sweep on one batch, no update:
            read the inputs (and parameters) from safetensors files, write
            one gradient per parameter and the loss to a safetensors file

options:
  -o NAME            output name: NAME.o + NAME.h for compile, the
                     executable for build (default: the model file's stem),
                     the gradients file for grad
  --emit=STAGE       print one stage instead of writing files:
                     ast, mdl, grad, train, linalg, llvm-mlir, llvm, asm,
                     or write it with -o: obj
  --model=NAME       the model to compile (default: the first with a
                     train section, else the first)
  --batch=N          override the batch size B (grad: taken from the
                     inputs' first dimension)
  --no-fuse          apply optimizer updates after the whole reverse sweep
                     (the unfused reference path)
  --mcpu=CPU         target CPU: native (default), generic, or an LLVM CPU
                     name such as skylake-avx512
  --threads=N        split large matmuls into N parallel blocks and run
                     them and the fused update tiles with OpenMP (LLVM's
                     libomp; OMP_NUM_THREADS picks the thread count at run
                     time; results do not depend on it)
  --f64              compile every f32 tensor as f64
  --remat=OPS        recompute the forward values of these op kinds in the
                     reverse sweep instead of keeping them (comma-separated
                     mdl op names such as relu,add, or all); --report shows
                     what each choice frees
  --profile          time every kernel (top-level loop nest) of the entry
                     points; trainers print the table at the end, embedders
                     call adj_prof_report (adjoint/profile.h)
  --stdlib=FILE      the standard library of layers (default: next to the
                     compiler, ../lib/adjoint/std.adj, else the source tree)
  --no-stdlib        do not load the standard library of layers
  --report           print the memory of the train step to stderr: parameters,
                     optimizer state, saved activations, scratch, gradient
                     buffers, and the clipping strategy
  --keep=DIR         (build/train/check) keep the generated files in DIR
  -h, --help         print this help

trainer options (train; also accepted by built executables):
  --data=DIR         Fashion-MNIST IDX directory
                     (default /usr/share/datasets/fashion-mnist)
  --epochs=N  --lr=X  --seed=S  --limit=N (first N training samples)
  --csv=FEATURES[,TARGETS] --test-fraction=X  regression (mse) data, R^2
  --save-params=FILE write the trained parameters (raw, declaration order)
  --stats-every=N    every N steps, per-parameter gradient L2 norm, max |g|
                     and update/param ratio from a separate gradient sweep;
                     warns about vanishing / exploding gradients (default
                     off; 50 with --log or --svg). A nan loss stops training
  --log=FILE         per-step loss, epoch summaries and gradient statistics
                     as CSV (FILE.csv) or JSON (FILE.json)
  --svg=FILE         chart of the loss and per-parameter gradient norms
  --checkpoint=FILE  save a checkpoint (safetensors: parameters, optimizer
                     state, step, RNG) after every epoch, atomically
  --resume=FILE      continue from a checkpoint, bitwise as if uninterrupted
  --quiet            print only the final line
check options:
  --tol=X            tolerance on the noise-adjusted relative error
                     max(0, |a - n| - noise) / max(|a| + |n|, 1e-6), with a
                     the gradient, n the central difference and noise its
                     round-off bound (default 1e-6)
  --seed=S           seed of the parameters and the random batch

grad options (safetensors files; tensors named after the model's parameters
and inputs, f32 or f64 as compiled, i32 labels):
  --inputs=FILE      the batch: one tensor per model input; its first
                     dimension is the batch size the model is compiled for
  --params=FILE      the parameters (default: the model's initializers,
                     seeded by --seed)
  -o FILE            write the gradients: one tensor per parameter, named
                     after it, and the scalar loss as tensor 'loss'
  --seed=S           seed of the initializers (default: the train section's)
  --save-params=FILE write the parameters used, e.g. the initial ones, so
                     that another framework can start from the same
)";

struct Options {
  std::string command = "compile";
  std::string input;
  std::string output;
  std::string emit;
  std::string model;
  std::string keep;
  std::optional<int64_t> batch;
  bool noFuse = false;
  bool noStdlib = false;
  std::string stdlib;
  std::string argv0;
  bool f64 = false;
  bool report = false;
  bool profile = false;
  std::string remat;
  int64_t threads = 1;
  adjoint::TargetOptions target;
  std::vector<std::string> trainerArgs;
  std::string params; // grad
  std::string inputs; // grad
};

int fail(const std::string &msg) {
  llvm::errs() << "adjoint: error: " << msg << "\n";
  return 1;
}

bool startsWith(const std::string &s, const char *p) {
  return s.rfind(p, 0) == 0;
}

/// Parses the command line; returns an exit code to stop with, or -1.
int parseArgs(int argc, char **argv, Options &o) {
  int i = 1;
  static const char *commands[] = {"compile", "build", "train", "check",
                                   "grad"};
  if (i < argc)
    for (const char *c : commands)
      if (std::string(argv[i]) == c) {
        o.command = c;
        ++i;
        break;
      }
  for (; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](const char *name, std::string &out) -> bool {
      std::string flag = std::string(name);
      if (a == flag) {
        if (i + 1 >= argc)
          return false;
        out = argv[++i];
        return true;
      }
      if (startsWith(a, (flag + "=").c_str())) {
        out = a.substr(flag.size() + 1);
        return true;
      }
      return false;
    };
    std::string v;
    if (a == "-h" || a == "--help") {
      llvm::outs() << kUsage;
      return 0;
    } else if (value("-o", o.output) || value("--emit", o.emit) ||
               value("--model", o.model) || value("--keep", o.keep) ||
               value("--params", o.params) || value("--inputs", o.inputs)) {
    } else if (value("--mcpu", o.target.cpu)) {
    } else if (value("--remat", o.remat)) {
      if (o.remat.empty() ||
          o.remat.find_first_not_of("abcdefghijklmnopqrstuvwxyz_0123456789,") !=
              std::string::npos)
        return fail("--remat expects comma-separated op names (or all), got '" +
                    o.remat + "'");
    } else if (value("--batch", v)) {
      char *end = nullptr;
      long long n = std::strtoll(v.c_str(), &end, 10);
      if (!end || *end || n <= 0)
        return fail("--batch expects a positive integer, got '" + v + "'");
      o.batch = n;
    } else if (value("--threads", v)) {
      char *end = nullptr;
      long long n = std::strtoll(v.c_str(), &end, 10);
      if (!end || *end || n <= 0 || n > 256)
        return fail("--threads expects an integer in [1, 256], got '" + v +
                    "'");
      o.threads = n;
    } else if (value("--stdlib", o.stdlib)) {
    } else if (a == "--no-stdlib") {
      o.noStdlib = true;
    } else if (a == "--no-fuse") {
      o.noFuse = true;
    } else if (a == "--f64") {
      o.f64 = true;
    } else if (a == "--report") {
      o.report = true;
    } else if (a == "--profile") {
      o.profile = true;
    } else if (startsWith(a, "--data") || startsWith(a, "--epochs") ||
               startsWith(a, "--lr") || startsWith(a, "--seed") ||
               startsWith(a, "--limit") || startsWith(a, "--tol") ||
               startsWith(a, "--save-params") ||
               startsWith(a, "--checkpoint") || startsWith(a, "--resume") ||
               startsWith(a, "--stats-every") || startsWith(a, "--log") ||
               startsWith(a, "--svg") || startsWith(a, "--csv") ||
               startsWith(a, "--test-fraction") || a == "--quiet") {
      o.trainerArgs.push_back(a);
      if (a.find('=') == std::string::npos && a != "--quiet") {
        if (i + 1 >= argc)
          return fail("option '" + a + "' needs a value");
        o.trainerArgs.push_back(argv[++i]);
      }
    } else if (startsWith(a, "-") && a != "-") {
      return fail("unknown option '" + a + "' (see --help)");
    } else if (o.input.empty()) {
      o.input = a;
    } else {
      return fail("more than one model file given: '" + o.input + "' and '" +
                  a + "'");
    }
  }
  if (o.input.empty())
    return fail("no model file given (see --help)");
  if (o.command != "grad" && (!o.params.empty() || !o.inputs.empty()))
    return fail("--params and --inputs are options of the grad command");
  if (o.command == "grad") {
    if (o.inputs.empty())
      return fail("grad needs the batch: --inputs=FILE (safetensors, one "
                  "tensor per model input)");
    if (o.output.empty())
      return fail("grad needs an output file: -o FILE");
    for (const std::string &a : o.trainerArgs)
      if (startsWith(a, "--") && !startsWith(a, "--seed") &&
          !startsWith(a, "--save-params"))
        return fail("option '" + a.substr(0, a.find('=')) +
                    "' is not an option of the grad command (see --help)");
  }
  static const char *stages[] = {"",       "ast",  "mdl",       "grad", "train",
                                 "linalg", "llvm", "llvm-mlir", "asm",  "obj"};
  if (llvm::none_of(stages, [&](const char *s) { return o.emit == s; }))
    return fail("unknown stage '" + o.emit +
                "' for --emit (ast, mdl, grad, train, linalg, llvm-mlir, "
                "llvm, asm, obj)");
  return -1;
}

/// Result of compiling a model to native code.
struct Compiled {
  std::string modelName;
  std::string header;
};

class Driver {
public:
  Driver(Options &o, adjoint::NativeTarget &target) : o(o), target(target) {
    DialectRegistry registry;
    registerAllDialects(registry);
    registerAllExtensions(registry);
    registry.insert<adjoint::mdl::MdlDialect, adjoint::optim::OptimDialect>();
    ctx.appendDialectRegistry(registry);
    ctx.loadAllAvailableDialects();
    // Diagnostics name the source location; never dump the IR at the user.
    ctx.printOpOnDiagnostic(false);
  }

  /// Runs the pipeline up to `emit` (printing it) or to an object at
  /// `objPath` (and the header text). Returns an exit code.
  int compile(const std::string &objPath, Compiled &out);

private:
  int printOrWrite(const std::function<void(llvm::raw_ostream &)> &print);
  /// The standard library: --stdlib, else ../lib/adjoint/std.adj next to
  /// the executable (an installed compiler), else the source tree's.
  std::string stdlibPath() const {
    if (!o.stdlib.empty())
      return o.stdlib;
    std::string exe = llvm::sys::fs::getMainExecutable(
        o.argv0.c_str(), reinterpret_cast<void *>(&fail));
    if (!exe.empty()) {
      llvm::SmallString<256> p(llvm::sys::path::parent_path(exe));
      llvm::sys::path::append(p, "..", "lib", "adjoint", "std.adj");
      if (llvm::sys::fs::exists(p))
        return std::string(p);
    }
    return ADJOINT_STDLIB_PATH;
  }

  Options &o;
  adjoint::NativeTarget &target;
  MLIRContext ctx;
};

int Driver::printOrWrite(
    const std::function<void(llvm::raw_ostream &)> &print) {
  if (o.output.empty() || o.output == "-") {
    print(llvm::outs());
    return 0;
  }
  std::error_code ec;
  llvm::ToolOutputFile file(o.output, ec, llvm::sys::fs::OF_Text);
  if (ec)
    return fail(o.output + ": cannot open for writing: " + ec.message());
  print(file.os());
  file.keep();
  return 0;
}

int Driver::compile(const std::string &objPath, Compiled &out) {
  namespace fe = adjoint::frontend;
  fe::SourceFile src;
  std::string err;
  if (!fe::readSourceFile(o.input, src, err))
    return fail(err);
  std::ostringstream diagText;
  fe::SourceFile lib; // outlives diags, which prints from it
  fe::DiagnosticEngine diags(src, std::cerr);
  std::optional<adjoint::ast::Program> prog = fe::parse(src, diags);
  if (!prog)
    return 1;
  if (!o.noStdlib) {
    std::string path = stdlibPath();
    if (!fe::readSourceFile(path, lib, err))
      return fail(err + " (the standard library; --stdlib=FILE or "
                        "--no-stdlib)");
    if (!fe::parseLibrary(lib, diags, *prog))
      return 1;
  }
  if (!fe::analyze(*prog, diags, o.batch))
    return 1;
  if (o.emit == "ast") {
    std::ostringstream ss;
    fe::printAST(*prog, ss);
    return printOrWrite([&](llvm::raw_ostream &os) { os << ss.str(); });
  }
  const adjoint::ast::Model *model = nullptr;
  if (!o.model.empty()) {
    model = prog->findModel(o.model);
    if (!model)
      return fail(o.input + ": no model named '" + o.model + "'");
  } else {
    for (const adjoint::ast::Model &m : prog->models)
      if (!model && prog->findTrain(m.name))
        model = &m;
    if (!model && !prog->models.empty())
      model = &prog->models.front();
  }
  if (!model)
    return fail(o.input + ": the file defines no model");
  out.modelName = model->name;

  // MLIR diagnostics print with the source line and a caret.
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(src.text, o.input), llvm::SMLoc());
  SourceMgrDiagnosticHandler handler(sourceMgr, &ctx, llvm::errs());

  adjoint::ImportOptions importOpts;
  importOpts.forceF64 = o.f64;
  OwningOpRef<ModuleOp> module =
      adjoint::importModel(*prog, *model, &ctx, importOpts);
  if (!module)
    return 1;
  auto print = [&] {
    return printOrWrite([&](llvm::raw_ostream &os) { module->print(os); });
  };
  if (o.emit == "mdl")
    return print();
  adjoint::PipelineOptions popts;
  popts.noFuse = o.noFuse;
  popts.threads = o.threads;
  popts.profile = o.profile;
  popts.remat = o.remat;
  if (failed(adjoint::runPipeline(*module, adjoint::gradPipeline(popts))))
    return 1;
  if (o.emit == "grad")
    return print();
  if (failed(adjoint::runPipeline(*module, adjoint::trainPipeline(popts))))
    return 1;
  if (o.emit == "train")
    return print();
  {
    llvm::raw_string_ostream hs(out.header);
    std::string guard =
        "ADJOINT_MODEL_" + llvm::StringRef(out.modelName).upper() + "_H";
    if (failed(adjoint::emitHeader(*module, hs, guard)))
      return 1;
  }
  adjoint::MemoryReport report;
  adjoint::collectTrainReport(*module, report);
  if (failed(adjoint::runPipeline(*module, adjoint::linalgPipeline(popts))))
    return 1;
  if (o.emit == "linalg")
    return print();
  if (failed(adjoint::runPipeline(*module, adjoint::bufferizePipeline(popts))))
    return 1;
  adjoint::collectBufferReport(*module, report);
  if (failed(adjoint::runPipeline(*module, adjoint::scratchPipeline(popts))))
    return 1;
  adjoint::collectScratchReport(*module, report);
  if (o.report)
    adjoint::printReport(report, llvm::errs());
  if (failed(
          adjoint::runPipeline(*module, adjoint::lowerToLLVMPipeline(popts))))
    return 1;
  if (o.emit == "llvm-mlir")
    return print();
  llvm::LLVMContext llctx;
  std::unique_ptr<llvm::Module> llmod =
      adjoint::translateToLLVMIR(*module, llctx, target);
  if (!llmod)
    return 1;
  if (o.emit == "llvm")
    return printOrWrite(
        [&](llvm::raw_ostream &os) { llmod->print(os, nullptr); });
  if (o.emit == "asm") {
    std::string path = o.output.empty() ? "-" : o.output;
    if (failed(adjoint::emitNative(*llmod, target, path, true, err)))
      return fail(err);
    return 0;
  }
  if (failed(adjoint::emitNative(*llmod, target, objPath, false, err)))
    return fail(err);
  return 0;
}

std::string stem(const std::string &path) {
  return llvm::sys::path::stem(path).str();
}

int writeFile(const std::string &path, const std::string &text) {
  std::error_code ec;
  llvm::ToolOutputFile file(path, ec, llvm::sys::fs::OF_Text);
  if (ec)
    return fail(path + ": cannot open for writing: " + ec.message());
  file.os() << text;
  file.os().flush();
  if (file.os().has_error())
    return fail(path + ": write error");
  file.keep();
  return 0;
}

int run(llvm::StringRef program, ArrayRef<std::string> args,
        const std::string &what) {
  SmallVector<llvm::StringRef> argv;
  argv.push_back(program);
  for (const std::string &a : args)
    argv.push_back(a);
  std::string err;
  int rc =
      llvm::sys::ExecuteAndWait(program, argv, std::nullopt, {}, 0, 0, &err);
  if (rc < 0)
    return fail(what + ": " + (err.empty() ? "crashed" : err));
  return rc;
}

/// Links the executable `exe` from the runtime's `mainSource` (the trainer
/// or the grad program) and the object and header in `dir`.
int linkProgram(const char *mainSource, const std::string &dir,
                const Compiled &c, const std::string &exe,
                int64_t threadsUsed) {
  std::string cc = "cc";
  if (const char *env = std::getenv("CC"))
    cc = env;
  auto found = llvm::sys::findProgramByName(cc);
  if (!found) {
    found = llvm::sys::findProgramByName("clang-22");
    if (!found)
      return fail("no C compiler found to link the trainer (set CC)");
  }
  std::string header = dir + "/" + c.modelName + ".h";
  std::vector<std::string> args = {"-O2",
                                   "-I" ADJOINT_RT_INCLUDE_DIR,
                                   "-DADJ_MODEL_HEADER=\"" + header + "\"",
                                   "-DADJ_MODEL_INFO=" + c.modelName + "_info",
                                   mainSource,
                                   dir + "/" + c.modelName + ".o",
                                   ADJOINT_RT_LIBRARY,
                                   "-lz",
                                   "-lm",
                                   "-o",
                                   exe};
  if (threadsUsed > 1) {
    // LLVM's OpenMP runtime: the object calls __kmpc_* entry points.
    args.insert(args.end() - 2, {"-L" ADJOINT_OMP_LIBDIR, "-lomp",
                                 "-Wl,-rpath," ADJOINT_OMP_LIBDIR});
  }
  int rc = run(*found, args, "linking the program");
  if (rc != 0)
    return rc > 0 ? fail("linking the program failed") : rc;
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  Options o;
  o.argv0 = argc > 0 ? argv[0] : "adjoint";
  if (int rc = parseArgs(argc, argv, o); rc >= 0)
    return rc;
  adjoint::registerAdjointPasses();
  registerAllPasses();
  if (o.command == "check")
    o.f64 = true;
  if (o.command != "compile" && !o.emit.empty())
    return fail("--emit is only for the compile command");

  // One target machine for the whole compile: it checks the CPU name,
  // optimizes the LLVM IR and emits the object.
  std::string targetError;
  adjoint::NativeTargetPtr target =
      adjoint::createNativeTarget(o.target, targetError);
  if (!target)
    return fail(targetError);
  if (o.command == "grad") {
    // The model is compiled for the batch of the inputs.
    int64_t batch = 0;
    if (adj_safetensors_batch(o.inputs.c_str(), &batch) != 0)
      return fail(adj_last_error());
    if (o.batch && *o.batch != batch)
      return fail("--batch=" + std::to_string(*o.batch) + " but the inputs " +
                  o.inputs + " have batch size " + std::to_string(batch));
    o.batch = batch;
  }
  Driver driver(o, *target);
  Compiled compiled;
  if (o.command == "compile") {
    if (!o.emit.empty() && o.emit != "obj")
      return driver.compile("", compiled);
    std::string base = o.output.empty() ? stem(o.input) : o.output;
    if (o.emit == "obj")
      return driver.compile(base, compiled);
    if (int rc = driver.compile(base + ".o", compiled))
      return rc;
    return writeFile(base + ".h", compiled.header);
  }

  // build / train / check / grad: work in a temporary (or kept) directory.
  llvm::SmallString<128> dir;
  if (!o.keep.empty()) {
    dir = o.keep;
    // The header is included by absolute path: quoted includes do not
    // search the working directory.
    llvm::sys::fs::make_absolute(dir);
    if (std::error_code ec = llvm::sys::fs::create_directories(dir))
      return fail(o.keep + ": cannot create directory: " + ec.message());
  } else if (std::error_code ec =
                 llvm::sys::fs::createUniqueDirectory("adjoint", dir)) {
    return fail("cannot create a temporary directory: " + ec.message());
  }
  llvm::scope_exit cleanup([&] {
    if (o.keep.empty())
      llvm::sys::fs::remove_directories(dir);
  });
  std::string stemName = stem(o.input);
  // The object is named after the model (the header includes nothing else).
  if (int rc = driver.compile((dir + "/obj.o").str(), compiled))
    return rc;
  std::string objPath = (dir + "/" + compiled.modelName + ".o").str();
  if (std::error_code ec = llvm::sys::fs::rename(dir + "/obj.o", objPath))
    return fail("cannot write " + objPath + ": " + ec.message());
  if (int rc = writeFile((dir + "/" + compiled.modelName + ".h").str(),
                         compiled.header))
    return rc;
  std::string exe =
      o.command == "build"
          ? (o.output.empty() ? stemName : o.output)
          : (dir + "/" + compiled.modelName + "-" + o.command).str();
  const char *mainSource =
      o.command == "grad" ? ADJOINT_RT_GRAD_MAIN : ADJOINT_RT_TRAINER_MAIN;
  if (int rc =
          linkProgram(mainSource, dir.str().str(), compiled, exe, o.threads))
    return rc;
  if (o.command == "build")
    return 0;
  std::vector<std::string> args = o.trainerArgs;
  if (o.command == "check")
    args.insert(args.begin(), "--check");
  if (o.command == "grad") {
    args.insert(args.end(), {"--inputs", o.inputs, "-o", o.output});
    if (!o.params.empty())
      args.insert(args.end(), {"--params", o.params});
  }
  llvm::outs().flush();
  return run(exe, args,
             o.command == "grad" ? "running the grad program"
                                 : "running the trainer");
}
