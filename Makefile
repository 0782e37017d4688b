# kenchi build. `make` builds build/kenchi and its helper programs
# (build/kenchi-mail, build/kenchi-network); `make test` runs the whole suite;
# `make SANITIZE=address,undefined` builds (and tests) into build/san/ instead.
# Sources are found by globbing src/, so a new module needs no edit here.

CC       ?= cc
CSTD     := -std=c11 -D_GNU_SOURCE
WARN     := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wformat=2 -Wno-format-nonliteral -Wpointer-arith -Wvla
OPT      ?= -O2 -g
PKGS     := libpcap libzstd libisal zlib sqlite3 jansson gmime-3.0 libarchive libmicrohttpd libpq libcrypto
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lmagic -lfuzzy -lpthread -lm
# kenchi itself links only these; the mail module and the sensor network's
# commands are in helper programs (src/cli/commands.h). A reference from
# kenchi's commands to anything else fails its link.
CORE_PKGS  := libpcap libzstd libisal zlib sqlite3 jansson libcrypto
CORE_LIBS  := $(shell pkg-config --libs $(CORE_PKGS) 2>/dev/null) -lpthread -lm

ifdef WERROR
WARN += -Werror
endif

ifdef SANITIZE
BUILD    ?= build/san
SANFLAGS := -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
OPT      := -O1 -g
else
BUILD    ?= build
SANFLAGS :=
endif

CFLAGS_ALL  = $(CSTD) $(WARN) $(OPT) $(SANFLAGS) -Isrc $(PKG_CFLAGS) $(CFLAGS)
LDFLAGS_ALL = $(SANFLAGS) $(LDFLAGS)

LIB_SRCS   := $(shell find src -name '*.c' ! -name 'main*.c' | sort)
LIB_OBJS   := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
TEST_SRCS  := $(sort $(wildcard tests/unit/test_*.c))
TEST_BINS  := $(TEST_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRCS  := $(sort $(wildcard fuzz/fuzz_*.c))
REPLAY_BINS := $(FUZZ_SRCS:fuzz/%.c=$(BUILD)/replay/%)
BENCH_SRCS := $(sort $(wildcard bench/*.c))
BENCH_BINS := $(BENCH_SRCS:bench/%.c=$(BUILD)/bench/%)

KENCHI := $(BUILD)/kenchi
HELPERS := $(BUILD)/kenchi-mail $(BUILD)/kenchi-network
PROGRAMS := $(KENCHI) $(HELPERS)
.SECONDARY: $(patsubst $(BUILD)/kenchi-%,$(BUILD)/obj/src/main_%.o,$(HELPERS))

# Quiet by default: one short line per step; `make V=1` shows full commands.
ifeq ($(V),1)
Q :=
say = @true
else
Q := @
say = @printf '  %-6s %s\n' $(1) $(2)
endif

.PHONY: all deps test check-sanitized demo fuzz bench clean install
all: $(PROGRAMS) $(TEST_BINS) $(REPLAY_BINS) $(BENCH_BINS)

# Installs missing Debian packages (as root), then nothing else.
deps:
	@scripts/setup.sh

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(call say,CC,$<)
	$(Q)$(CC) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

$(BUILD)/libkenchi.a: $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(call say,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(KENCHI): $(BUILD)/obj/src/main.o $(BUILD)/libkenchi.a
	$(call say,LD,$@)
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(CORE_LIBS)

$(BUILD)/kenchi-%: $(BUILD)/obj/src/main_%.o $(BUILD)/libkenchi.a
	$(call say,LD,$@)
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS)

$(BUILD)/tests/%: tests/unit/%.c tests/harness.h $(BUILD)/libkenchi.a
	@mkdir -p $(dir $@)
	$(call say,TEST,$@)
	$(Q)$(CC) $(CFLAGS_ALL) -MMD -MP -MF $(BUILD)/obj/$(notdir $@).d -Itests -o $@ $< $(BUILD)/libkenchi.a $(LDFLAGS_ALL) $(PKG_LIBS)

# Fuzz targets also build as plain programs that replay a corpus, so the
# corpus runs in every `make test` without clang's libFuzzer.
$(BUILD)/replay/%: fuzz/%.c fuzz/replay_main.c $(BUILD)/libkenchi.a
	@mkdir -p $(dir $@)
	$(call say,REPLAY,$@)
	$(Q)$(CC) $(CFLAGS_ALL) -MMD -MP -MF $(BUILD)/obj/$(notdir $@).d -o $@ $< fuzz/replay_main.c $(BUILD)/libkenchi.a $(LDFLAGS_ALL) $(PKG_LIBS)

$(BUILD)/bench/%: bench/%.c $(BUILD)/libkenchi.a
	@mkdir -p $(dir $@)
	$(call say,BENCH,$@)
	$(Q)$(CC) $(CFLAGS_ALL) -MMD -MP -MF $(BUILD)/obj/$(notdir $@).d -o $@ $< $(BUILD)/libkenchi.a $(LDFLAGS_ALL) $(PKG_LIBS)

test: deps
	@$(MAKE) --no-print-directory all
	@KENCHI=$(abspath $(KENCHI)) BUILD=$(abspath $(BUILD)) tests/run.sh

# The first command of the README: set up, build, generate a sample darknet
# day, analyse it into SQLite and print the report.
demo: deps
	@$(MAKE) --no-print-directory $(PROGRAMS)
	@KENCHI=$(abspath $(KENCHI)) scripts/demo.sh

# libFuzzer builds (clang); `make fuzz FUZZ_SECONDS=600` runs each target.
FUZZ_SECONDS ?= 60
fuzz:
	@scripts/fuzz.sh $(FUZZ_SECONDS)

bench: deps
	@$(MAKE) --no-print-directory all
	@KENCHI=$(abspath $(KENCHI)) BUILD=$(abspath $(BUILD)) bench/run.sh

clean:
	rm -rf build

# `make install [PREFIX=/usr/local] [DESTDIR=...]`: the binary, its helpers
# (in libexec/kenchi/, where kenchi looks for them relative to itself), man pages
# (man/*.1, man/*.5), the sensor's systemd unit and example configuration.
PREFIX     ?= /usr/local
SYSCONFDIR ?= /etc
UNITDIR    ?= $(PREFIX)/lib/systemd/system
install: $(PROGRAMS)
	install -D -m 0755 $(KENCHI) $(DESTDIR)$(PREFIX)/bin/kenchi
	for h in $(HELPERS); do install -D -m 0755 $$h $(DESTDIR)$(PREFIX)/libexec/kenchi/$${h##*/}; done
	for m in $(wildcard man/*.1); do install -D -m 0644 $$m $(DESTDIR)$(PREFIX)/share/man/man1/$${m##*/}; done
	for m in $(wildcard man/*.5); do install -D -m 0644 $$m $(DESTDIR)$(PREFIX)/share/man/man5/$${m##*/}; done
	install -d $(DESTDIR)$(UNITDIR)
	sed 's|/usr/local|$(PREFIX)|g' packaging/kenchi-sensor.service > $(DESTDIR)$(UNITDIR)/kenchi-sensor.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/kenchi-sensor.service
	install -D -m 0644 packaging/sensor.conf.example $(DESTDIR)$(SYSCONFDIR)/kenchi/sensor.conf.example
	for d in docs/sensor.md docs/central.md; do [ ! -f $$d ] || install -D -m 0644 $$d $(DESTDIR)$(PREFIX)/share/doc/kenchi/$${d##*/}; done

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
