# Confer: `make run` starts the app, `make test` passes the tests.
# Both install what they need first (Debian packages; Go modules come with the build).

GO      ?= go
BIN     := bin/confer
VERSION ?= 0.1.0-dev
LDFLAGS := -X confer/internal/cli.Version=$(VERSION)
# migrated_fynedo: a widget touched off the UI goroutine is a data race the
# race detector reports, not a log line (see FyneApp.toml's [Migrations]).
TAGS    := migrated_fynedo
# Packages whose concurrency is ours: run under the race detector.
RACE_PKGS := ./app/... ./media/... ./internal/... ./ui/...

.PHONY: all deps build run test vet lint fmt-check fork-check race bench fuzz soak clean

# libvpx as Confer links it, built for real time from Debian's source
# (scripts/libvpx.sh; README, "libvpx built for real time"). cgo finds it
# through pkg-config; the same path in CGO_CFLAGS and CGO_LDFLAGS is what
# tells Go's build cache these builds from ones against the system's
# libvpx, since the cache does not look at what pkg-config answers.
LIBVPX := $(shell scripts/libvpx.sh --prefix)
export PKG_CONFIG_PATH := $(LIBVPX)/lib/pkgconfig$(if $(PKG_CONFIG_PATH),:$(PKG_CONFIG_PATH))
export CGO_CFLAGS := -O2 -g -I$(LIBVPX)/include
export CGO_LDFLAGS := -O2 -g -L$(LIBVPX)/lib

all: build

deps:
	@scripts/deps.sh
	@scripts/libvpx.sh

build: deps
	$(GO) build -tags $(TAGS) -ldflags "$(LDFLAGS)" -o $(BIN) .
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/confer-server ./cmd/confer-server

run: build
	./$(BIN)

vet: deps
	$(GO) vet -tags $(TAGS) ./...

# staticcheck comes from the module proxy (scripts/deps.sh puts it in bin/tools).
lint: deps
	bin/tools/staticcheck -tags $(TAGS) ./...

# third_party holds upstream's code as it is (see fork-check).
fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' ':!third_party' 2>/dev/null || find . -name '*.go' -not -path './third_party/*')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

# The end-to-end package (real binaries, browsers, windows under Xvfb) runs on
# its own, then the others: run beside it on two cores, the other packages'
# calls measured the machine's contention rather than the call, and failed
# now one test, now another.
# The copies of livekit-server, server-sdk-go and Fyne that go.mod uses are
# upstream's with Confer's patches and nothing else (scripts/fork.sh).
fork-check:
	scripts/fork.sh --check

test: deps fmt-check fork-check vet lint
	$(GO) test -tags $(TAGS) -count=1 -timeout 20m .
	$(GO) test -tags $(TAGS) -count=1 -timeout 20m $$($(GO) list -tags $(TAGS) ./... | grep -vx confer)
	$(GO) test -tags $(TAGS) -count=1 -race -timeout 20m $(RACE_PKGS)

bench: build
	scripts/bench.sh

# Every fuzz target for FUZZTIME each, one after the other (see scripts/fuzz.sh;
# FUZZMATCH=FuzzReceive picks targets, FUZZFLAGS="-parallel 1" spares a shared machine).
FUZZTIME ?= 10m
fuzz: deps
	FUZZTIME=$(FUZZTIME) TAGS=$(TAGS) GO=$(GO) scripts/fuzz.sh

# A four-party call of small pictures held for DURATION, each process
# reporting its goroutines, memory and open files every minute: docs/SOAK.md.
DURATION ?= 30m
soak: build
	$(GO) run ./internal/soaktool -bin $(BIN) -duration $(DURATION) -out docs/SOAK.md

clean:
	rm -rf bin

# Packages in dist/: confer_$(VERSION)_amd64.deb and, made with Fyne's packager,
# confer_$(VERSION)_linux_amd64.tar.xz. `make package VERSION=0.1.0` for a release.
PKG_DEPS          := desktop-file-utils appstream xz-utils
FYNE_TOOL_VERSION := v1.7.0
FYNE              := bin/tools/fyne

.PHONY: package package-lint fyne-tool

package: deps package-lint fyne-tool
	packaging/deb.sh $(VERSION)
	packaging/archive.sh $(VERSION) dist/build/confer $(FYNE) dist/build/confer-server

package-lint:
	@CONFER_DEPS_EXTRA="$(PKG_DEPS)" scripts/deps.sh
	desktop-file-validate packaging/confer.desktop
	appstreamcli validate --no-net packaging/app.confer.Confer.metainfo.xml

# Built from packaging/tools (go.mod pins the version); skipped when already there.
fyne-tool:
	@if ! $(FYNE) version 2>/dev/null | grep -q 'cli version: $(FYNE_TOOL_VERSION)$$'; then \
		echo "building fyne $(FYNE_TOOL_VERSION) into bin/tools"; \
		cd packaging/tools && $(GO) build -o ../../$(FYNE) fyne.io/tools/cmd/fyne; \
	fi
	@$(FYNE) version | grep -q 'cli version: $(FYNE_TOOL_VERSION)$$' || \
		{ echo "$(FYNE) is not fyne $(FYNE_TOOL_VERSION): packaging/tools/go.mod and FYNE_TOOL_VERSION disagree"; exit 1; }
