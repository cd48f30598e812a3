//===- adjoint-opt.cpp - Run Adjoint and MLIR passes on .mlir files -------===//

#include "compiler/Passes.h"
#include "compiler/pipelines/Pipelines.h"

#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::registerAllPasses();
  adjoint::registerAdjointPasses();
  adjoint::registerPipelines();
  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  registry.insert<adjoint::mdl::MdlDialect, adjoint::optim::OptimDialect>();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "Adjoint pass driver\n", registry));
}
