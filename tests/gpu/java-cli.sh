#!/usr/bin/env bash
# The adabm CLI on the bundle that tests/gpu/java-check.sh unpacked (and whose libadabm_cuda.so it checked), on a GPU
# machine without Java. Without libadabm_native there, use the GPU rows only, e.g. (EDSR-8 is inside the jar):
#   python3 -c "import zipfile; zipfile.ZipFile('target/gpu-bundle/lib/adabm.jar').extract('adabm/default/edsr_baseline8_x2.onnx', '/tmp/m')"
#   tests/gpu/java-cli.sh bench --model /tmp/m/adabm/default/edsr_baseline8_x2.onnx --quant target/gpu-bundle/extra/A.json \
#       --data target/gpu-bundle/extra/Set5 --rows cuda-fp32,cuda-int8
#   tests/gpu/java-cli.sh profile --model ... --quant ... --image target/gpu-bundle/extra/Set5/LR_bicubic/X2/babyx2.png
set -euo pipefail
B=target/gpu-bundle
exec "$B/jre/bin/java" --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -Xss8m -Xmx16g \
    -Dadabm.native.dir="$PWD/$B/native" -cp "$B/lib/*" adabm.cli.Main "$@"
