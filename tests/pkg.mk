# SPDX-License-Identifier: ISC
# Packaging tests, included by the top-level Makefile. Scripts in tests/pkg/.
#
#   make pkg-openwrt   a clean copy built as the OpenWrt SDK does:
#                      CC=x86_64-openwrt-linux-musl-gcc, its CFLAGS and
#                      LDFLAGS, no package manager; static, hardened, echoes
#   make pkg-cross     the same with CROSS_COMPILE=aarch64-openwrt-linux-musl-,
#                      run under qemu-aarch64-static
#   make pkg-install   make install and uninstall: DESTDIR, PREFIX, SBINDIR,
#                      MANDIR, modes; no build as a side effect
#   make pkg-man       mandoc -Tlint src/echod.8; -h, the man page and the
#                      README list the same flags
#   make pkg-deploy    the deployment examples of the man page and README
#                      (systemd units, procd script, inittab line, clients)
#                      checked and run for real
#   make pkg-license   LICENSE is ISC; every source file has an SPDX line
# Work directories: build/pkg/.

PKGS_PKG = git clang mandoc man-db systemd iproute2 util-linux socat ncat \
	netcat-openbsd busybox
PKGS += $(PKGS_PKG)
CHECKS += pkg-openwrt pkg-cross pkg-install pkg-man pkg-deploy pkg-license

.PHONY: setup-pkg pkg-openwrt pkg-cross pkg-install pkg-man pkg-deploy \
	pkg-license

setup-pkg:
	@sh tests/setup.sh $(PKGS_BUILD) $(PKGS_PKG)

pkg-openwrt: setup-pkg build/echod build/musl-gcc.specs
	sh tests/pkg/musl-build.sh x86_64

pkg-cross: setup-pkg setup-qemu build/echod build/specs/aarch64.specs
	sh tests/pkg/musl-build.sh aarch64

pkg-install: setup-pkg build/echod
	sh tests/pkg/install.sh

pkg-man: setup-pkg build/echod
	sh tests/pkg/manpage.sh build/echod

pkg-deploy: setup-pkg build/echod
	sh tests/pkg/deploy.sh

pkg-license: setup-pkg
	sh tests/pkg/license.sh
