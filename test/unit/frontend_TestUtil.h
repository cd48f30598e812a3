//===- frontend_TestUtil.h - Helpers for the frontend unit tests ----------===//

#ifndef ADJOINT_TEST_UNIT_FRONTEND_TESTUTIL_H
#define ADJOINT_TEST_UNIT_FRONTEND_TESTUTIL_H

#include "compiler/frontend/Frontend.h"

#include <optional>
#include <sstream>
#include <string>

namespace adjoint::frontend::test {

struct RunResult {
  bool ok = false;         // parse (and analyze, if requested) succeeded
  bool parsed = false;     // parse succeeded
  std::string diags;       // everything the DiagnosticEngine printed
  std::optional<ast::Program> prog;
  unsigned numErrors = 0;

  /// The first line of the diagnostics ("t.adj:3:7: error: ...").
  std::string first() const { return diags.substr(0, diags.find('\n')); }
};

inline RunResult run(const std::string &text,
                     std::optional<int64_t> batch = std::nullopt,
                     bool sema = true) {
  SourceFile src{"t.adj", text};
  std::ostringstream os;
  DiagnosticEngine diags(src, os);
  RunResult r;
  r.prog = parse(src, diags);
  r.parsed = r.prog.has_value();
  r.ok = r.parsed;
  if (r.ok && sema)
    r.ok = analyze(*r.prog, diags, batch);
  r.diags = os.str();
  r.numErrors = diags.numErrors();
  return r;
}

inline std::string dump(const ast::Program &prog) {
  std::ostringstream os;
  printAST(prog, os);
  return os.str();
}

/// A model with inputs x: f32[B, 4], y: i32[B] (line 1); `body` starts on
/// line 2; then "}".
inline std::string model(const std::string &body) {
  return "model m(x: f32[B, 4], y: i32[B]) {\n" + body + "}\n";
}

/// First diagnostic line of running `text` through parse + analyze.
inline std::string firstError(const std::string &text) {
  return run(text).first();
}

inline std::string typeOf(const ast::Expr &e) {
  std::string s = ast::dtypeName(e.dtype);
  s += '[';
  for (size_t i = 0; i < e.shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(e.shape[i]);
  return s + ']';
}

} // namespace adjoint::frontend::test

#endif // ADJOINT_TEST_UNIT_FRONTEND_TESTUTIL_H
