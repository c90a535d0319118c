# connectd: plain make. Override CC, CFLAGS, LDFLAGS, PREFIX and friends on
# the command line; DESTDIR is used by install and uninstall only.

PREFIX     ?= /usr/local
SBINDIR    ?= $(PREFIX)/sbin
MANDIR     ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
UNITDIR    ?= $(shell pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null || echo /lib/systemd/system)
SYSUSERSDIR ?= $(shell pkg-config --variable=sysusersdir systemd 2>/dev/null || echo /usr/lib/sysusers.d)

CC       ?= cc
CFLAGS   ?= -O2 -g
LDFLAGS  ?=
PKG_CONFIG ?= pkg-config
# crypt(3) for auth_file, probed per compiler: libxcrypt's <crypt.h>
# (glibc systems; loaded on demand), another <crypt.h> with crypt_r
# (upstream musl, OpenWrt, an older glibc's libcrypt; linked), crypt() in
# libc, or none (Debian's musl has no crypt at all: such a build refuses
# auth_file with a clear message).
CRYPT ?= $(shell printf '\043include <crypt.h>\n\043ifndef XCRYPT_VERSION_MAJOR\n\043error\n\043endif\n' | \
	$(CC) -E -x c - >/dev/null 2>&1 && echo xcrypt || \
	{ printf '\043include <crypt.h>\n' | $(CC) -E -x c - >/dev/null 2>&1 && echo crypt_r; } || \
	{ printf '\043include <unistd.h>\nint main(void) { return !crypt("a", "ab"); }\n' | \
	$(CC) -D_GNU_SOURCE -x c -o /dev/null - >/dev/null 2>&1 && echo libc || echo none; })
# libxcrypt is dlopen()ed when an auth_file is loaded (src/auth.c says
# why), by the soname -lcrypt would link: libcrypt.so.1 on Debian,
# libcrypt.so.2 where the obsolete API is left out (Fedora).
CRYPT_SONAME ?= $(shell f=$$($(CC) -print-file-name=libcrypt.so 2>/dev/null) && \
	objdump -p "$$f" 2>/dev/null | awk '$$1 == "SONAME" { print $$2 }' | grep . || echo libcrypt.so.1)
CRYPT_CFLAGS = -DCONNECTD_CRYPT_$(CRYPT) $(if $(filter xcrypt,$(CRYPT)),-DCRYPT_SONAME='"$(CRYPT_SONAME)"')
LIBS     ?= $(if $(filter xcrypt,$(CRYPT)),-ldl,$(if $(filter crypt_r,$(CRYPT)),-lcrypt))

# auto: use libsystemd when pkg-config finds it; yes: require it; no: libc only.
WITH_SYSTEMD ?= auto

cc_has = $(shell $(CC) -Werror $(1) -E -x c /dev/null >/dev/null 2>&1 && echo $(1))

WARN_CFLAGS ?= -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wpointer-arith -Wcast-qual -Wwrite-strings \
	-Wvla -Wno-unused-parameter
HARDEN_CFLAGS ?= -fstack-protector-strong -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=2 \
	-fPIE $(call cc_has,-fstack-clash-protection) $(call cc_has,-fcf-protection)
HARDEN_LDFLAGS ?= -pie -Wl,-z,relro -Wl,-z,now -Wl,-z,noexecstack

ifeq ($(WITH_SYSTEMD),auto)
override WITH_SYSTEMD := $(shell $(PKG_CONFIG) --exists libsystemd 2>/dev/null && echo yes || echo no)
endif
ifeq ($(WITH_SYSTEMD),yes)
SYSTEMD_CFLAGS := -DWITH_SYSTEMD=1 $(shell $(PKG_CONFIG) --cflags libsystemd)
# libsystemd is dlopen()ed only by connections that need it (src/systemd.h):
# linking it would cost every connection ~860k instructions of loader work.
SYSTEMD_LIBS   := -ldl
endif

