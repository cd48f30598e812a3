//===- runtime_TestFiles.h - Byte files for the runtime tests ---*- C++ -*-===//
//
// Whole files as bytes, and safetensors files with a hand-written header, for
// the tests of readers that must reject damaged files.
//
//===----------------------------------------------------------------------===//
#ifndef ADJOINT_TEST_UNIT_RUNTIME_TESTFILES_H
#define ADJOINT_TEST_UNIT_RUNTIME_TESTFILES_H

#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace adjoint_test {

using Bytes = std::vector<unsigned char>;

inline Bytes readBytes(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in),
               std::istreambuf_iterator<char>());
}

inline void writeBytes(const std::string &path, const Bytes &b) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char *>(b.data()),
            static_cast<std::streamsize>(b.size()));
}

/// A safetensors file with header text `json` and `dataLen` zero data bytes.
inline Bytes craftSafetensors(const std::string &json, size_t dataLen) {
  Bytes b(8);
  uint64_t n = json.size();
  for (int i = 0; i < 8; ++i)
    b[size_t(i)] = static_cast<unsigned char>(n >> (8 * i));
  b.insert(b.end(), json.begin(), json.end());
  b.resize(b.size() + dataLen);
  return b;
}

} // namespace adjoint_test

#endif // ADJOINT_TEST_UNIT_RUNTIME_TESTFILES_H
