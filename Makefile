# wgf — build, test, demo.  `make help` lists the targets.
O        ?= build
CC       ?= cc
# libsystemd: sd-bus, to talk to systemd-resolved (D-Bus by hand would be worse);
# libmicrohttpd: the metrics endpoint; libcurl: webhooks over HTTPS (hand-written HTTP would be worse)
PKGS     := yaml-0.1 libgit2 libmnl libsodium libnftables json-c libssh2 libcrypto libqrencode libpng libsystemd libmicrohttpd libcurl
VERSION  := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
# systemd's directory for units of locally installed software (beside /usr/local/sbin);
# /etc/systemd/system stays the administrator's, for drop-ins (systemctl edit)
UNITDIR  ?= /usr/local/lib/systemd/system

CFLAGS   ?= -O2 -g
# the libraries' include directories as system ones: -MMD then leaves their headers
# out of the .d files, and a build directory copied to a machine with the libraries
# but not their -dev packages (make install in the guest) stays up to date
PKG_CFLAGS := $(patsubst -I%,-isystem %,$(shell pkg-config --cflags $(PKGS) 2>/dev/null))
CFLAGS   += -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-unused-parameter \
            -fno-strict-aliasing -D_GNU_SOURCE -DWGF_VERSION='"$(VERSION)"' -I. $(PKG_CFLAGS)
LDLIBS   += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -pthread -lm

ifeq ($(SAN),1)
CFLAGS   += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS  += -fsanitize=address,undefined
endif

