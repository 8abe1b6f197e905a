# aarch64 (included from native/CMakeLists.txt): libadabm_native.so with the ARM Compute Library running the
# convolutions (int8 GEMMLowp and float32), the shared sources for everything else, and the test driver that runs
# integer or float32 plans from files (tests run it under qemu-aarch64 against the x86-64 library's outputs).
include(FindArmCompute)
set(ADABM_ARM_FLAGS -O3 -Wall -Wextra -fopenmp -ffp-contract=off -fvisibility=hidden)

# the two ACL convs (int8 GEMMLowp accumulators, float32), shared by the library and their check program
add_library(adabm_acl_convs STATIC arm/acl_int8_conv.cpp arm/acl_float_conv.cpp arm/acl_support.cpp)
target_link_libraries(adabm_acl_convs PUBLIC armcompute::acl)
target_include_directories(adabm_acl_convs PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_options(adabm_acl_convs INTERFACE -fopenmp)
target_compile_options(adabm_acl_convs PRIVATE ${ADABM_ARM_FLAGS})

add_library(adabm_native SHARED ${ADABM_SHARED_SOURCES}
  arm/int8_conv_acl.cpp
  arm/conv_layer_acl.cpp
  arm/epilogue_portable_only.cpp
  arm/abi_fconv_unsupported.cpp)
target_include_directories(adabm_native PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/include ${CMAKE_CURRENT_SOURCE_DIR}/src
                                                ${CMAKE_CURRENT_SOURCE_DIR}/arm)
target_compile_definitions(adabm_native PRIVATE ADABM_BACKEND_ACL)
target_link_libraries(adabm_native PRIVATE adabm_acl_convs)
# -ffp-contract=off: no fused multiply-adds, so the epilogue's IEEE operations are the x86 build's, one for one
target_compile_options(adabm_native PRIVATE ${ADABM_ARM_FLAGS})
target_link_options(adabm_native PRIVATE -fopenmp -Wl,--version-script=${CMAKE_CURRENT_SOURCE_DIR}/arm/exports.map -Wl,--no-undefined)
set_source_files_properties(src/simple_ops.cpp src/fused_chain.cpp src/activation_codes.cpp PROPERTIES COMPILE_OPTIONS -fno-trapping-math)
set_target_properties(adabm_native PROPERTIES
  LIBRARY_OUTPUT_DIRECTORY ${ADABM_NATIVE_OUT}
  BUILD_RPATH "\$ORIGIN" INSTALL_RPATH "\$ORIGIN")

# the ACL convs against naive loops (int8 bit for bit, float32 within its summation bound); run under qemu by
# ArmEmulationTest
add_executable(adabm_acl_conv_check arm/tests/acl_conv_check.cpp)
target_include_directories(adabm_acl_conv_check PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/arm)
target_link_libraries(adabm_acl_conv_check PRIVATE adabm_acl_convs)
set_target_properties(adabm_acl_conv_check PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${ADABM_NATIVE_OUT})

add_executable(adabm_plan_driver arm/tests/plan_driver.cpp)
target_include_directories(adabm_plan_driver PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/include)
target_link_libraries(adabm_plan_driver PRIVATE adabm_native pthread)
set_target_properties(adabm_plan_driver PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${ADABM_NATIVE_OUT}
  BUILD_RPATH "\$ORIGIN" INSTALL_RPATH "\$ORIGIN")

# the OpenMP runtime travels beside the library (a server need not have GCC's libgomp installed)
execute_process(COMMAND ${CMAKE_CXX_COMPILER} -print-file-name=libgomp.so.1 OUTPUT_VARIABLE ADABM_GOMP OUTPUT_STRIP_TRAILING_WHITESPACE)
if(EXISTS "${ADABM_GOMP}")
  add_custom_command(TARGET adabm_native POST_BUILD COMMAND ${CMAKE_COMMAND} -E copy_if_different ${ADABM_GOMP} ${ADABM_NATIVE_OUT}/)
endif()
