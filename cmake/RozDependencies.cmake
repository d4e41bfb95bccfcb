# The third-party packages the SDK's users need; shared by the project build and the installed
# RozSDK package so that a plugin sees exactly what roz was built against.
include_guard(GLOBAL)
include(CMakeFindDependencyMacro)

# LibTorch is the one inside a PyTorch wheel: by default the project venv's pinned torch
# (tools/setup.sh installs it); -DROZ_PYTHON=/path/to/python builds against that Python's PyTorch,
# -DTorch_DIR=... against any LibTorch. The installed RozSDK package records the Torch_DIR roz used.
if(NOT Torch_DIR)
  if(NOT ROZ_PYTHON)
    set(ROZ_PYTHON "${PROJECT_SOURCE_DIR}/.venv/bin/python3")
  endif()
  execute_process(COMMAND "${ROZ_PYTHON}" -c "import torch.utils; print(torch.utils.cmake_prefix_path)"
                  OUTPUT_VARIABLE _roz_torch_prefix RESULT_VARIABLE _roz_torch_rc ERROR_QUIET
                  OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT _roz_torch_rc EQUAL 0)
    message(FATAL_ERROR "RoZ: no PyTorch found with ROZ_PYTHON='${ROZ_PYTHON}' (run tools/setup.sh, which "
                        "installs the pinned torch into .venv, or pass -DROZ_PYTHON=... or -DTorch_DIR=...)")
  endif()
  set(Torch_DIR "${_roz_torch_prefix}/Torch" CACHE PATH "LibTorch's CMake package (TorchConfig.cmake)")
endif()
# The wheel's TorchConfig probes CUDA. Without a GPU it needs the architectures to build for, and
# CMake 3.25 does not know the CUDA20 dialect it asks for; RoZ itself has no CUDA sources.
if(NOT TORCH_CUDA_ARCH_LIST AND NOT DEFINED ENV{TORCH_CUDA_ARCH_LIST})
  set(TORCH_CUDA_ARCH_LIST "8.0;9.0")
endif()
if(NOT CMAKE_CUDA_STANDARD)
  set(CMAKE_CUDA_STANDARD 17)
endif()
find_dependency(Torch)

# Debian's OpenCV subset packages ship no CMake config: find the core library by hand.
if(NOT TARGET Roz::opencv_core)
  find_path(ROZ_OPENCV_INCLUDE_DIR opencv2/core.hpp PATH_SUFFIXES opencv4 REQUIRED)
  find_library(ROZ_OPENCV_CORE_LIBRARY opencv_core REQUIRED)
  add_library(Roz::opencv_core SHARED IMPORTED)
  set_target_properties(Roz::opencv_core PROPERTIES
    IMPORTED_LOCATION "${ROZ_OPENCV_CORE_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${ROZ_OPENCV_INCLUDE_DIR}")
endif()
