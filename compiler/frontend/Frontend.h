//===- Frontend.h - Public API of the Adjoint model-language frontend -----===//
//
// The frontend reads a `.adj` source file, parses it into the AST declared in
// AST.h and runs semantic analysis on it. It depends only on the C++17
// standard library (no LLVM/MLIR).
//
// Typical use:
//
//   SourceFile src;
//   std::string err;
//   if (!readSourceFile(path, src, err)) { std::cerr << err << "\n"; ... }
//   DiagnosticEngine diags(src, std::cerr);
//   std::optional<ast::Program> prog = parse(src, diags);
//   if (!prog || !analyze(*prog, diags)) return 1;
//   printAST(*prog, std::cout);
//
//===----------------------------------------------------------------------===//

#ifndef ADJOINT_FRONTEND_FRONTEND_H
#define ADJOINT_FRONTEND_FRONTEND_H

#include "compiler/frontend/AST.h"

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace adjoint::frontend {

/// The text of one source file together with the name used in diagnostics.
struct SourceFile {
  std::string name;
  std::string text;

  /// Number of lines of the file (a trailing newline does not start a line;
  /// an empty file has 0 lines).
  unsigned numLines() const;
  /// The text of a 1-based line without its line terminator ("" when the line
  /// does not exist).
  std::string lineText(unsigned line) const;
};

/// Reads `path` into `out` (out.name = path). On failure returns false and
/// sets `error` to "<path>: cannot open file: <strerror>".
bool readSourceFile(const std::string &path, SourceFile &out,
                    std::string &error);

/// Prints clang-style diagnostics:
///
///   file:line:col: error: message
///     <source line>
///         ^
///
/// A location with line 0 prints as "file: error: message" without a source
/// excerpt. After `errorLimit()` errors further diagnostics are suppressed
/// (a single "too many errors emitted, stopping now" is printed instead).
class DiagnosticEngine {
public:
  DiagnosticEngine(const SourceFile &src, std::ostream &os);

  void error(ast::SrcLoc loc, const std::string &msg);
  void note(ast::SrcLoc loc, const std::string &msg);

  /// Registers another source file (a library); locations with
  /// `SrcLoc::file` equal to the returned id print from it. `file` must
  /// outlive the engine.
  unsigned addFile(const SourceFile &file);

  /// A note printed after every error until the matching popContext (e.g.
  /// "in layer 'dense' called here" while a layer is instantiated);
  /// innermost first.
  void pushContext(ast::SrcLoc loc, const std::string &msg);
  void popContext();

  unsigned numErrors() const { return errors; }
  /// True once the error limit has been reached; the parser stops then.
  bool hitErrorLimit() const { return errors >= errorLimit(); }
  static constexpr unsigned errorLimit() { return 20; }

  const SourceFile &source() const { return src; }

private:
  void emit(ast::SrcLoc loc, const char *kind, const std::string &msg);

  const SourceFile &fileOf(ast::SrcLoc loc) const;

  const SourceFile &src;
  std::vector<const SourceFile *> files;
  std::vector<std::pair<ast::SrcLoc, std::string>> contexts;
  std::ostream &os;
  unsigned errors = 0;
  bool suppressNotes = false;
};

/// Parses a whole source file. Returns std::nullopt after reporting at least
/// one syntax error.
std::optional<ast::Program> parse(const SourceFile &src,
                                  DiagnosticEngine &diags);

/// Parses a library file (layer definitions only, e.g. the standard library)
/// into `prog.layers`; its locations get a new file id registered in `diags`
/// and `prog.files`. `lib` must outlive `diags`. Returns false after
/// reporting syntax errors.
bool parseLibrary(const SourceFile &lib, DiagnosticEngine &diags,
                  ast::Program &prog);

/// Resolves names, the batch symbol B (batchOverride if given, else the train
/// section's batch, else 32), computes dtype/shape of every Expr, validates
/// everything. Returns false after reporting errors.
bool analyze(ast::Program &prog, DiagnosticEngine &diags,
             std::optional<int64_t> batchOverride = std::nullopt);

/// Prints the AST in a deterministic, indented, human-readable form that
/// includes the resolved type of every expression (e.g. "f32[128, 256]").
void printAST(const ast::Program &prog, std::ostream &os);

} // namespace adjoint::frontend

#endif // ADJOINT_FRONTEND_FRONTEND_H
