#!/usr/bin/env bash
# Side-by-side speed of several builds of native/cuda on one GPU, in one run (the machine is shared: compare builds
# measured together, never numbers from different runs). For each build: EDSR-8 x2 on 1920x1080 frames, batch 1,
# ROUNDS alternating rounds, each printing frames/s; the last round also prints the per-step profile.
# Usage: tests/gpu/ab_bench.sh FIXTURES_DIR ROUNDS BIN...   (BIN: a folder with adabm_gpu_check)
set -uo pipefail
FIX=${1:?fixtures}; ROUNDS=${2:?rounds}; shift 2
E=$FIX/edsr_baseline8_x2
run() { timeout 120 "$1/adabm_gpu_check" bench "$E/plan.bin" "$E/baby.bits.i32" "$E/baby.in.f32" 3 256 256 1080 1920 1 30 1; }
for r in $(seq "$ROUNDS"); do
  for bin in "$@"; do
    echo "=== round $r: $bin"
    if [[ $r == "$ROUNDS" ]]; then run "$bin"; else run "$bin" | grep -E '"throughput"|"split"'; fi
  done
done
