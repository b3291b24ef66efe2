# edge-agent build, test and benchmark entry points. `make help` lists them.

GO        ?= go
SHARED    ?= $(if $(EDGE_SHARED),$(EDGE_SHARED),$(abspath ../shared))
BIN       := bin
DIST      := dist
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT    ?= $(shell git rev-parse HEAD 2>/dev/null)
LDFLAGS   := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT)
GOBUILD   := CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)"
FUZZTIME  ?= 10s
BENCHRUNS ?= 50

export EDGE_SHARED := $(SHARED)

# `make install` (DESTDIR-aware, for packaging): binaries into $(PREFIX)/bin,
# the systemd unit, sysusers.d and tmpfiles.d files under $(PREFIX)/lib, and
# the configuration into /etc/edge-agent (kept if already there).
PREFIX          ?= /usr
DESTDIR         ?=
BINDIR          ?= $(PREFIX)/bin
UNITDIR         ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR     ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR     ?= $(PREFIX)/lib/tmpfiles.d
CONFDIR         := /etc/edge-agent
UNIT_SRC        ?= systemd/edge-agent.service
CONFIG_SRC      ?= configs/edge-agent.yaml
INSTALL         ?= install
SYSTEMD_ANALYZE ?= systemd-analyze

.PHONY: help build run test unit qemu-kernels conformance fuzz fuzz-long lint bench bench-compare bench-sync bench-agent cross test-qemu generate clean install install-bin install-systemd install-config verify-systemd

help:
	@echo "make run        run the agent daemon on configs/demo.yaml (simulated sensor -> demo model -> outbox, socket, MQTT)"
	@echo "make test       lint (gofmt, vet, systemd unit), unit, conformance and end-to-end tests, arm64 kernels under qemu, short fuzz runs"
	@echo "make build      build bin/edge-agent and bin/edgectl (static, CGO_ENABLED=0)"
	@echo "make conformance  the seanet and golden suites, printing exact / off-by-one counts per model"
	@echo "make bench      benchmark every shared model at 1 and 2 threads (latency, MAC/s, peak RSS)"
	@echo "make bench-compare  ours and TFLite-WASM (npm @tensorflow/tfjs-tflite under Node) on the same models, with the ratio"
	@echo "make bench-sync outbox appends/s (1 and 16 producers), drain rates, a 100k backlog drained to mosquitto"
	@echo "make bench-agent the daemon on configs/demo.yaml: time to READY=1, RSS"
	@echo "make cross      build for linux/amd64, linux/arm64 and linux/arm (v7) into dist/"
	@echo "make test-qemu  run the unit tests as arm64 and armv7 binaries under qemu-user (qemu-user-static)"
	@echo "make fuzz-long  fuzz the loader and the interpreter for 10 minutes each (FUZZTIME=...)"
	@echo "make generate   regenerate the TFLite flatbuffer code from \$$EDGE_SHARED/spec (needs flatc)"
	@echo "make install   install binaries, systemd unit, sysusers/tmpfiles files and config (DESTDIR=, PREFIX=/usr)"
	@echo "make verify-systemd  check the installed unit with systemd-analyze verify, sysusers and tmpfiles in a temp root"

build:
	$(GOBUILD) -o $(BIN)/edge-agent ./cmd/edge-agent
	$(GOBUILD) -o $(BIN)/edgectl ./cmd/edgectl

run: build
	$(BIN)/edge-agent run --config configs/demo.yaml

test: lint unit qemu-kernels fuzz

# The packages with assembly, as linux/arm64 binaries under qemu-user: on
# qemu's "max" CPU (NEON, the dot product) and on a Cortex-A53 (NEON only),
# so the arm64 kernels are checked by every `make test`. Without
# qemu-user-static this is skipped with a message, except under CI=true.
ASM_PKGS := ./inference/internal/gemm/ ./inference/internal/dwconv/ ./inference/internal/fgemm/ ./inference/internal/qadd/ \
	./inference/internal/qmatvec/ ./inference/internal/fdw/ ./inference/internal/felem/ ./inference/ops/conv/ ./inference/ops/arith/ ./inference/ops/recurrent/ ./inference/ops/fc/
