//===- AST.cpp - Out-of-line members of the AST ---------------------------===//

#include "compiler/frontend/AST.h"

namespace adjoint::ast {

const char *dtypeName(DType t) {
  switch (t) {
  case DType::F32:
    return "f32";
  case DType::F64:
    return "f64";
  case DType::I32:
    return "i32";
  }
  return "?";
}

const Model *Program::findModel(const std::string &name) const {
  for (const Model &m : models)
    if (m.name == name)
      return &m;
  return nullptr;
}

const Layer *Program::findLayer(const std::string &name) const {
  const Layer *lib = nullptr;
  for (const Layer &l : layers)
    if (l.name == name) {
      if (!l.library)
        return &l;
      if (!lib)
        lib = &l;
    }
  return lib;
}

const TrainConfig *Program::findTrain(const std::string &model) const {
  for (const TrainConfig &t : trains)
    if (t.model == model)
      return &t;
  return nullptr;
}

} // namespace adjoint::ast
