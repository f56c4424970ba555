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

.PHONY: all deps build run test vet fmt-check race bench clean

all: build

deps:
	@scripts/deps.sh

build: deps
	$(GO) build -tags $(TAGS) -ldflags "$(LDFLAGS)" -o $(BIN) .

run: build
	./$(BIN)

vet: deps
	$(GO) vet -tags $(TAGS) ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

test: deps fmt-check vet
	$(GO) test -tags $(TAGS) -count=1 -timeout 20m ./...
	$(GO) test -tags $(TAGS) -count=1 -race -timeout 20m $(RACE_PKGS)

bench: build
	scripts/bench.sh

clean:
	rm -rf bin
