# libagentphone for C and C++, installed in cargo-c's layout with nothing beyond cargo and a C
# toolchain:
#
#   make install PREFIX=/some/prefix     (DESTDIR=... for packagers)
#   make uninstall PREFIX=/some/prefix   (removes exactly what install put there)
#
# PREFIX/include/agentphone.h
# PREFIX/lib/libagentphone.so.X.Y.Z, .so.SOVERSION -> it, .so -> .so.SOVERSION, libagentphone.a
# PREFIX/lib/pkgconfig/agentphone.pc
# PREFIX/lib/cmake/agentphone/agentphone-config.cmake, agentphone-config-version.cmake
# PREFIX/bin/agentphone (the command line, cli/: a Rust program, the library linked in)

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

PREFIX ?= /usr/local
INCLUDEDIR ?= $(PREFIX)/include
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
CMAKEDIR ?= $(LIBDIR)/cmake/agentphone
DESTDIR ?=
CARGO ?= cargo
STRIP ?= strip
# Cargo's own variable, when set, as cargo itself would use it.
TARGET_DIR ?= $(or $(CARGO_TARGET_DIR),target)

VERSION := $(shell sed -n 's/^version = "\(.*\)"$$/\1/p;T;q' Cargo.toml)
MAJOR := $(word 1,$(subst ., ,$(VERSION)))
MINOR := $(word 2,$(subst ., ,$(VERSION)))
# Before 1.0 every minor may break the ABI, so it is part of the soname (as build.rs sets it).
SOVERSION := $(if $(filter 0,$(MAJOR)),0.$(MINOR),$(MAJOR))
REALNAME := libagentphone.so.$(VERSION)
SONAME := libagentphone.so.$(SOVERSION)

BUILD := $(TARGET_DIR)/dist
GEN := $(TARGET_DIR)/install-files

# The library's build script gives the C library its soname and RELRO when this is set.
export AGENTPHONE_C_LIBRARY := 1

.PHONY: all build install uninstall
all: build

# --print=native-static-libs: what a static link needs besides the archive (Libs.private, and
# the static CMake target). Cargo replays the note when the build is already up to date.
build:
	mkdir -p $(GEN)
	$(CARGO) rustc --profile dist --lib --crate-type cdylib,staticlib --no-default-features --features strip-logs --target-dir $(TARGET_DIR) -- --print=native-static-libs \
	  2>&1 | tee $(GEN)/build.log
	sed -n 's/.*native-static-libs: //p;T;q' $(GEN)/build.log | tr -d '\r' > $(GEN)/native-static-libs
	test -s $(GEN)/native-static-libs
	test "$$(readelf -d $(BUILD)/libagentphone.so | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')" = "$(SONAME)"
	libs="$$(cat $(GEN)/native-static-libs)"; \
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' \
	    -e 's|@VERSION@|$(VERSION)|g' -e "s|@LIBS_PRIVATE@|$$libs|g" \
	    install/agentphone.pc.in > $(GEN)/agentphone.pc; \
	cmake_libs="$$(for l in $$libs; do printf '%s;' "$${l#-l}"; done)"; \
	sed -e "s|@LIBDIR_FROM_CMAKEDIR@|$$(realpath -m --relative-to=$(CMAKEDIR) $(LIBDIR))|g" \
	    -e "s|@INCLUDEDIR_FROM_CMAKEDIR@|$$(realpath -m --relative-to=$(CMAKEDIR) $(INCLUDEDIR))|g" \
	    -e 's|@REALNAME@|$(REALNAME)|g' -e 's|@SONAME@|$(SONAME)|g' \
	    -e "s|@STATIC_LIBS@|$${cmake_libs%;}|g" \
	    install/agentphone-config.cmake.in > $(GEN)/agentphone-config.cmake
	sed -e 's|@VERSION@|$(VERSION)|g' -e 's|@MAJOR@|$(MAJOR)|g' -e 's|@MINOR@|$(MINOR)|g' \
	    -e "s|@POINTER_BYTES@|$$(( $$(getconf LONG_BIT) / 8 ))|g" \
	    install/agentphone-config-version.cmake.in > $(GEN)/agentphone-config-version.cmake
	# The command line: the release profile (the library's own fat-LTO build is for C).
	$(CARGO) build --release -p agentphone-cli --target-dir $(TARGET_DIR)

install: build
	install -d $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(CMAKEDIR) $(DESTDIR)$(BINDIR)
	install -m 755 $(TARGET_DIR)/release/agentphone $(DESTDIR)$(BINDIR)/agentphone
	$(STRIP) $(DESTDIR)$(BINDIR)/agentphone
	install -m 644 include/agentphone.h $(DESTDIR)$(INCLUDEDIR)/agentphone.h
	install -m 755 $(BUILD)/libagentphone.so $(DESTDIR)$(LIBDIR)/$(REALNAME)
	$(STRIP) --strip-unneeded $(DESTDIR)$(LIBDIR)/$(REALNAME)
	ln -sfn $(REALNAME) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sfn $(SONAME) $(DESTDIR)$(LIBDIR)/libagentphone.so
	install -m 644 $(BUILD)/libagentphone.a $(DESTDIR)$(LIBDIR)/libagentphone.a
	$(STRIP) --strip-debug --remove-section=.llvmbc --remove-section=.llvmcmd $(DESTDIR)$(LIBDIR)/libagentphone.a
	install -m 644 $(GEN)/agentphone.pc $(DESTDIR)$(PKGCONFIGDIR)/agentphone.pc
	install -m 644 $(GEN)/agentphone-config.cmake $(GEN)/agentphone-config-version.cmake \
	  $(DESTDIR)$(CMAKEDIR)/

uninstall:
	rm -f $(DESTDIR)$(INCLUDEDIR)/agentphone.h $(DESTDIR)$(BINDIR)/agentphone \
	  $(DESTDIR)$(LIBDIR)/$(REALNAME) $(DESTDIR)$(LIBDIR)/$(SONAME) \
	  $(DESTDIR)$(LIBDIR)/libagentphone.so $(DESTDIR)$(LIBDIR)/libagentphone.a \
	  $(DESTDIR)$(PKGCONFIGDIR)/agentphone.pc \
	  $(DESTDIR)$(CMAKEDIR)/agentphone-config.cmake $(DESTDIR)$(CMAKEDIR)/agentphone-config-version.cmake
	if [ -d $(DESTDIR)$(CMAKEDIR) ]; then rmdir $(DESTDIR)$(CMAKEDIR); fi
