#!/usr/bin/env bash
# On a GPU machine without Java, with target/gpu-bundle.tar.xz from tests/gpu/java-bundle.sh carried here: unpacks
# it, makes sure libadabm_cuda.so runs here (the bundled one, else one built here from native/cuda with CMake and
# nvcc, e.g. for an older driver), then runs the cuda backend's Java tests (adabm.backend.cuda.DeviceTestMain:
# CudaAvailabilityTest, CudaPlanGpuTest) on the bundled JRE. Usage: tests/gpu/java-check.sh  (from the repo root;
# exit status 1 when a test failed). Then tests/gpu/java-cli.sh runs the CLI on the same bundle.
set -euo pipefail
B=target/gpu-bundle
[ -d "$B/jre" ] || tar -C target -xJf target/gpu-bundle.tar.xz
mkdir -p "$B/native"
JAVA=("$B/jre/bin/java" --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -Xss8m -Xmx16g
      -Dadabm.native.dir="$PWD/$B/native" -cp "$B/lib/*")
if ! "${JAVA[@]}" adabm.backend.cuda.DeviceTestMain --probe; then
    echo "building libadabm_cuda.so here (the bundled one does not run)"
    cmake -S native/cuda -B target/gpu-build -DADABM_NATIVE_OUT="$PWD/$B/native" -DCMAKE_BUILD_TYPE=Release \
        -DCMAKE_CUDA_ARCHITECTURES=native > target/gpu-cmake.log
    cmake --build target/gpu-build -j"$(nproc)" --target adabm_cuda >> target/gpu-cmake.log
fi
"${JAVA[@]}" adabm.backend.cuda.DeviceTestMain "$@"
