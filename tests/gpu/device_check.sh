#!/usr/bin/env bash
# The GPU checks of issue 5 in one run on a GPU machine without Java (tests/gpu/README.md says how to prepare it):
#   1. adabm_gpu_check selftest, quotient  the integer kernels against an exact C++ reference; the epilogue's division
#   2. adabm_gpu_check fixtures ...        EDSR-8 x2 and SRResNet x4 on Set5 against the CPU int8 plan's outputs
#   3. torch_baseline.py --check           the PyTorch baseline's interpretation of the plan against the CPU float plan
#   4. adabm_gpu_check bench / torch       EDSR-8 x2 on 1920x1080 frames: int8 AdaBM vs PyTorch fp16 (and fp32)
# Usage: tests/gpu/device_check.sh BIN_DIR FIXTURES_DIR OUT_DIR   (BIN_DIR holds libadabm_cuda.so and adabm_gpu_check;
# when that build does not run here, native/cuda is built here into /tmp/adabm-gpu-build instead)
set -uo pipefail
BIN=${1:?bin dir}; FIX=${2:?fixtures dir}; OUT=${3:?out dir}
export PYTHONUNBUFFERED=1
mkdir -p "$OUT"
status=0
step() { echo "=== $* ($(date +%T))"; }
step "device"
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm,memory.total --format=csv,noheader
probe=$("$BIN/adabm_gpu_check" 2>&1)
if [[ $probe != *usage* ]]; then
  echo "$probe" | head -3
  step "carried build does not run here: building native/cuda"
  cmake -S native/cuda -B /tmp/adabm-gpu-build -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_ARCHITECTURES=90 >/dev/null && \
    cmake --build /tmp/adabm-gpu-build -j16 2>&1 | grep -E 'error|warning' ; BIN=/tmp/adabm-gpu-build/out
fi
step "selftest"
timeout 120 "$BIN/adabm_gpu_check" selftest || status=1
step "quotient: the epilogue's division over every float of several ranges"
timeout 120 "$BIN/adabm_gpu_check" quotient || status=1
MODELS=$(for m in edsr_baseline8_x2 srresnet8_x4; do [[ -d $FIX/$m ]] && echo $m; done)
for m in $MODELS; do
  step "fixtures $m"
  timeout 120 "$BIN/adabm_gpu_check" fixtures "$FIX" "$m" "$OUT" || status=1
done
[[ ${SKIP_TORCH:-0} == 1 ]] || for m in $MODELS; do
  f=$(ls "$FIX/$m"/*.float.f32 | head -1); name=$(basename "$f" .float.f32)
  shape=$(awk -v n="$name" '$1=="image" && $2==n {print $3","$4","$5}' "$FIX/$m/meta.txt")
  timeout 120 python3 bench/gpu/torch_baseline.py "$FIX/$m/plan.bin" --check "$FIX/$m/$name.in.f32" --shape "$shape" --expect "$f" || status=1
done
E=$FIX/edsr_baseline8_x2
step "int8 bench EDSR-8 x2 1920x1080"
timeout 150 "$BIN/adabm_gpu_check" bench "$E/plan.bin" "$E/baby.bits.i32" "$E/baby.in.f32" 3 256 256 1080 1920 1 40 1 || status=1
timeout 120 "$BIN/adabm_gpu_check" bench "$E/plan.bin" "$E/baby.bits.i32" "$E/baby.in.f32" 3 256 256 1080 1920 4 40 1 || status=1
timeout 120 "$BIN/adabm_gpu_check" bench "$E/plan.bin" "$E/baby.bits.i32" "$E/baby.in.f32" 3 256 256 1080 1920 1 40 2 || status=1
[[ ${SKIP_TORCH:-0} == 1 ]] || {
step "torch bench EDSR-8 x2 1920x1080"
timeout 150 python3 bench/gpu/torch_baseline.py "$E/plan.bin" --height 1080 --width 1920 --batch 1 --batch 4 --dtype fp16 || status=1
timeout 100 python3 bench/gpu/torch_baseline.py "$E/plan.bin" --height 1080 --width 1920 --batch 1 --dtype fp32 --repeats 3 || status=1
}
if [[ ${PROFILE:-0} == 1 ]]; then
  NCU=$(command -v ncu || ls /opt/nvidia/nsight-compute/*/ncu 2>/dev/null | head -1)
  APP=("$BIN/adabm_gpu_check" bench "$E/plan.bin" "$E/baby.bits.i32" "$E/baby.in.f32" 3 256 256 540 960 1 1 1)
  step "ncu: the first body conv of EDSR-8 (540x960 frame)"
  timeout 120 "$NCU" --clock-control none --kernel-name regex:qconv_kernel --launch-skip 1 --launch-count 1 \
    --section SpeedOfLight --section Occupancy --section LaunchStats --section WarpStateStats --section SchedulerStats \
    --section MemoryWorkloadAnalysis --section InstructionStats "${APP[@]}" 2>&1 | grep -v "^  step" | tail -120
  # where the instructions and stalls go, per SASS line: the ReLU conv and the residual-add conv of the first block
  for skip in 1 2; do
    step "ncu source page: qconv launch $skip"
    timeout 120 "$NCU" --clock-control none --kernel-name regex:qconv_kernel --launch-skip $skip --launch-count 1 \
      --section SourceCounters --section WarpStateStats --page source --print-source sass --csv "${APP[@]}" \
      > "$OUT/ncu_source_$skip.csv" 2> /dev/null
    python3 tests/gpu/ncu_top.py "$OUT/ncu_source_$skip.csv" 25 || status=1
  done
fi
step "done: status $status"
exit $status
