# SPDX-License-Identifier: ISC
# Cross builds and QEMU tests, included by the top-level Makefile.
#
#   make cross            build/<arch>/echod for every arch in CROSS_ARCHS
#   make ARCH=<arch>      build/<arch>/echod for one
#   make sizes            size and CPU floor of each cross-built echod
#   make soft-float       the MIPS binaries are soft-float, hold no FPU
#                         instruction and echo on a CPU without FPU
#   make qemu-user        the integration suite of each arch under
#                         qemu-<arch>-static, invoked explicitly
#   make qemu-user-64k    aarch64's suite on 64 KiB pages
#   make qemu-test        boot Debian's kernel of each arch in BOOT_ARCHS
#                         under qemu-system; /init runs the suite inside,
#                         then the host's itest tests the guest's echod
#                         through a forwarded port (QEMU_OUTSIDE: which)
#   make qemu-run [ARCH=aarch64] [PORT=8000]
#                         boot one guest interactively, echod serving on
#                         127.0.0.1:PORT through QEMU's user network
#
# Everything foreign comes through a private apt state under build/apt
# (qemu/apt.sh): Debian's musl-dev of each arch becomes a sysroot under
# build/sysroot/<arch> (qemu/toolchain.sh), Debian's kernels are unpacked
# under build/kernels/<arch> (qemu/kernel.sh). The machine's dpkg
# architectures and binfmt_misc are left alone.

CROSS_ARCHS = x86_64 aarch64 armhf mipsel armel mips
BOOT_ARCHS = x86_64 aarch64 armhf mipsel
USER_ARCHS = aarch64 armhf mipsel armel mips

PKGS_QEMU = qemu-system-x86 qemu-system-arm qemu-system-mips \
	qemu-user-static cpio xz-utils dpkg-dev debian-archive-keyring \
	gcc-aarch64-linux-gnu gcc-arm-linux-gnueabihf gcc-mipsel-linux-gnu \
	gcc-arm-linux-gnueabi gcc-mips-linux-gnu
PKGS += $(PKGS_QEMU)
CHECKS += qemu-user qemu-user-64k qemu-test soft-float
# OpenWrt's MIPS targets are soft-float (most of those routers have no
# FPU), and so is echod for them: its release link uses a soft-float musl,
# build/sysroot/<arch>-sf (qemu/toolchain.sh). Test programs use floating
# point and keep the hard-float one.
FLOAT_ARCHS = mipsel mips

# Debian's cross compilers (the same names as in qemu/arch.sh). Each
# links against a musl sysroot through a specs file. Release programs
# (echod, init) get the top-level Makefile's rewrite of musl's specs
# (pie_specs: -static-pie), so that apart from the compiler and specs the
# flags are those of build/echod; itest is linked like build/itest.
# x86_64 uses the host's compilers: build/x86_64/echod is built exactly as
# build/echod is.
XGCC_aarch64 = aarch64-linux-gnu-gcc
XGCC_armhf = arm-linux-gnueabihf-gcc
XGCC_mipsel = mipsel-linux-gnu-gcc
XGCC_armel = arm-linux-gnueabi-gcc
XGCC_mips = mips-linux-gnu-gcc
is_host = $(filter x86_64,$(1))
# Compiler and specs of the plain static link (itest).
xspecs = $(if $(call is_host,$(1)),,build/sysroot/$(1)/musl-gcc.specs)
xcc = $(if $(call is_host,$(1)),$(CC_MUSL),$(XGCC_$(1)) -specs $(call xspecs,$(1)))
# Compiler and specs of the release link of arch $(1) against sysroot $(2)
# (echod: soft-float on FLOAT_ARCHS; init: the arch's own). The rewritten
# specs are kept in build/specs/, not in the download cache.
xrel_specs = $(if $(call is_host,$(1)),$(REL_SPECS),build/specs/$(2).specs)
xcc_rel = $(if $(call is_host,$(1)),$(CC_REL),$(XGCC_$(1)) -specs $(call xrel_specs,$(1),$(2)))
xsoft = $(1)$(if $(filter $(FLOAT_ARCHS),$(1)),-sf)

.PHONY: cross sizes soft-float qemu-user qemu-user-64k qemu-test qemu-run \
	setup-qemu qemu-clean

