# The third-party packages the SDK's users need; shared by the project build and the installed
# RozSDK package so that a plugin sees exactly what roz was built against.
include_guard(GLOBAL)
include(CMakeFindDependencyMacro)

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
