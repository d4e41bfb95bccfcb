# The third-party packages the SDK's users need; shared by the project build and the installed
# RozSDK package so that a plugin sees exactly what roz was built against.
include_guard(GLOBAL)
include(CMakeFindDependencyMacro)

# LibTorch is the one inside a PyTorch wheel: by default the project venv's pinned torch
# (tools/setup.sh installs it); -DROZ_PYTHON=/path/to/python builds against that Python's PyTorch,
# -DROZ_TORCH_ROOT=DIR against any LibTorch tree (DIR/include, DIR/lib: a wheel's torch/ folder or an
# unpacked libtorch zip). The installed RozSDK package records the ROZ_TORCH_ROOT roz used.
#
# RoZ defines the target Roz::torch itself instead of using the wheel's TorchConfig: that probes a
# local CUDA toolkit (nvcc, TORCH_CUDA_ARCH_LIST, a CUDA20 dialect CMake 3.25 lacks) and links the
# toolkit's own libcudart, a second CUDA runtime beside the wheel's. RoZ has no CUDA sources; it needs
# the wheel's libraries, found at run time where the wheel keeps them.
if(NOT ROZ_TORCH_ROOT)
  if(NOT ROZ_PYTHON)
    set(ROZ_PYTHON "${PROJECT_SOURCE_DIR}/.venv/bin/python3")
  endif()
  execute_process(COMMAND "${ROZ_PYTHON}" -c "import os, torch; print(os.path.dirname(torch.__file__))"
                  OUTPUT_VARIABLE _roz_torch_root RESULT_VARIABLE _roz_torch_rc ERROR_QUIET
                  OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT _roz_torch_rc EQUAL 0)
    message(FATAL_ERROR "RoZ: no PyTorch found with ROZ_PYTHON='${ROZ_PYTHON}' (run tools/setup.sh, which "
                        "installs the pinned torch into .venv, or pass -DROZ_PYTHON=... or -DROZ_TORCH_ROOT=...)")
  endif()
  set(ROZ_TORCH_ROOT "${_roz_torch_root}" CACHE PATH "LibTorch tree (include/, lib/) roz builds against")
