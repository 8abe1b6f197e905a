#!/usr/bin/env bash
# Prepares target/gpu-bundle.tar.xz on a build machine with a JDK 25 and Maven, for tests/gpu/java-check.sh on a GPU
# machine that has no Java: a jlink'ed JRE (java.base, java.desktop for image files, the two small modules the
# libraries touch; libjvm stripped), the project's main and test classes as jars, the dependency jars the CLI and
# the cuda backend's tests load (JUnit's API for the assertions, gson, picocli, protobuf), and libadabm_cuda.so when
# this machine built one (java-check.sh rebuilds it there when it does not run). No oneDNN: on the GPU machine the
# tests compare against the pure-Java oracles (see CudaPlanGpuTest). Each argument (a file or folder: a data set, an
# artifact, a model) is copied into the bundle's extra/ for tests/gpu/java-cli.sh there. xz keeps the carried file
# under the 64 MiB a device run may carry (about 43 MB with Set5's X2 images).
# Usage: tests/gpu/java-bundle.sh [FILE_OR_FOLDER...]  (from the repo root)
set -euo pipefail
: "${JAVA_HOME:=/usr/lib/jvm/temurin-25-jdk-amd64}"
export JAVA_HOME
B=target/gpu-bundle
mvn -q -o test-compile
mvn -q -o dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/gpu-classpath.txt
rm -rf "$B" target/gpu-bundle.tar.xz
mkdir -p "$B/lib" "$B/native" "$B/extra"
for extra in "$@"; do cp -r "$extra" "$B/extra/"; done
"$JAVA_HOME/bin/jlink" --add-modules java.base,java.desktop,java.logging,jdk.unsupported --strip-debug --no-header-files \
    --no-man-pages --compress=zip-9 --output "$B/jre"
command -v strip > /dev/null && strip --strip-unneeded "$B/jre/lib/server/libjvm.so"
# the classes without adabm/native/ (the 97 MB of CPU libraries the build packs for the jar: not needed there)
rm -rf target/gpu-classes && mkdir -p target/gpu-classes
tar -C target/classes --exclude=./adabm/native -cf - . | tar -C target/gpu-classes -xf -
"$JAVA_HOME/bin/jar" --create --file "$B/lib/adabm.jar" -C target/gpu-classes .
"$JAVA_HOME/bin/jar" --create --file "$B/lib/adabm-tests.jar" -C target/test-classes .
tr ':' '\n' < target/gpu-classpath.txt | grep -E '/(junit-jupiter-api|opentest4j|apiguardian-api|junit-platform-commons|gson|picocli|protobuf-java)-[0-9][^/]*\.jar$' \
    | while read -r jar; do cp "$jar" "$B/lib/"; done
[ -f target/native/libadabm_cuda.so ] && cp target/native/libadabm_cuda.so "$B/native/"
tar -C target -cJf target/gpu-bundle.tar.xz gpu-bundle
du -sh "$B" target/gpu-bundle.tar.xz
