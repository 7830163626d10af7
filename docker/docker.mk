# SPDX-License-Identifier: ISC
# Container images, included by the top-level Makefile.
#
#   make image         build/image/echod-<arch>.tar, built without a daemon:
#                      an OCI layout and a `docker save` archive at once
#                      (and build/image/echod-multiarch.tar, an OCI index
#                      over all of them, when there are several)
#   make image-test    validate them: skopeo, umoci, determinism, size
#   make image-chroot  run echod alone in an empty root and a new netns
#   make image-engine  run the image in a private Docker engine and
#                      containerd (root only; prints SKIP otherwise)
#   make k8s-test      check docker/k8s.yaml against the image and echod

PKGS += skopeo umoci docker.io containerd runc iproute2 util-linux jq \
	python3 python3-yaml python3-kubernetes
CHECKS += image-test image-chroot image-engine k8s-test

IMAGE_NAME ?= echod:latest
# Where the source is published: the git remote's URL, else this checkout.
IMAGE_SOURCE ?= $(or $(shell git config --get remote.origin.url 2>/dev/null),file://$(CURDIR))
# The labels make image adds to the Dockerfile's (see there); the version
# is what build/echod -V says.
IMAGE_LABELS = org.opencontainers.image.version=$(word 2,$(shell build/echod -V)) \
	org.opencontainers.image.revision=$(or $(shell git rev-parse HEAD 2>/dev/null),unknown) \
	org.opencontainers.image.source=$(IMAGE_SOURCE)

# Platform -> binary. The platform's "/" becomes "-" in the file name.
IMAGE_BIN_amd64 = build/echod
IMAGE_BIN_arm64 = build/aarch64/echod
IMAGE_BIN_arm-v7 = build/armhf/echod
IMAGE_BIN_mipsle = build/mipsel/echod
# Not built by default; add them to IMAGE_ARCHS to have them.
IMAGE_BIN_arm-v5 = build/armel/echod
IMAGE_BIN_mips = build/mips/echod

# The cross builds come from qemu/qemu.mk: with it (it defines the `cross`
# target), the images for the other architectures are built too. Force
# either way with `make image IMAGE_CROSS=1` or `IMAGE_CROSS=`.
IMAGE_CROSS ?= $(if $(wildcard qemu/qemu.mk),1)
IMAGE_ARCHS ?= amd64 $(if $(IMAGE_CROSS),arm64 arm-v7 mipsle)
IMAGE_TARS = $(IMAGE_ARCHS:%=build/image/echod-%.tar)
IMAGE_INDEX = $(if $(word 2,$(IMAGE_ARCHS)),build/image/echod-multiarch.tar)
# What the tests get: tar=binary=platform for each image.
IMAGE_LIST = $(foreach a,$(IMAGE_ARCHS),build/image/echod-$(a).tar=$(IMAGE_BIN_$(a))=$(subst -,/,$(a)))

.PHONY: image image-test image-chroot image-engine k8s-test image-always

image: $(IMAGE_TARS) $(IMAGE_INDEX)
	@for f in $^; do echo "$$f: $$(stat -c %s $$f) bytes"; done

# The tars also depend on what make cannot see (IMAGE_NAME, IMAGE_ARCHS), so
# they are built every time, which takes milliseconds, and replaced only
# when their bytes change.
IMAGE_KEEP = if cmp -s $@.new $@; then rm $@.new; else mv $@.new $@; fi
define IMAGE_RULE
build/image/echod-$(1).tar: docker/Dockerfile docker/mkimage.sh $(IMAGE_BIN_$(1)) \
		build/echod image-always
	@sh docker/mkimage.sh image $$@.new docker/Dockerfile $(IMAGE_BIN_$(1)) \
		$(subst -,/,$(1)) $(IMAGE_NAME) $$(IMAGE_LABELS) && $$(IMAGE_KEEP)
endef
$(foreach a,$(IMAGE_ARCHS),$(eval $(call IMAGE_RULE,$(a))))

build/image/echod-multiarch.tar: $(IMAGE_TARS) docker/mkimage.sh image-always
	@sh docker/mkimage.sh index $@.new $(IMAGE_NAME) $(IMAGE_TARS) && \
		$(IMAGE_KEEP)

image-test: setup image
	IMAGE_LABELS="$(IMAGE_LABELS)" bash docker/test-image.sh $(IMAGE_NAME) \
		"$(IMAGE_INDEX)" $(IMAGE_LIST)

image-chroot: setup build/echod build/itest
	bash docker/test-chroot.sh build/echod build/itest

image-engine: setup build/image/echod-amd64.tar build/echod build/itest
	IMAGE_LABELS="$(IMAGE_LABELS)" bash docker/test-engine.sh build/image/echod-amd64.tar build/echod \
		build/itest $(IMAGE_NAME)

k8s-test: setup build/image/echod-amd64.tar build/echod
	bash docker/test-k8s.sh docker/k8s.yaml build/image/echod-amd64.tar \
		build/echod
