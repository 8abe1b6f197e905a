#!/usr/bin/env bash
# Prepares target/gpu-bundle on a build machine with a JDK 25 and Maven, for tests/gpu/java-check.sh on a GPU machine
# that has no Java: a jlink'ed JRE (java.base and the two modules the tests touch), the project's main and test
# classes as jars, and the few dependency jars the cuda backend's tests load (JUnit's API for the assertions, gson,
# picocli). No oneDNN: on the GPU machine the tests compare against the pure-Java oracles (see CudaPlanGpuTest).
# The bundle stays under the 64 MiB a device run may carry. Usage: tests/gpu/java-bundle.sh  (from the repo root)
set -euo pipefail
: "${JAVA_HOME:=/usr/lib/jvm/temurin-25-jdk-amd64}"
export JAVA_HOME
B=target/gpu-bundle
mvn -q -o test-compile
mvn -q -o dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/gpu-classpath.txt
rm -rf "$B"
mkdir -p "$B/lib"
"$JAVA_HOME/bin/jlink" --add-modules java.base,java.logging,jdk.unsupported --strip-debug --no-header-files \
    --no-man-pages --compress=zip-9 --output "$B/jre"
"$JAVA_HOME/bin/jar" --create --file "$B/lib/adabm.jar" -C target/classes .
"$JAVA_HOME/bin/jar" --create --file "$B/lib/adabm-tests.jar" -C target/test-classes .
tr ':' '\n' < target/gpu-classpath.txt | grep -E '/(junit-jupiter-api|opentest4j|apiguardian-api|junit-platform-commons|gson|picocli|protobuf-java)-[0-9][^/]*\.jar$' \
    | while read -r jar; do cp "$jar" "$B/lib/"; done
du -sh "$B"