DEFS = -D_GNU_SOURCE -DSYSCONFDIR='"$(SYSCONFDIR)"'
ALL_CFLAGS  = -std=c11 $(DEFS) $(CRYPT_CFLAGS) $(WARN_CFLAGS) $(HARDEN_CFLAGS) $(SYSTEMD_CFLAGS) $(CPPFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(HARDEN_LDFLAGS) $(LDFLAGS)

SRCS = $(wildcard src/*.c)
OBJS = $(SRCS:.c=.o)
HDRS = $(wildcard src/*.h)

# The pure modules the unit tests link against.
UNIT_SRCS  = $(wildcard $(addprefix src/,addr.c clock.c request.c config.c rule.c policy.c lockdown.c \
	auth.c file.c parent.c proxyproto.c route.c))
UNIT_TESTS = $(patsubst tests/unit/%.c,build/unit/%,$(wildcard tests/unit/test_*.c))
SAN_CFLAGS = -std=c11 $(DEFS) $(CRYPT_CFLAGS) -g -O1 -fno-omit-frame-pointer \
	-fsanitize=address,undefined -fno-sanitize-recover=all $(WARN_CFLAGS) -Isrc

all: connectd

connectd: $(OBJS)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $(OBJS) $(SYSTEMD_LIBS) $(LIBS)

src/%.o: src/%.c $(HDRS)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

build/unit/%: tests/unit/%.c tests/unit/unit.h $(UNIT_SRCS) $(HDRS)
	@mkdir -p build/unit
	$(CC) $(SAN_CFLAGS) -o $@ $< $(UNIT_SRCS) -lcmocka -lcrypt

# Unit tests alone: table-driven, built with ASan and UBSan.
unit: $(UNIT_TESTS)
	@set -e; for t in $(UNIT_TESTS); do ./$$t; done

# connectd itself under ASan and UBSan, for the end-to-end suite:
#   make asan && CONNECTD=$PWD/build/asan/connectd sh tests/run
# or `make asan-check`, which does that and also fails on any sanitizer
# report. The normal build is untouched. Reports go to files
# build/asan/log/asan.PID, never to fd 2 (the log, or under xinetd the
# client); ASAN_OPTIONS in the environment still overrides the defaults.
ASAN_DIR    = build/asan
ASAN_FLAGS  = -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=all
ASAN_REPORT = $(CURDIR)/$(ASAN_DIR)/log/asan
# GCC links UBSan as a library of its own whose report path call binds to
# libasan's, so log_path never reaches UBSan: set its path directly. The
# relay's seccomp filter would kill the sanitizers' own system calls
# (LeakSanitizer's prctl at exit, the report file's open), so this build
# relays without it, through connectd's own fallback for a kernel without
# seccomp (the record says detail="no seccomp filter here: ...").
define ASAN_DEFAULTS_C
#include <dlfcn.h>
#include <errno.h>
int __wrap_lockdown_enter(void);
int __wrap_lockdown_enter(void) { errno = ENOSYS; return -1; }
const char *__asan_default_options(void);
const char *__ubsan_default_options(void);
const char *__asan_default_options(void) { return "log_path=$(ASAN_REPORT)"; }
const char *__ubsan_default_options(void) { return "print_stacktrace=1"; }
__attribute__((constructor)) static void ubsan_report_path(void)
{
	void *h = dlopen("libubsan.so.1", RTLD_NOW | RTLD_NOLOAD);
	void (*set)(const char *) = h ? (void (*)(const char *))dlsym(h, "__sanitizer_set_report_path") : 0;

	if (set)
		set("$(ASAN_REPORT)");
}
endef

$(ASAN_DIR)/connectd: $(SRCS) $(HDRS) Makefile
	@: $(shell mkdir -p $(ASAN_DIR)/log)$(file >$(ASAN_DIR)/defaults.c,$(ASAN_DEFAULTS_C))
	chmod 1777 $(ASAN_DIR)/log
	$(CC) -std=c11 $(DEFS) $(CRYPT_CFLAGS) $(WARN_CFLAGS) -fPIE -U_FORTIFY_SOURCE $(SYSTEMD_CFLAGS) \
		$(CPPFLAGS) $(ASAN_FLAGS) -pie -Wl,--wrap=lockdown_enter -o $@ $(SRCS) $(ASAN_DIR)/defaults.c \
		$(SYSTEMD_LIBS) $(LIBS)

asan: $(ASAN_DIR)/connectd

asan-check: all asan
	rm -f $(ASAN_DIR)/log/asan.*
	CONNECTD=$(CURDIR)/$(ASAN_DIR)/connectd sh tests/run; rc=$$?; \
	if ls $(ASAN_DIR)/log | grep -q .; then \
		echo "sanitizer reports in $(ASAN_DIR)/log:"; head -n 40 $(ASAN_DIR)/log/*; exit 1; \
	fi; exit $$rc

.PHONY: asan asan-check

# Everything the README promises: unit and end-to-end suites.
check: all
	sh tests/run

# Serve for real on 127.0.0.1:3128 under systemd-socket-activate.
run:
	sh packaging/try-it.sh

# connectd against direct, tinyproxy and Squid (root; 5-10 minutes; not
# part of check): tests/bench/results.md and results.png.
bench:
	sh tests/bench/run
.PHONY: bench

# Units, man pages and the default config. Units are written for /usr/sbin
# and /etc: install rewrites those paths to SBINDIR and SYSCONFDIR. UNITDIR=
# (empty) installs no units; units/NAME.sysusers (the user the service runs
# as) goes to SYSUSERSDIR/NAME.conf unless SYSUSERSDIR= is empty. An existing
# config is the admin's: install never overwrites it, and uninstall removes
# it only while it is byte for byte the shipped one.
UNITS       = $(wildcard units/*.socket units/*.service)
SYSUSERS    = $(wildcard units/*.sysusers)
CONF_DIR    = $(DESTDIR)$(SYSCONFDIR)/connectd
UNIT_SED    = -e 's|/usr/sbin/connectd|$(SBINDIR)/connectd|g' \
	-e 's|/etc/connectd/|$(SYSCONFDIR)/connectd/|g'

install: connectd
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8
	install -m 755 connectd $(DESTDIR)$(SBINDIR)/connectd
	install -m 644 src/connectd.8 $(DESTDIR)$(MANDIR)/man8/connectd.8
	install -m 644 src/connectd.conf.5 $(DESTDIR)$(MANDIR)/man5/connectd.conf.5
	set -e; if [ -n "$(UNITDIR)" ] && [ -n "$(UNITS)" ]; then \
		install -d $(DESTDIR)$(UNITDIR); \
		for u in $(UNITS); do \
			sed $(UNIT_SED) $$u > $(DESTDIR)$(UNITDIR)/$${u##*/}.tmp; \
			chmod 644 $(DESTDIR)$(UNITDIR)/$${u##*/}.tmp; \
			mv -f $(DESTDIR)$(UNITDIR)/$${u##*/}.tmp $(DESTDIR)$(UNITDIR)/$${u##*/}; \
		done; \
	fi
	set -e; if [ -n "$(SYSUSERSDIR)" ] && [ -n "$(SYSUSERS)" ]; then \
		install -d $(DESTDIR)$(SYSUSERSDIR); \
		for f in $(SYSUSERS); do \
			b=$${f##*/}; install -m 644 $$f $(DESTDIR)$(SYSUSERSDIR)/$${b%.sysusers}.conf; \
		done; \
	fi
	install -d $(CONF_DIR)
	[ -e $(CONF_DIR)/connectd.conf ] || \
		install -m 644 packaging/connectd.conf $(CONF_DIR)/connectd.conf

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/connectd
	rm -f $(DESTDIR)$(MANDIR)/man8/connectd.8 $(DESTDIR)$(MANDIR)/man5/connectd.conf.5
	set -e; if [ -n "$(UNITDIR)" ]; then \
		for u in $(notdir $(UNITS)); do rm -f $(DESTDIR)$(UNITDIR)/$$u; done; \
	fi
	set -e; if [ -n "$(SYSUSERSDIR)" ]; then \
		for f in $(notdir $(basename $(SYSUSERS))); do rm -f $(DESTDIR)$(SYSUSERSDIR)/$$f.conf; done; \
	fi
	if cmp -s packaging/connectd.conf $(CONF_DIR)/connectd.conf; then \
		rm -f $(CONF_DIR)/connectd.conf; \
	elif [ -e $(CONF_DIR)/connectd.conf ]; then \
		echo "uninstall: keeping $(CONF_DIR)/connectd.conf (changed by the admin)"; \
	fi
	-rmdir $(CONF_DIR) 2>/dev/null

# ------------------------------------------------------------------ packaging
# Everything lands in build/. dist packs the working tree's files (tracked and
# untracked, minus what .gitignore names) as build/connectd-VERSION.tar.gz;
# deb and rpm build from that tarball, so a stray object file in src/ or a
# half-configured tree never leaks into a package.
VERSION  := $(shell sed -n 's/^\#define VERSION "\(.*\)"$$/\1/p' src/main.c)
DISTNAME  = connectd-$(VERSION)
# File times in the tarball: SOURCE_DATE_EPOCH, else the last commit's time.
DIST_EPOCH = $${SOURCE_DATE_EPOCH:-$$(git log -1 --format=%ct 2>/dev/null || date +%s)}

dist:
	@test -n "$(VERSION)" || { echo "dist: no VERSION in src/main.c" >&2; exit 1; }
	rm -rf build/dist && mkdir -p build/dist/$(DISTNAME)
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
		git ls-files -z --cached --others --exclude-standard; \
	else \
		find . \( -path ./build -o -path ./.git -o -name '*.o' -o -path ./connectd \) \
			-prune -o -type f -print0; \
	fi | xargs -0 sh -c 'for f; do [ -f "$$f" ] && printf "%s\n" "$$f"; done' sh | \
		tar -cf - --no-recursion -T - | tar -xf - -C build/dist/$(DISTNAME)
	tar -C build/dist --sort=name --owner=0 --group=0 --numeric-owner \
		--mtime=@$(DIST_EPOCH) -cf - $(DISTNAME) | gzip -n9 > build/$(DISTNAME).tar.gz
	@echo "dist: build/$(DISTNAME).tar.gz"

# Debian: debian/ goes at the top of an unpacked copy; the log is kept for
# blhc. Outputs: build/deb/connectd_VERSION_ARCH.{deb,changes,buildinfo}.
deb: dist
	@v=$$(dpkg-parsechangelog -l packaging/debian/changelog -S Version) && \
		[ "$$v" = "$(VERSION)" ] || { echo "deb: debian/changelog says $$v, src/main.c $(VERSION)" >&2; exit 1; }
	rm -rf build/deb && mkdir -p build/deb
	tar -C build/deb -xzf build/$(DISTNAME).tar.gz
	cp -R packaging/debian build/deb/$(DISTNAME)/debian
	cd build/deb/$(DISTNAME) && dpkg-buildpackage -us -uc -b >../build.log 2>&1 || \
		{ tail -n 40 ../build.log; echo "deb: failed, log in build/deb/build.log" >&2; exit 1; }
	@ls build/deb/*.deb

# RPM: rpmbuild --nodeps on this Debian machine, with stand-ins for the
# systemd-rpm-macros a Fedora or SUSE build root provides. RPMBUILD_FLAGS
# takes extras such as --nocheck.
RPMBUILD ?= rpmbuild
RPMBUILD_FLAGS ?=

rpm: dist
	rm -rf build/rpm && mkdir -p build/rpm/SOURCES
	cp build/$(DISTNAME).tar.gz units/connectd.sysusers build/rpm/SOURCES/
	$(RPMBUILD) -bb --nodeps --load=packaging/rpm/standin.macros \
		--define '_topdir $(CURDIR)/build/rpm' --define 'connectd_version $(VERSION)' \
		$(RPMBUILD_FLAGS) packaging/rpm/connectd.spec
	@find build/rpm/RPMS -name '*.rpm'

# Embedded builds, linked straight from the sources into build/VARIANT/ so
# they never mix with the default build's objects in src/. `variant` is the
# worker: make variant OUT=path [CC=...] [WITH_SYSTEMD=no] ...
variant:
	@test -n "$(OUT)" || { echo "variant: set OUT=path" >&2; exit 2; }
	@mkdir -p $(dir $(OUT))
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $(OUT) $(SRCS) $(SYSTEMD_LIBS) $(LIBS)

# Static with musl: upstream musl has crypt(3) in libc (no yescrypt), so no
# -lcrypt. Debian's musl-tools removed crypt and <crypt.h> (#947193): there
# a build that needs them fails, and says why. Debian's musl-gcc specs cannot
# link static-pie, so the static binary is not PIE.
MUSL_CC ?= musl-gcc
static:
	$(MAKE) variant OUT=build/static/connectd CC=$(MUSL_CC) WITH_SYSTEMD=no \
		CFLAGS='-Os -ffunction-sections -fdata-sections' \
		HARDEN_LDFLAGS='-static -Wl,--gc-sections -Wl,-z,relro -Wl,-z,now -Wl,-z,noexecstack' || { \
		echo '#include <crypt.h>' | $(MUSL_CC) -E -x c - >/dev/null 2>&1 || \
		echo "static: $(MUSL_CC) has no crypt(3) (Debian's musl removed it, #947193)" >&2; \
		exit 1; }

# 32-bit ARM, glibc (Debian's gcc-arm-linux-gnueabihf); libcrypt is
# dlopen()ed, so no armhf libcrypt is needed to link (auth_file then needs
# it at run time). cc_has drops -fcf-protection here.
ARM_CC ?= arm-linux-gnueabihf-gcc
cross-arm:
	$(MAKE) variant OUT=build/arm/connectd CC=$(ARM_CC) WITH_SYSTEMD=no

# The packaging checks (deb with lintian, blhc, hardening-check, install and
# purge; rpm with rpmlint; static; arm), TAP output.
packaging-check:
	bash tests/packaging/check.sh

clean:
	rm -f connectd $(OBJS)
	rm -rf build

.PHONY: all unit check run install uninstall clean dist deb rpm variant static \
	cross-arm packaging-check

# ------------------------------------------------------------------ fuzzing
# libFuzzer harnesses (tests/fuzz/README.md): each pure parser of untrusted
# bytes, built with clang and ASan + UBSan + LeakSanitizer into build/fuzz/,
# then run on a copy of its seed corpus (build/fuzz/corpus/NAME, which
# grows; the committed tests/fuzz/corpus/NAME does not). FUZZ_SECONDS is
# the total fuzzing time, split evenly between the harnesses (60: 10 s
# each); FUZZ_SECONDS_EACH overrides the share. `make -j2 fuzz` runs two at
# once. Exits non-zero on any crash, leak, timeout or out-of-memory and
# prints the path of the input that caused it.
FUZZ_CC      ?= clang-14
FUZZ_SECONDS ?= 60
FUZZ_NAMES    = request config auth parent proxyproto policy
FUZZ_SECONDS_EACH ?= $(shell echo $$(( ($(FUZZ_SECONDS) + 5) / 6 )))
FUZZ_SRCS     = $(addprefix src/,addr.c clock.c request.c config.c rule.c policy.c \
	auth.c file.c parent.c proxyproto.c)
FUZZ_BINS     = $(addprefix build/fuzz/fuzz_,$(FUZZ_NAMES))
FUZZ_CFLAGS  ?= -g -O1 -fno-omit-frame-pointer
FUZZ_ALL_CFLAGS = -std=c11 $(DEFS) -DCONNECTD_CRYPT_xcrypt -Isrc $(WARN_CFLAGS) $(FUZZ_CFLAGS) \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_SRCS) $(HDRS)
	@mkdir -p build/fuzz
	$(FUZZ_CC) $(FUZZ_ALL_CFLAGS) -o $@ $< $(FUZZ_SRCS) -lcrypt

fuzz-build: $(FUZZ_BINS)

# One harness: its result goes to build/fuzz/NAME.result, so that every
# harness runs even when one fails; `fuzz` then sums them up.
fuzz-run-%: build/fuzz/fuzz_%
	@sh tests/fuzz/run-one.sh $* $(FUZZ_SECONDS_EACH)

fuzz: fuzz-build
	@rm -f build/fuzz/*.result
	@$(MAKE) --no-print-directory $(addprefix fuzz-run-,$(FUZZ_NAMES)) \
		FUZZ_SECONDS_EACH=$(FUZZ_SECONDS_EACH)
	@sh tests/fuzz/run-one.sh --summary $(FUZZ_NAMES)

.PHONY: fuzz fuzz-build
