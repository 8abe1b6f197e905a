#!/usr/bin/env bash
# Installs, from Debian's own archive, what the aarch64 build and its emulated tests need (issue 6):
#   g++-aarch64-linux-gnu       the cross compiler and the arm64 C/C++ runtime (sysroot /usr/aarch64-linux-gnu)
#   libarm-compute-dev:arm64    the ARM Compute Library 20.08 for arm64 (multiarch: needs the arm64 architecture)
#   qemu-user                   qemu-aarch64, which runs the aarch64 test driver on this x86-64 machine
# Idempotent: does nothing when all three are there. Needs root (CI runs as root); Debian 12 (bookworm).
set -euo pipefail
have() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
if have g++-aarch64-linux-gnu && have libarm-compute-dev:arm64 && have qemu-user; then
  echo "install-cross-tools: already installed"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO dpkg --add-architecture arm64
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
  g++-aarch64-linux-gnu qemu-user libarm-compute-dev:arm64 >/dev/null
echo "install-cross-tools: installed g++-aarch64-linux-gnu, qemu-user, libarm-compute-dev:arm64"