endif()
if(NOT TARGET Roz::torch)
  set(_roz_version_h "${ROZ_TORCH_ROOT}/include/torch/headeronly/version.h")
  if(NOT EXISTS "${_roz_version_h}")
    set(_roz_version_h "${ROZ_TORCH_ROOT}/include/torch/csrc/api/include/torch/version.h")
  endif()
  file(STRINGS "${_roz_version_h}" _roz_torch_version REGEX "^#define TORCH_VERSION_(MAJOR|MINOR|PATCH) ")
  string(REGEX REPLACE ".*MAJOR ([0-9]+).*MINOR ([0-9]+).*PATCH ([0-9]+).*" "\\1.\\2.\\3" Torch_VERSION
                       "${_roz_torch_version}")
  if(NOT Torch_VERSION MATCHES "^[0-9]+\\.[0-9]+\\.[0-9]+$" OR Torch_VERSION VERSION_LESS 2.0)
    message(FATAL_ERROR "RoZ: '${ROZ_TORCH_ROOT}' is not LibTorch 2.x (version '${Torch_VERSION}' from ${_roz_version_h})")
  endif()
  # Global: this file is read once per build (include_guard), and a find_package(RozSDK) in a
  # sibling directory checks the version too.
  set_property(GLOBAL PROPERTY ROZ_TORCH_VERSION "${Torch_VERSION}")
  # The libraries: torch_cpu, and torch_cuda where the build has CUDA. torch_cuda is linked even though
  # no RoZ code calls it: loading it registers the CUDA kernels and hooks (--no-as-needed).
  set(_roz_torch_libs "${ROZ_TORCH_ROOT}/lib/libtorch.so" "${ROZ_TORCH_ROOT}/lib/libtorch_cpu.so"
                      "${ROZ_TORCH_ROOT}/lib/libc10.so")
  foreach(_lib IN LISTS _roz_torch_libs)
    if(NOT EXISTS "${_lib}")
      message(FATAL_ERROR "RoZ: '${_lib}' is missing (ROZ_TORCH_ROOT='${ROZ_TORCH_ROOT}')")
    endif()
  endforeach()
  if(EXISTS "${ROZ_TORCH_ROOT}/lib/libtorch_cuda.so")
    list(APPEND _roz_torch_libs "-Wl,--no-as-needed,${ROZ_TORCH_ROOT}/lib/libtorch_cuda.so" "-Wl,--as-needed"
                                "${ROZ_TORCH_ROOT}/lib/libc10_cuda.so")
  endif()
  # Where the libraries find theirs at run time: the wheel's lib/ and the NVIDIA wheels beside it
  # (site-packages/nvidia/*/lib). libtorch_cuda has no search path of its own (Python preloads its
  # dependencies), so the paths are DT_RPATH (--disable-new-dtags), which the loader also uses for the
  # libraries' dependencies, unlike DT_RUNPATH; they come before the system's, so a CUDA toolkit in
  # /usr/local/cuda is never mixed in. -rpath-link lets the linker resolve the same libraries.
  file(GLOB _roz_nvidia_dirs LIST_DIRECTORIES true "${ROZ_TORCH_ROOT}/../nvidia/*/lib")
  set(ROZ_TORCH_RUNTIME_DIRS "${ROZ_TORCH_ROOT}/lib")
  foreach(_dir IN LISTS _roz_nvidia_dirs)
    get_filename_component(_dir "${_dir}" REALPATH)
    list(APPEND ROZ_TORCH_RUNTIME_DIRS "${_dir}")
  endforeach()
  set(_roz_torch_link_options "LINKER:--disable-new-dtags")
  foreach(_dir IN LISTS ROZ_TORCH_RUNTIME_DIRS)
    list(APPEND _roz_torch_link_options "LINKER:-rpath,${_dir}" "LINKER:-rpath-link,${_dir}")
  endforeach()
  add_library(Roz::torch INTERFACE IMPORTED)
  set_target_properties(Roz::torch PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${ROZ_TORCH_ROOT}/include;${ROZ_TORCH_ROOT}/include/torch/csrc/api/include"
    INTERFACE_LINK_LIBRARIES "${_roz_torch_libs}"
    INTERFACE_LINK_OPTIONS "${_roz_torch_link_options}"
    # what the wheel's TorchConfig gives its consumers: how LibTorch was built (its distributed headers read them)
    INTERFACE_COMPILE_DEFINITIONS "USE_C10D_GLOO;USE_C10D_NCCL;USE_DISTRIBUTED;USE_NVSHMEM;USE_RPC;USE_TENSORPIPE"
    INTERFACE_COMPILE_FEATURES cxx_std_20)
endif()

# Debian's OpenCV subset packages ship no CMake config: find the core library by hand.
if(NOT TARGET Roz::opencv_core)
  find_path(ROZ_OPENCV_INCLUDE_DIR opencv2/core.hpp PATH_SUFFIXES opencv4 REQUIRED)
  find_library(ROZ_OPENCV_CORE_LIBRARY opencv_core REQUIRED)
  add_library(Roz::opencv_core SHARED IMPORTED)
  set_target_properties(Roz::opencv_core PROPERTIES
    IMPORTED_LOCATION "${ROZ_OPENCV_CORE_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${ROZ_OPENCV_INCLUDE_DIR}")
endif()
# imgproc: the corruption helpers of the support library (roz/support/corruptions/image_ops.hpp).
if(NOT TARGET Roz::opencv_imgproc)
  find_library(ROZ_OPENCV_IMGPROC_LIBRARY opencv_imgproc REQUIRED)
  add_library(Roz::opencv_imgproc SHARED IMPORTED)
  set_target_properties(Roz::opencv_imgproc PROPERTIES
    IMPORTED_LOCATION "${ROZ_OPENCV_IMGPROC_LIBRARY}"
    INTERFACE_LINK_LIBRARIES Roz::opencv_core)
endif()