LIB_SRC  := $(sort $(wildcard model/*.c render/*.c reconcile/*/*.c))
CMD_SRC  := $(sort $(wildcard cmd/*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
# Stand-ins the unit tests link (tests/unit/*_fake.c, e.g. the fake kernel).
FAKE_SRC := $(sort $(wildcard tests/unit/*_fake.c))
FAKE_OBJ := $(FAKE_SRC:tests/unit/%.c=$(O)/fakes/%.o)
LIB_OBJ  := $(LIB_SRC:%.c=$(O)/%.o)
CMD_OBJ  := $(CMD_SRC:%.c=$(O)/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(O)/tests/%)
LAB_SRC  := $(sort $(wildcard tests/lab/*.c))
LAB_BIN  := $(LAB_SRC:tests/lab/%.c=$(O)/lab/%)
# Programs tests/cli/run drives (built with wgf, never installed).
CLI_SRC  := $(sort $(wildcard tests/cli/*.c))
CLI_BIN  := $(CLI_SRC:tests/cli/%.c=$(O)/cli/%)
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))

# Debian packages the build, the tests and the demo need.
DEB_PKGS := build-essential pkg-config libyaml-dev libgit2-dev libmnl-dev libsodium-dev libssh2-1-dev \
            libnftables-dev libjson-c-dev nftables wireguard-tools wireguard-go iproute2 \
            iputils-ping socat netcat-openbsd python3 python3-jsonschema git valgrind procps \
            util-linux hyperfine strace python3-yaml clang libclang-rt-14-dev man-db time \
            qemu-system-x86 busybox cpio kmod jq openssh-server openssh-client openssl \
            mmdebstrap e2fsprogs chromium libqrencode-dev libpng-dev zbar-tools libsystemd-dev dnsmasq-base \
            libmicrohttpd-dev libcurl4-openssl-dev prometheus prometheus-node-exporter iptables

.PHONY: labbins all deps check check-layers unit lab vm guest test demo bench bench-vm clean help install fuzz
all: $(O)/wgf $(CLI_BIN)

help:
	@echo "make            build $(O)/wgf"
	@echo "make demo       install missing packages, build, run the demo network in namespaces"
	@echo "make test       install missing packages, build, run every test (unit, sanitizers, schema, lab)"
	@echo "make unit       unit tests only (no root)"
	@echo "make check-layers  the layering rules: includes and calls point one way, pure code stays pure"
	@echo "make lab        lab tests only (root: namespaces + wireguard-go)"
	@echo "make vm         the lab against kernel WireGuard, in a qemu guest (root)"
	@echo "make guest      a Debian 12 host with systemd in qemu: make install, the units, the reconcile timer (root)"
	@echo "make bench      benchmarks against wg setconf / syncconf / wg-quick, and plan --all of a 1,000-host fleet"
	@echo "make bench-vm   the same on kernel WireGuard in the qemu guest (ratios only)"
	@echo "make deps       install missing Debian packages"
	@echo "options: O=DIR (build directory), SAN=1 (ASan+UBSan)"

deps:
	@missing=$$(for p in $(DEB_PKGS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "wgf: installing missing Debian packages:" $$missing; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(O)/libwgf.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(O)/wgf: $(CMD_OBJ) $(O)/libwgf.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(O)/fakes/%.o: tests/unit/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(O)/libfakes.a: $(FAKE_OBJ)
	@rm -f $@
	ar rcs $@ $^

# UNIT_PLAN: the number of RUN( statements, which the binary declares before it runs any
$(O)/tests/%: tests/unit/%.c tests/unit/unit.h $(O)/libfakes.a $(O)/libwgf.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -DUNIT_PLAN=$$(grep -cE '^[[:space:]]*RUN\(' $<) $(LDFLAGS) -o $@ $< $(O)/libfakes.a $(O)/libwgf.a $(LDLIBS)

# Root-only helper programs the lab scripts drive (backend checks against real devices).
$(O)/lab/%: tests/lab/%.c $(O)/libwgf.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(O)/libwgf.a $(LDLIBS)

labbins: $(LAB_BIN)

# They link wgf's commands, without its main().
CMD_LIB_OBJ := $(filter-out $(O)/cmd/main.o,$(CMD_OBJ))
$(O)/cli/%: tests/cli/%.c $(CMD_LIB_OBJ) $(O)/libwgf.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(CMD_LIB_OBJ) $(O)/libwgf.a $(LDLIBS)

# libFuzzer harnesses (clang): make fuzz, then e.g. build/fuzz/fuzz_model -max_total_time=60
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(O)/fuzz/%)
# the library once, instrumented for coverage and the sanitizers; each harness then only links
FUZZ_CFLAGS := -g -O1 -std=gnu11 -D_GNU_SOURCE -DWGF_VERSION='"$(VERSION)"' -I. $(PKG_CFLAGS)
FUZZ_OBJ := $(LIB_SRC:%.c=$(O)/fuzz-obj/%.o)
$(O)/fuzz-obj/%.o: %.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined -MMD -MP -c -o $@ $<

$(O)/libwgf-fuzz.a: $(FUZZ_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(O)/fuzz/%: tests/fuzz/%.c $(O)/libwgf-fuzz.a $(wildcard tests/fuzz/*.h)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer,address,undefined -MMD -MP -o $@ $< $(O)/libwgf-fuzz.a $(LDLIBS)

fuzz: $(FUZZ_BIN)

unit: $(UNIT_BIN) $(O)/wgf
	@tests/unit/run $(O) $(UNIT_BIN)

check: unit check-layers

# Dependencies point one way, pure code stays pure, no cycles (tests/check-layers).
check-layers: $(LIB_OBJ) $(CMD_OBJ)
	@tests/check-layers --self-test $(O)

lab: $(O)/wgf $(LAB_BIN)
	@tests/lab/run $(O)

vm: deps $(O)/wgf $(LAB_BIN)
	@tests/vm/run $(O)

guest: deps $(O)/wgf
	@tests/vm/debian/run $(O)

test: deps
	@tests/run

demo: deps $(O)/wgf
	@tests/lab/demo $(O)/wgf

bench: deps $(O)/wgf
	@tests/bench/run $(O)/wgf
	@tests/bench/fleet $(O)/wgf

bench-vm: deps $(O)/wgf $(LAB_BIN)
	@tests/bench/vm $(O)

install: $(O)/wgf
	install -D -m 0755 $(O)/wgf $(DESTDIR)/usr/local/sbin/wgf
	install -D -m 0644 cmd/wgf.8 $(DESTDIR)/usr/local/share/man/man8/wgf.8
	install -D -m 0644 cmd/wgf-reconcile.service $(DESTDIR)$(UNITDIR)/wgf-reconcile.service
	install -D -m 0644 cmd/wgf-reconcile.timer $(DESTDIR)$(UNITDIR)/wgf-reconcile.timer
	install -D -m 0644 cmd/wgf-watch.service $(DESTDIR)$(UNITDIR)/wgf-watch.service
	install -d -m 0700 $(DESTDIR)/etc/wgf
	install -d $(DESTDIR)/etc/iproute2/rt_protos.d
	echo "157 wgf" > $(DESTDIR)/etc/iproute2/rt_protos.d/wgf.conf

clean:
	rm -rf $(O)

-include $(LIB_OBJ:.o=.d) $(CMD_OBJ:.o=.d) $(FAKE_OBJ:.o=.d) $(FUZZ_OBJ:.o=.d) $(FUZZ_BIN:=.d)
