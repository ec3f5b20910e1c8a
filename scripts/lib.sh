# SPDX-License-Identifier: GPL-2.0
# Common paths and helpers for ainic scripts. Source, do not execute.

AINIC_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Everything fetched or built outside the clone lives here, so a fresh clone
# on the same machine reuses it. Override with AINIC_CACHE.
AINIC_CACHE=${AINIC_CACHE:-/var/cache/ainic}
AINIC_OUT=${AINIC_OUT:-$AINIC_ROOT/build}
# Debian's python, never a pyenv shim: it is the one apt installs modules for.
PYTHON=/usr/bin/python3

QEMU_SRC=$AINIC_CACHE/qemu-src
QEMU_BUILD=$AINIC_CACHE/qemu-build
QEMU_BIN=${QEMU_BIN:-$QEMU_BUILD/qemu-system-x86_64}
KERNEL_DIR=$AINIC_CACHE/kernel
LINUX_SRC=$AINIC_CACHE/linux-source-6.12

log() { printf '[ainic] %s\n' "$*" >&2; }
die() { printf '[ainic] error: %s\n' "$*" >&2; exit 1; }

# The guest kernel version: the one whose headers are installed, so the
# module built on the host always matches the kernel booted in the VM.
guest_kver() {
	local f
	f=$(cat "$KERNEL_DIR/KVER" 2>/dev/null) || die "no guest kernel: run scripts/setup"
	echo "$f"
}
