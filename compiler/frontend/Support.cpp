//===- Support.cpp - Small helpers shared by the frontend -----------------===//

#include "compiler/frontend/Support.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace adjoint::frontend {

std::string formatNumber(double v) {
  if (std::isnan(v))
    return "nan";
  if (std::isinf(v))
    return v < 0 ? "-inf" : "inf";
  if (v == 0)
    return std::signbit(v) ? "-0" : "0";
  char buf[64];
  if (v == std::floor(v) && std::fabs(v) < 1e18) {
    std::snprintf(buf, sizeof(buf), "%.0f", v);
    return buf;
  }
  for (int prec = 1; prec <= 17; ++prec) {
    std::snprintf(buf, sizeof(buf), "%.*g", prec, v);
    if (std::strtod(buf, nullptr) == v)
      break;
  }
  return buf;
}

std::string formatType(ast::DType dtype, const std::vector<int64_t> &shape) {
  std::string s = ast::dtypeName(dtype);
  s += '[';
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i)
      s += ", ";
    s += std::to_string(shape[i]);
  }
  s += ']';
  return s;
}

unsigned editDistance(const std::string &a, const std::string &b) {
  std::vector<unsigned> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j)
    prev[j] = static_cast<unsigned>(j);
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = static_cast<unsigned>(i);
    for (size_t j = 1; j <= b.size(); ++j) {
      unsigned subst = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, subst});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string closestMatch(const std::string &name,
                         const std::vector<std::string> &candidates) {
  if (name.size() > 64)
    return "";
  std::string best;
  unsigned bestDist = 0;
  for (const std::string &c : candidates) {
    if (c == name || c.size() > 64)
      continue;
    unsigned d = editDistance(name, c);
    unsigned limit = std::max<unsigned>(
        1, static_cast<unsigned>(std::max(name.size(), c.size()) / 3));
    if (d > limit)
      continue;
    if (best.empty() || d < bestDist) {
      best = c;
      bestDist = d;
    }
  }
  return best;
}

std::string didYouMean(const std::string &name,
                       const std::vector<std::string> &candidates) {
  std::string m = closestMatch(name, candidates);
  return m.empty() ? std::string() : "; did you mean '" + m + "'?";
}

std::string abbreviate(const std::string &text, size_t maxLen) {
  if (text.size() <= maxLen)
    return text;
  return text.substr(0, maxLen) + "...";
}

std::string joinNames(const std::vector<std::string> &names) {
  std::string s;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i)
      s += ", ";
    s += names[i];
  }
  return s;
}

} // namespace adjoint::frontend
