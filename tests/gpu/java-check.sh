#!/usr/bin/env bash
# On a GPU machine without Java (after tests/gpu/java-bundle.sh made target/gpu-bundle elsewhere and it was carried
# here): builds libadabm_cuda.so from native/cuda with CMake and nvcc, then runs the cuda backend's Java tests
# (adabm.backend.cuda.DeviceTestMain: CudaAvailabilityTest, CudaPlanGpuTest) on the bundled JRE against it.
# Usage: tests/gpu/java-check.sh  (from the repo root; exit status 1 when a test failed)
set -euo pipefail
B=target/gpu-bundle
mkdir -p "$B/native"
cmake -S native/cuda -B target/gpu-build -DADABM_NATIVE_OUT="$PWD/$B/native" -DCMAKE_BUILD_TYPE=Release > target/gpu-cmake.log
cmake --build target/gpu-build -j"$(nproc)" --target adabm_cuda >> target/gpu-cmake.log
"$B/jre/bin/java" --enable-native-access=ALL-UNNAMED -Xss8m -Xmx8g -Dadabm.native.dir="$PWD/$B/native" \
    -cp "$B/lib/*" adabm.backend.cuda.DeviceTestMain "$@"
