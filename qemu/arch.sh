# SPDX-License-Identifier: ISC
# shellcheck shell=sh disable=SC2034
# The one table of what each architecture needs. Sourced through lib.sh
# by the other scripts in qemu/; `arch_vars ARCH` sets:
#   DEBARCH   Debian architecture of the musl-dev and kernel packages
#   GCC       Debian cross compiler (x86_64: the host's musl-gcc)
#   TRIPLET   musl's library triplet, as in /usr/lib/<triplet>
#   QUSER     qemu-user binary (empty: runs natively)
#   FLAVOUR   Debian kernel flavour (empty: no kernel, qemu-user only)
#   QSYS      qemu-system binary; QMACH its machine and CPU options
#   CONSOLE   the guest's serial console device
#   NIC       the virtio-net device model for the host-forward test
#   MODROOTS  kernel modules that give the guest its NIC (dependencies
#             are resolved from the modules themselves)

ARCHS_ALL="x86_64 aarch64 armhf mipsel armel mips"

arch_vars() {
	QUSER="" FLAVOUR="" QSYS="" QMACH="" CONSOLE="" NIC="" MODROOTS=""
	case "$1" in
	x86_64)
		DEBARCH=amd64 GCC=musl-gcc TRIPLET=x86_64-linux-musl
		FLAVOUR=amd64 QSYS=qemu-system-x86_64 QMACH="-M pc"
		CONSOLE=ttyS0 NIC=virtio-net-pci MODROOTS="virtio_pci virtio_net" ;;
	aarch64)
		DEBARCH=arm64 GCC=aarch64-linux-gnu-gcc TRIPLET=aarch64-linux-musl
		QUSER=qemu-aarch64-static
		FLAVOUR=arm64 QSYS=qemu-system-aarch64
		QMACH="-M virt -cpu cortex-a57"
		CONSOLE=ttyAMA0 NIC=virtio-net-device
		MODROOTS="virtio_mmio virtio_net" ;;
	armhf)
		DEBARCH=armhf GCC=arm-linux-gnueabihf-gcc
		TRIPLET=arm-linux-musleabihf QUSER=qemu-arm-static
		FLAVOUR=armmp-lpae QSYS=qemu-system-arm
		QMACH="-M virt -cpu cortex-a15"
		CONSOLE=ttyAMA0 NIC=virtio-net-device
		MODROOTS="virtio_mmio virtio_net" ;;
	mipsel)
		DEBARCH=mipsel GCC=mipsel-linux-gnu-gcc TRIPLET=mipsel-linux-musl
		QUSER=qemu-mipsel-static
		FLAVOUR=4kc-malta QSYS=qemu-system-mipsel QMACH="-M malta"
		CONSOLE=ttyS0 NIC=virtio-net-pci MODROOTS="virtio_pci virtio_net" ;;
	armel)
		DEBARCH=armel GCC=arm-linux-gnueabi-gcc TRIPLET=arm-linux-musleabi
		QUSER=qemu-arm-static ;;
	mips)
		# No Debian package: musl is built from Debian's source package.
		DEBARCH=mips GCC=mips-linux-gnu-gcc TRIPLET=mips-linux-musl
		QUSER=qemu-mips-static ;;
	*)
		echo "unknown architecture '$1' (known: $ARCHS_ALL)" >&2
		return 1 ;;
	esac
}
