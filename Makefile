# SPDX-License-Identifier: GPL-2.0
#
# ainic: top-level build. `make` builds ainic.ko and nicctl; `make demo`
# and `make check` also set up the machine and build QEMU when needed.

AINIC_CACHE ?= /var/cache/ainic
export AINIC_CACHE
KVER = $(shell cat $(AINIC_CACHE)/kernel/KVER 2>/dev/null)
KDIR ?= /usr/src/linux-headers-$(KVER)
OUT := $(CURDIR)/build
LINUX_SRC := $(AINIC_CACHE)/linux-source-6.12

.PHONY: all module nicctl fabric setup qemu demo check check-debug check-static unit bench \
	genl checkpatch sparse clean help

all: module nicctl fabric

help:
	@echo "make            build driver/ainic.ko, build/nicctl and build/ainic-fabric"
	@echo "make demo       set up, build, boot a VM with two ainic NICs, show them"
	@echo "make check      set up, build and run every test; ends with 'N passed, N failed'"
	@echo "make check-debug  the VM tests on a KASAN/lockdep/kmemleak kernel (built once, cached)"
	@echo "make setup      install packages, guest kernel, kernel and QEMU sources"
	@echo "make qemu       build QEMU 10.0 with the ainic device"
	@echo "make bench      TCP goodput under loss (transport on/off, virtio-net) and loss-free vs virtio-net, e1000e, igb"
	@echo "make fuzz       build and run the device-core fuzzers (scripts/fuzz; FUZZ_ARGS=--smoke)"
	@echo "make qemu-fuzz  QEMU's generic-fuzz on the whole ainic device (scripts/qemu-fuzz)"
	@echo "make genl       regenerate the genl uAPI header and kernel tables from uapi/ainic.yaml"
	@echo "make checkpatch / make sparse   kernel style and static checks of the driver"

module:
	@test -n "$(KVER)" || { echo "no guest kernel recorded: run 'make setup'"; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

nicctl:
	$(MAKE) -C userspace OUT=$(OUT)

fabric:
	$(MAKE) -C qemu-device/fabric OUT=$(OUT)

setup:
	scripts/setup

qemu: setup
	scripts/build-qemu

genl:
	scripts/ynl-gen

checkpatch:
	perl $(LINUX_SRC)/scripts/checkpatch.pl --no-tree --strict --terse \
		--ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG \
		-f $(filter-out driver/ainic_nl_gen.% driver/%.mod.c,$(wildcard driver/*.[ch]))

sparse:
	$(MAKE) -C $(KDIR) M=$(CURDIR) C=2 modules

demo: qemu
	$(MAKE) all
	scripts/vm-run --nics 2 -- scripts/demo

check: qemu
	$(MAKE) all
	scripts/check

check-debug: qemu
	$(MAKE) all
	scripts/check-debug

bench: qemu
	$(MAKE) all
	scripts/bench

unit:
	$(MAKE) -C tests/unit run LINUX_SRC=$(LINUX_SRC)

.PHONY: fuzz qemu-fuzz
fuzz:
	scripts/fuzz $(FUZZ_ARGS)

qemu-fuzz: setup
	scripts/qemu-fuzz $(FUZZ_ARGS)

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null || true
	$(MAKE) -C userspace clean OUT=$(OUT) 2>/dev/null || true
	rm -rf $(OUT)
