#!/bin/bash
# Cross-builds native/arm's ACL convs with their check into an aarch64 shared library linked the way the native
# library will be (ACL 20.08's static archives inside, -fPIC objects, only adabm_* exported), and runs it under
# qemu-aarch64 through a small launcher.
# Usage: native/arm/tests/build_and_run.sh [build dir] [qemu -cpu model, default max]
# (-cpu cortex-a53 makes ACL take its kernels without the dot-product instruction.)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
arm="$(dirname "$here")"
out="${1:-${TMPDIR:-/tmp}/adabm-acl-check}"
cpu="${2:-max}"
mkdir -p "$out"
CXX=aarch64-linux-gnu-g++
ACL_LIB=/usr/lib/aarch64-linux-gnu
FLAGS=(-O2 -std=c++17 -ffp-contract=off -march=armv8-a -fPIC -fvisibility=hidden -Wall -Wextra
       -isystem /usr/include/aarch64-linux-gnu)
start=$(date +%s)
objs=()
pids=()
for src in "$arm"/acl_support.cpp "$arm"/acl_int8_conv.cpp "$arm"/acl_float_conv.cpp "$here"/acl_conv_check.cpp; do
    obj="$out/$(basename "${src%.cpp}").o"
    "$CXX" "${FLAGS[@]}" -c "$src" -o "$obj" &
    pids+=($!)
    objs+=("$obj")
done
for pid in "${pids[@]}"; do wait "$pid"; done
"$CXX" -shared -o "$out/libadabm_acl_check.so" "${objs[@]}" \
    "$ACL_LIB/libarm_compute-static.a" "$ACL_LIB/libarm_compute_core-static.a" -lpthread \
    -Wl,--version-script="$here/exports.map" -Wl,--no-undefined
"$CXX" -O2 -o "$out/acl_conv_check" "$here/check_launcher.cpp" -L"$out" -ladabm_acl_check -Wl,-rpath,'$ORIGIN'
echo "built in $(( $(date +%s) - start )) s"
# The loader and libc must come from the same glibc build: -L /usr/aarch64-linux-gnu alone takes the cross
# toolchain's ld.so but the multiarch libc6:arm64 from /lib/aarch64-linux-gnu, and then pthread_create spins
# forever (ACL starts its thread pool on first use), so the cross libc directory goes first on the library path.
start=$(date +%s)
qemu-aarch64 -cpu "$cpu" -L /usr/aarch64-linux-gnu -E LD_LIBRARY_PATH=/usr/aarch64-linux-gnu/lib "$out/acl_conv_check"
echo "ran in $(( $(date +%s) - start )) s under qemu-aarch64 -cpu $cpu"