qemu-kernels:
	@if ! command -v qemu-aarch64-static >/dev/null; then \
		if [ -n "$$CI" ]; then echo "qemu-user-static not found: apt-get install -y qemu-user-static"; exit 1; fi; \
		echo "qemu-kernels: qemu-user-static not found, arm64 kernels NOT checked (apt-get install -y qemu-user-static)"; exit 0; fi; \
	set -e; for cpu in max cortex-a53; do echo "arm64 kernels on qemu $$cpu"; \
		QEMU_CPU=$$cpu GOARCH=arm64 CGO_ENABLED=0 $(GO) test -count=1 -exec qemu-aarch64-static $(ASM_PKGS); done

unit:
	$(GO) test -count=1 -timeout 12m ./...

conformance:
	@$(GO) test -count=1 -v -run 'TestSeanetConformance|TestGoldens|TestHelloWorldInt8|TestVisionGoldens|TestPersonDetectImages' ./inference \
		| grep -E '^(---|ok|FAIL)|seanet:|elements|cases|person|no_person' || true
	@$(GO) test -count=1 -v -run 'TestGoldenModels' ./inference/ops/recurrent | grep -E '^(---|ok|FAIL)|state' || true

# The fuzz targets, each over its seed corpus plus a short random run: the
# loader alone (FuzzLoad); load, prepare and invoke mutated shared models
# (FuzzInterpreter); single-operator models from random and from coherent
# shapes, types, quantization and options (FuzzOps, FuzzCoherentOps); the
# hardware probe's parsers (cpuinfo, cgroup files, meminfo, thermal values,
# NVIDIA information files and nvidia-smi XML, uevent, CPU lists,
# os-release) and its requirement language; the outbox's page checker, the
# command decoder and dispatcher, the uplink's batch encoder and the console's
# message decoder; the agent's configuration (YAML with --set, sizes), the
# sensors' file and payload parsers (CSV, WAV, PGM, sysfs values, MQTT
# payloads), the pipelines' preprocessing (no NaN reaches a model), the
# local API's request decoders and /proc status parser, the client's error
# and stream readers, the systemd unit parser; OTA bundles (verification of
# arbitrary bytes, manifests), the model store's state files and the
# self-update boot marker. (sync/outbox's
# FuzzOpenDamaged is slow: run it alone.)
# `make fuzz-long` runs each for 10 minutes. Minimizing a new input is capped
# at 2s: minimizing large models otherwise takes the whole budget.
# internal/tools/fuzz.sh retries a run that ends on Go 1.26's fuzz-deadline
# race (go.dev/issue/75804) with no failing input.
FUZZ_TARGETS := ./inference/model:FuzzLoad ./inference:FuzzInterpreter ./inference:FuzzOps ./inference:FuzzCoherentOps \
	./hwprobe:FuzzCPUInfo ./hwprobe:FuzzCgroupFiles ./hwprobe:FuzzMeminfo ./hwprobe:FuzzThermalValues \
	./hwprobe:FuzzNvidiaParsers ./hwprobe:FuzzParsers ./hwprobe:FuzzNPUUevent ./hwprobe:FuzzParseRequirement \
	./sync/outbox:FuzzVerifyPages ./sync/command:FuzzDecode ./sync/command:FuzzSubmit ./sync/uplink:FuzzBatch \
	./sync/fleet:FuzzDecodeMessage \
	./agent/config:FuzzParse ./agent/config:FuzzParseSize ./agent/sensor:FuzzPayload ./agent/sensor:FuzzSysfsValue \
	./agent/sensor:FuzzPGM ./agent/sensor:FuzzWAV ./agent/sensor:FuzzCSV ./agent/pipeline:FuzzPreprocess \
	./agent/pipeline:FuzzImagePreprocess ./agent/api:FuzzParseProcStatus ./agent/api:FuzzDecodeSamples \
	./agent/api:FuzzDecodeInfer ./agent/api:FuzzPredictionsQuery ./agent/client:FuzzParseError \
	./agent/client:FuzzReadStream ./internal/unitcheck:FuzzParseUnit \
	./internal/procmem:FuzzParseStatus ./ota:FuzzVerify ./ota:FuzzManifest ./ota/store:FuzzState ./ota/selfupdate:FuzzMarker \
	./inference/internal/gemm:FuzzGemm ./inference/internal/dwconv:FuzzDepthwise ./inference/internal/fgemm:FuzzFgemm ./inference/internal/qadd:FuzzQAdd ./inference/internal/qmatvec:FuzzMulVec ./inference/internal/fdw:FuzzDepthwise ./inference/internal/felem:FuzzElementwise ./internal/tools/benchcompare/compare:FuzzParseOurs ./internal/tools/benchcompare/compare:FuzzParseTheirs

fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; echo "fuzz $$name ($$pkg) for $(FUZZTIME)"; \
		GO="$(GO)" sh internal/tools/fuzz.sh $$pkg $$name $(FUZZTIME); \
	done

fuzz-long: FUZZTIME = 10m
fuzz-long: fuzz

lint: verify-systemd
	@bad=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$bad" ]; then echo "gofmt would change:"; echo "$$bad"; exit 1; fi
	$(GO) vet ./...

bench: build
	$(GO) run ./internal/tools/benchtable -bin $(BIN)/edge-agent -models $(SHARED)/models -runs $(BENCHRUNS) -threads 1,2

# Ours and TensorFlow Lite (the npm package @tensorflow/tfjs-tflite: the
# TFLite C++ interpreter compiled to WebAssembly with SIMD and XNNPACK, run
# under Node) on the same models in one run, with the ratio per model
# (internal/tools/benchcompare/README.md). Needs node and npm.
bench-compare: build
	npm ci --prefix internal/tools/benchcompare --no-audit --no-fund
	$(GO) run ./internal/tools/benchcompare/compare -bin $(BIN)/edge-agent -runs $(BENCHRUNS)

# The outbox's durable append and drain rates, and draining a backlog of
# 100,000 records to a mosquitto on loopback (-uplink.backlog 1000000 for a
# million; the outbox's Backlog1M benchmark fills a million records and
# reports the file size and RSS).
bench-sync:
	$(GO) test -run '^$$' -bench 'Append|Drain' -benchtime 2s ./sync/outbox
	$(GO) test -run '^$$' -bench 'Drain' -benchtime 1x ./sync/uplink

# The daemon on configs/demo.yaml: exec to READY=1 (a fake systemd socket)
# and its RSS at READY and after 3 s of predictions; then the daemon
# classifying images with MobileNet v2, its memory after 10 s.
bench-agent:
	$(GO) test -run '^$$' -bench RunDemo -benchtime 5x ./cmd/edge-agent
	$(GO) test -run '^$$' -bench RunMobileNet -benchtime 1x ./cmd/edge-agent

cross:
	GOOS=linux GOARCH=amd64 $(GOBUILD) -o $(DIST)/linux-amd64/edge-agent ./cmd/edge-agent
	GOOS=linux GOARCH=arm64 $(GOBUILD) -o $(DIST)/linux-arm64/edge-agent ./cmd/edge-agent
	GOOS=linux GOARCH=arm GOARM=7 $(GOBUILD) -o $(DIST)/linux-armv7/edge-agent ./cmd/edge-agent
	GOOS=linux GOARCH=amd64 $(GOBUILD) -o $(DIST)/linux-amd64/edgectl ./cmd/edgectl
	GOOS=linux GOARCH=arm64 $(GOBUILD) -o $(DIST)/linux-arm64/edgectl ./cmd/edgectl
	GOOS=linux GOARCH=arm GOARM=7 $(GOBUILD) -o $(DIST)/linux-armv7/edgectl ./cmd/edgectl

# The whole unit suite, goldens and conformance included, as linux/arm64 and
# linux/arm (v7, 32-bit) binaries under qemu-user: the integer kernels must be
# bit-exact on every target, and 32-bit int arithmetic must not overflow.
# arm64 runs on qemu's "max" CPU (NEON, dot product: the neon and sdot GEMM
# paths), then the kernels again on a Cortex-A53 (no dot product: CPU
# detection must fall back to neon).
test-qemu:
	@command -v qemu-aarch64-static >/dev/null && command -v qemu-arm-static >/dev/null || \
		{ echo "qemu-user-static not found: apt-get install -y qemu-user-static"; exit 1; }
	QEMU_CPU=max GOARCH=arm64 CGO_ENABLED=0 $(GO) test -count=1 -timeout 12m -exec qemu-aarch64-static ./...
	QEMU_CPU=cortex-a53 GOARCH=arm64 CGO_ENABLED=0 $(GO) test -count=1 -exec qemu-aarch64-static $(ASM_PKGS)
	GOARCH=arm GOARM=7 CGO_ENABLED=0 $(GO) test -count=1 -timeout 12m -exec qemu-arm-static ./...

