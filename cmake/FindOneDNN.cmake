# Locates oneDNN unpacked from the JavaCPP preset jar (DNNL_ROOT/include, DNNL_ROOT/libdnnl.so.3)
# and defines the imported target onednn::dnnl.
if(NOT DNNL_ROOT)
  message(FATAL_ERROR "DNNL_ROOT is not set: build through Maven (mvn package), which unpacks oneDNN first")
endif()
find_path(DNNL_INCLUDE_DIR oneapi/dnnl/dnnl.hpp PATHS ${DNNL_ROOT}/include NO_DEFAULT_PATH REQUIRED)
find_file(DNNL_LIBRARY libdnnl.so.3 PATHS ${DNNL_ROOT} ${DNNL_ROOT}/lib NO_DEFAULT_PATH REQUIRED)
find_file(DNNL_GOMP libgomp.so.1 PATHS ${DNNL_ROOT} ${DNNL_ROOT}/lib NO_DEFAULT_PATH REQUIRED)
add_library(onednn::dnnl SHARED IMPORTED)
set_target_properties(onednn::dnnl PROPERTIES
  IMPORTED_LOCATION ${DNNL_LIBRARY}
  IMPORTED_NO_SONAME FALSE
  INTERFACE_INCLUDE_DIRECTORIES ${DNNL_INCLUDE_DIR})
message(STATUS "oneDNN: ${DNNL_LIBRARY}")
