//===- Diagnostics.cpp - Source files and clang-style diagnostics ---------===//

#include "compiler/frontend/Frontend.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace adjoint::frontend {

unsigned SourceFile::numLines() const {
  if (text.empty())
    return 0;
  unsigned n = 0;
  for (char c : text)
    if (c == '\n')
      ++n;
  if (text.back() != '\n')
    ++n;
  return n;
}

std::string SourceFile::lineText(unsigned line) const {
  if (line == 0)
    return "";
  size_t pos = 0;
  for (unsigned l = 1; l < line; ++l) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos)
      return "";
    pos = nl + 1;
  }
  if (pos >= text.size())
    return "";
  size_t end = text.find('\n', pos);
  if (end == std::string::npos)
    end = text.size();
  if (end > pos && text[end - 1] == '\r')
    --end;
  return text.substr(pos, end - pos);
}

bool readSourceFile(const std::string &path, SourceFile &out,
                    std::string &error) {
  errno = 0;
  std::FILE *f = std::fopen(path.c_str(), "rb");
  if (!f) {
    error = path + ": cannot open file: " + std::strerror(errno);
    return false;
  }
  std::string text;
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0)
    text.append(buf, n);
  if (std::ferror(f)) {
    int err = errno;
    std::fclose(f);
    error = path + ": cannot open file: " + std::strerror(err ? err : EIO);
    return false;
  }
  std::fclose(f);
  out.name = path;
  out.text = std::move(text);
  return true;
}

DiagnosticEngine::DiagnosticEngine(const SourceFile &src, std::ostream &os)
    : src(src), os(os) {}

unsigned DiagnosticEngine::addFile(const SourceFile &file) {
  files.push_back(&file);
  return static_cast<unsigned>(files.size());
}

const SourceFile &DiagnosticEngine::fileOf(ast::SrcLoc loc) const {
  if (loc.file == 0 || loc.file > files.size())
    return src;
  return *files[loc.file - 1];
}

void DiagnosticEngine::pushContext(ast::SrcLoc loc, const std::string &msg) {
  contexts.emplace_back(loc, msg);
}

void DiagnosticEngine::popContext() {
  if (!contexts.empty())
    contexts.pop_back();
}

void DiagnosticEngine::emit(ast::SrcLoc loc, const char *kind,
                            const std::string &msg) {
  const SourceFile &src = fileOf(loc);
  os << src.name;
  if (loc.line != 0)
    os << ':' << loc.line << ':' << loc.col;
  os << ": " << kind << ": " << msg << '\n';
  if (loc.line == 0 || loc.line > src.numLines())
    return;
  std::string line = src.lineText(loc.line);
  // Keep the excerpt printable; control characters would garble the terminal
  // and break the caret alignment.
  for (char &c : line)
    if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f)
      c = ' ';
  std::string caret;
  unsigned col = loc.col == 0 ? 1 : loc.col;
  for (unsigned i = 1; i < col; ++i)
    caret += (i - 1 < line.size() && line[i - 1] == '\t') ? '\t' : ' ';
  caret += '^';
  os << line << '\n' << caret << '\n';
}

void DiagnosticEngine::error(ast::SrcLoc loc, const std::string &msg) {
  ++errors;
  if (errors > errorLimit()) {
    suppressNotes = true;
    if (errors == errorLimit() + 1)
      os << src.name << ": error: too many errors emitted, stopping now\n";
    return;
  }
  suppressNotes = false;
  emit(loc, "error", msg);
  for (auto it = contexts.rbegin(); it != contexts.rend(); ++it)
    emit(it->first, "note", it->second);
}

void DiagnosticEngine::note(ast::SrcLoc loc, const std::string &msg) {
  if (suppressNotes)
    return;
  emit(loc, "note", msg);
}

} // namespace adjoint::frontend