# The generated flatbuffer code is committed; this regenerates it. flatc 2.0.8
# (Debian's flatbuffers-compiler) rejects `(deprecated)` on enum values, so
# those attributes are dropped from a temporary copy of the schema first.
generate:
	@command -v flatc >/dev/null || { echo "flatc not found: apt-get install flatbuffers-compiler"; exit 1; }
	rm -rf $(BIN)/gen && mkdir -p $(BIN)/gen
	sed -E 's/^(\s+[A-Za-z_]+( = [0-9]+)?) \(deprecated\),/\1,/' $(SHARED)/spec/tflite_schema.fbs > $(BIN)/gen/schema.fbs
	flatc --go -o $(BIN)/gen $(BIN)/gen/schema.fbs
	find inference/internal/tflite -name '*.go' ! -name '*_test.go' -delete
	cp $(BIN)/gen/tflite/*.go inference/internal/tflite/
	$(GO) run ./internal/tools/fbsdesc -schema $(BIN)/gen/schema.fbs -pkg tflite -out inference/internal/tflite/schema_desc_gen.go
	gofmt -l inference/internal/tflite

clean:
	rm -rf $(BIN) $(DIST)

# Install for a package or a device: DESTDIR stages into a tree, PREFIX moves
# the binaries, unit and sysusers/tmpfiles files (the unit's ExecStart follows
# BINDIR). The configuration is installed only where none exists: a user's
# config is never overwritten. Then, on the device: systemd-sysusers,
# systemd-tmpfiles --create, systemctl enable --now edge-agent (systemd/README.md).
install: install-bin install-systemd install-config

install-bin: build
	$(INSTALL) -d $(DESTDIR)$(BINDIR)
	$(INSTALL) -m 0755 $(BIN)/edge-agent $(BIN)/edgectl $(DESTDIR)$(BINDIR)/

install-systemd:
	$(INSTALL) -d $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(TMPFILESDIR)
	sed '/^ExecStart=/s|/usr/bin/edge-agent |$(BINDIR)/edge-agent |' $(UNIT_SRC) > $(DESTDIR)$(UNITDIR)/edge-agent.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/edge-agent.service
	$(INSTALL) -m 0644 systemd/edge-agent.sysusers $(DESTDIR)$(SYSUSERSDIR)/edge-agent.conf
	$(INSTALL) -m 0644 systemd/edge-agent.tmpfiles $(DESTDIR)$(TMPFILESDIR)/edge-agent.conf
	$(INSTALL) -d $(DESTDIR)$(PREFIX)/share/edge-agent
	sed 's|/usr/bin/edge-agent |$(BINDIR)/edge-agent |' systemd/self-update.conf > $(DESTDIR)$(PREFIX)/share/edge-agent/self-update.conf
	chmod 0644 $(DESTDIR)$(PREFIX)/share/edge-agent/self-update.conf

install-config:
	@dst="$(DESTDIR)$(CONFDIR)/config.yaml"; \
	if [ -e "$$dst" ] || [ -L "$$dst" ]; then \
		echo "keeping $$dst (an existing config is never overwritten)"; \
	else \
		$(INSTALL) -d -m 0755 "$(DESTDIR)$(CONFDIR)" && \
		$(INSTALL) -m 0640 "$(CONFIG_SRC)" "$$dst" && echo "installed $$dst from $(CONFIG_SRC)"; \
	fi

# systemd-analyze verify on the unit as `make install` writes it (into a
# temporary PREFIX, so ExecStart names a binary that exists), then
# systemd-sysusers and systemd-tmpfiles --create into a temporary root; any
# message fails. Works offline, without systemd as PID 1. Without
# systemd-analyze it prints a skip line, or fails when CI=true.
verify-systemd:
	@MAKE="$(MAKE)" UNIT_SRC="$(UNIT_SRC)" SYSTEMD_ANALYZE="$(SYSTEMD_ANALYZE)" sh systemd/verify.sh
