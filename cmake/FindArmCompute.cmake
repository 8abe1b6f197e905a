# Locates the ARM Compute Library (Debian's libarm-compute-dev: 20.08) and defines the imported target
# armcompute::acl on its static archives, so that libadabm_native.so carries ACL inside and nothing else ships.
# Debian's archives are not position-independent code: ld takes them into a shared object only when none of their
# symbols can bind externally, which the library's version script (native/arm/exports.map: adabm_* global,
# everything else local) ensures. ACL_ROOT may point at another install (include/, lib/ or build/).
set(ACL_ROOT "" CACHE PATH "ARM Compute Library root (include/arm_compute, lib/libarm_compute-static.a); default: Debian's")
set(_acl_paths ${ACL_ROOT} ${ACL_ROOT}/include ${ACL_ROOT}/lib ${ACL_ROOT}/build ${ACL_ROOT_HINTS}
    /usr/include/aarch64-linux-gnu /usr/lib/aarch64-linux-gnu /usr/include /usr/lib)
find_path(ACL_INCLUDE_DIR arm_compute/runtime/NEON/NEFunctions.h PATHS ${_acl_paths} NO_CMAKE_FIND_ROOT_PATH NO_DEFAULT_PATH)
find_library(ACL_LIBRARY NAMES libarm_compute-static.a PATHS ${_acl_paths} NO_CMAKE_FIND_ROOT_PATH NO_DEFAULT_PATH)
find_library(ACL_CORE_LIBRARY NAMES libarm_compute_core-static.a PATHS ${_acl_paths} NO_CMAKE_FIND_ROOT_PATH NO_DEFAULT_PATH)
if(NOT ACL_INCLUDE_DIR OR NOT ACL_LIBRARY OR NOT ACL_CORE_LIBRARY)
  message(FATAL_ERROR "ARM Compute Library not found (include: ${ACL_INCLUDE_DIR}, libs: ${ACL_LIBRARY} ${ACL_CORE_LIBRARY}); "
                      "install libarm-compute-dev (cross: libarm-compute-dev:arm64) or set ACL_ROOT")
endif()
add_library(armcompute::acl INTERFACE IMPORTED)
set_target_properties(armcompute::acl PROPERTIES
  INTERFACE_INCLUDE_DIRECTORIES ${ACL_INCLUDE_DIR}
  INTERFACE_LINK_LIBRARIES "${ACL_LIBRARY};${ACL_CORE_LIBRARY};pthread")
message(STATUS "ARM Compute Library: ${ACL_LIBRARY}")
