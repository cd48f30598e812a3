# -*- Python -*-
import os
import lit.formats

config.name = "Adjoint"
config.test_format = lit.formats.ShTest(execute_external=True)
config.suffixes = [".mlir", ".adj", ".test"]
config.excludes = ["Inputs", "lit.cfg.py", "lit.site.cfg.py", "CMakeLists.txt", "unit"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.adjoint_obj_root, "test")

config.environment["PATH"] = os.pathsep.join(
    [config.adjoint_tools_dir, config.llvm_tools_dir, config.environment.get("PATH", os.environ.get("PATH", ""))])
config.substitutions.append(("%adjoint_src", config.adjoint_src_root))
config.substitutions.append(("%rt_include", config.adjoint_rt_include))
config.substitutions.append(("%rt_lib", config.adjoint_rt_lib))
config.substitutions.append(("%cc", config.c_compiler))
config.substitutions.append(("%python", "/usr/bin/python3"))

# Integration tests that need the Fashion-MNIST package or PyTorch.
if os.path.exists("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"):
    config.available_features.add("fashion-mnist")
if os.path.exists("/usr/lib/python3/dist-packages/sklearn/datasets/data/diabetes_data_raw.csv.gz"):
    config.available_features.add("sklearn")
# Looks torch up without importing it (which takes seconds).
import subprocess
if subprocess.run(["/usr/bin/python3", "-c",
                   "import importlib.util, sys; "
                   "sys.exit(importlib.util.find_spec('torch') is None)"],
                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0:
    config.available_features.add("torch")