ifeq ($(origin ARCH),command line)
ifeq ($(filter $(ARCH),$(CROSS_ARCHS)),)
$(error ARCH=$(ARCH): not one of $(CROSS_ARCHS))
endif
.DEFAULT_GOAL := build/$(ARCH)/echod
endif
QEMU_RUN_ARCH = $(if $(filter command line,$(origin ARCH)),$(ARCH),aarch64)

setup-qemu:
	@sh tests/setup.sh $(PKGS_BUILD) $(PKGS_QEMU)

# The release flags of build/echod, only the compiler differs. init is
# built the same way; itest as build/itest is. Cross builds install
# nothing (the test targets below do): the sysroot comes from Debian's
# archive through the private apt state.
define QEMU_ARCH_RULES
build/$(1)/echod: $(SRC) $(HDR) $(call xrel_specs,$(1),$(call xsoft,$(1)))
	@mkdir -p $$(@D)
	$(call xcc_rel,$(1),$(call xsoft,$(1))) $(REL_CFLAGS) $(REL_LDFLAGS) \
		-o $$@ $(SRC)
build/$(1)/init: qemu/init.c $(TESTLIB) $(TESTLIB_HDR) $(call xrel_specs,$(1),$(1))
	@mkdir -p $$(@D)
	$(call xcc_rel,$(1),$(1)) $(REL_CFLAGS) $(REL_LDFLAGS) -Itests -o $$@ \
		qemu/init.c $(TESTLIB)
build/$(1)/itest: $(ITEST_SRC) $(ITEST_HDR) $(call xspecs,$(1)) | setup-qemu
	@mkdir -p $$(@D)
	$(call xcc,$(1)) $(STD) $(WARN) -O2 -static -Itests -o $$@ $(ITEST_SRC)
endef
$(foreach a,$(CROSS_ARCHS),$(eval $(call QEMU_ARCH_RULES,$(a))))

build/sysroot/%/musl-gcc.specs: qemu/toolchain.sh
	sh qemu/toolchain.sh $*

# The release specs: the Makefile's static-pie rewrite of musl's.
build/specs/%.specs: build/sysroot/%/musl-gcc.specs Makefile
	@mkdir -p $(@D)
	$(call pie_specs,$<,$@)

# Downloads and their products are kept, though only pattern rules name
# some of them (make would delete them as intermediate files).
.PRECIOUS: build/kernels/%/vmlinuz build/sysroot/%/musl-gcc.specs \
	build/specs/%.specs build/%/initramfs.cpio

build/kernels/%/vmlinuz: qemu/kernel.sh
	sh qemu/kernel.sh $*

build/%/initramfs.cpio: build/%/init build/%/echod build/%/itest \
		build/kernels/%/vmlinuz qemu/mkinitramfs.sh
	sh qemu/mkinitramfs.sh $*

cross: $(CROSS_ARCHS:%=build/%/echod)

sizes: cross
	@sh qemu/sizes.sh $(CROSS_ARCHS)

soft-float: setup-qemu build/echod $(FLOAT_ARCHS:%=build/%/echod)
	sh qemu/soft-float.sh $(FLOAT_ARCHS)

qemu-user: setup-qemu $(USER_ARCHS:%=build/%/echod) $(USER_ARCHS:%=build/%/itest)
	sh qemu/user-test.sh $(USER_ARCHS)

# aarch64's suite again on 64 KiB pages (qemu-user's -p, which sets
# AT_PAGESZ): Debian has no 64K arm64 kernel to boot.
qemu-user-64k: setup-qemu build/aarch64/echod build/aarch64/itest
	QEMU_PAGESIZE=65536 sh qemu/user-test.sh aarch64

qemu-test: setup-qemu build/itest $(BOOT_ARCHS:%=build/%/initramfs.cpio)
	sh qemu/boot-test.sh $(BOOT_ARCHS)

qemu-run: setup-qemu build/itest build/$(QEMU_RUN_ARCH)/initramfs.cpio
	sh qemu/boot-test.sh -r $(QEMU_RUN_ARCH) $(PORT)

# Outputs of these rules, not the downloads (build/apt, build/kernels).
qemu-clean:
	rm -rf $(CROSS_ARCHS:%=build/%) build/qemu build/specs
