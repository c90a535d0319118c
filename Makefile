# connectd: plain make. Override CC, CFLAGS, LDFLAGS, PREFIX and friends on
# the command line; DESTDIR is used by install and uninstall only.

PREFIX     ?= /usr/local
SBINDIR    ?= $(PREFIX)/sbin
MANDIR     ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
UNITDIR    ?= $(shell pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null || echo /lib/systemd/system)

CC       ?= cc
CFLAGS   ?= -O2 -g
LDFLAGS  ?=
PKG_CONFIG ?= pkg-config
# crypt(3): libxcrypt on glibc systems; musl has it in libc (and an empty libcrypt).
LIBS     ?= -lcrypt

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
SYSTEMD_LIBS   := $(shell $(PKG_CONFIG) --libs libsystemd)
endif

DEFS = -D_GNU_SOURCE -DSYSCONFDIR='"$(SYSCONFDIR)"'
ALL_CFLAGS  = -std=c11 $(DEFS) $(WARN_CFLAGS) $(HARDEN_CFLAGS) $(SYSTEMD_CFLAGS) $(CPPFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(HARDEN_LDFLAGS) $(LDFLAGS)

SRCS = $(wildcard src/*.c)
OBJS = $(SRCS:.c=.o)
HDRS = $(wildcard src/*.h)

# The pure modules the unit tests link against.
UNIT_SRCS  = $(wildcard $(addprefix src/,addr.c request.c config.c rule.c policy.c \
	auth.c parent.c proxyproto.c))
UNIT_TESTS = $(patsubst tests/unit/%.c,build/unit/%,$(wildcard tests/unit/test_*.c))
SAN_CFLAGS = -std=c11 $(DEFS) -g -O1 -fno-omit-frame-pointer \
	-fsanitize=address,undefined -fno-sanitize-recover=all $(WARN_CFLAGS) -Isrc

all: connectd

connectd: $(OBJS)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $(OBJS) $(SYSTEMD_LIBS) $(LIBS)

src/%.o: src/%.c $(HDRS)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

build/unit/%: tests/unit/%.c $(UNIT_SRCS) $(HDRS)
	@mkdir -p build/unit
	$(CC) $(SAN_CFLAGS) -o $@ $< $(UNIT_SRCS) -lcmocka -lcrypt

# Unit tests alone: table-driven, built with ASan and UBSan.
unit: $(UNIT_TESTS)
	@set -e; for t in $(UNIT_TESTS); do ./$$t; done

# Everything the README promises: unit and end-to-end suites.
check: all
	sh tests/run

# Serve for real on 127.0.0.1:3128 under systemd-socket-activate.
run:
	sh packaging/try-it.sh

install: connectd
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8
	install -m 755 connectd $(DESTDIR)$(SBINDIR)/connectd
	install -m 644 src/connectd.8 $(DESTDIR)$(MANDIR)/man8/connectd.8
	install -m 644 src/connectd.conf.5 $(DESTDIR)$(MANDIR)/man5/connectd.conf.5
	install -d $(DESTDIR)$(SYSCONFDIR)/connectd
	# An existing config is the admin's: never overwrite it.
	[ -e $(DESTDIR)$(SYSCONFDIR)/connectd/connectd.conf ] || \
		install -m 644 packaging/connectd.conf $(DESTDIR)$(SYSCONFDIR)/connectd/connectd.conf

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/connectd
	rm -f $(DESTDIR)$(MANDIR)/man8/connectd.8 $(DESTDIR)$(MANDIR)/man5/connectd.conf.5

clean:
	rm -f connectd $(OBJS)
	rm -rf build

.PHONY: all unit check run install uninstall clean
