# SPDX-License-Identifier: GPL-2.0
# Common paths and helpers for ainic scripts. Source, do not execute.

AINIC_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Everything fetched or built outside the clone lives here, so a fresh clone
# on the same machine reuses it. Override with AINIC_CACHE.
AINIC_CACHE=${AINIC_CACHE:-/var/cache/ainic}
AINIC_OUT=${AINIC_OUT:-$AINIC_ROOT/build}
# Debian's python, never a pyenv shim: it is the one apt installs modules for.
PYTHON=/usr/bin/python3

QEMU_SRC=${QEMU_SRC:-$AINIC_CACHE/qemu-src}
QEMU_BUILD=${QEMU_BUILD:-$AINIC_CACHE/qemu-build}
QEMU_BIN=${QEMU_BIN:-$QEMU_BUILD/qemu-system-x86_64}
KERNEL_DIR=$AINIC_CACHE/kernel
# What scripts/vm-run boots and loads: by default the Debian kernel set up
# above and driver/ainic.ko. AINIC_KERNEL_DIR names another kernel with the
# same layout (KVER, <kver>/boot/vmlinuz-<kver>, <kver>/lib/modules/<kver>),
# e.g. scripts/build-debug-kernel's; AINIC_MODULE the ainic.ko built for it;
# AINIC_KERNEL_ARGS extra kernel command line arguments.
GUEST_KERNEL_DIR=${AINIC_KERNEL_DIR:-$KERNEL_DIR}
AINIC_MODULE=${AINIC_MODULE:-$AINIC_ROOT/driver/ainic.ko}
LINUX_SRC=$AINIC_CACHE/linux-source-6.12
# What makes scripts/vm-run fail a run when a guest kernel logs it (an
# extended regular expression over the kernel log and console).
KERNEL_SPLAT_ERE='(Oops|BUG:|WARNING:|kernel BUG at|general protection fault|KASAN:|UBSAN:|'
KERNEL_SPLAT_ERE+='possible circular locking|possible recursive locking|inconsistent lock state|'
KERNEL_SPLAT_ERE+='sleeping function called from invalid context|Kernel panic|stack-protector|'
KERNEL_SPLAT_ERE+='refcount_t:|list_add corruption|list_del corruption|INFO: possible|'
KERNEL_SPLAT_ERE+='kmemleak: unreferenced object.* ainic)'

log() { printf '[ainic] %s\n' "$*" >&2; }
die() { printf '[ainic] error: %s\n' "$*" >&2; exit 1; }

# The guest kernel version: the one whose headers are installed, so the
# module built on the host always matches the kernel booted in the VM.
# guest_kver [DIR]: of the kernel in DIR (default: the Debian one).
guest_kver() {
	local f
	f=$(cat "${1:-$KERNEL_DIR}/KVER" 2>/dev/null) || die "no guest kernel in ${1:-$KERNEL_DIR}: run scripts/setup"
	echo "$f"
}
