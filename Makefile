SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-builtin-rules

GO       ?= go
FUZZTIME ?= 20s
REPORTS  ?= out
BENCH    ?=
VIEW     ?= 127.0.0.1:8080
SOAK     ?= 10m
RATE     ?= 3000
D        ?= 10s
CLUSTER  ?= inproc
# The scenarios of a process cluster: every built-in (call faults and dead
# heartbeats reach a geerpc serve child through its -faults control service) and
# the processes-only ones.
PROCS_SCENARIOS := chaos/scenarios/*.json,chaos/scenarios/procs/*.json
# Every module of the workspace (go.work): the root, the core, the etcd registry.
PKGS     := ./... ./geerpc/... ./geerpc/registry/etcdregistry/...

# relink redraws the pages of the site in $(REPORTS), so that each links
# the pages written after it.
relink = $(GO) run ./cmd/geerpc report -dir $(REPORTS) -render

.PHONY: help test bench view chaos soak agents gobench fuzz ci

help: ## list the targets, with the defaults in force (REPORTS=$(REPORTS), SOAK=$(SOAK), ...)
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-9s %s\n", $$1, $$2}' | \
	  sed -e 's|$$(REPORTS)|$(REPORTS)|g' -e 's|$$(SOAK)|$(SOAK)|g' -e 's|$$(VIEW)|$(VIEW)|g' -e 's|$$(RATE)|$(RATE)|g' -e 's|$$(D)|$(D)|g' \
	      -e 's|$$(FUZZTIME)|$(FUZZTIME)|g' -e 's|$$(BENCH)|$(or $(BENCH),default)|g'

# Three packages at a time on two cores: the slow ones wait on timers, child
# processes and embedded etcd more than they compute, and every test holds on a
# busy machine; so make test stays under three minutes.
test: ## gofmt and go vet, then every test with -race and goroutine-leak checks
	@unformatted=$$("$$($(GO) env GOROOT)/bin/gofmt" -l .); if [ -n "$$unformatted" ]; then echo "gofmt -l: not formatted:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet $(PKGS)
	$(GO) test -race -count=1 -p 3 $(PKGS)

bench: ## the main job: measure on loopback, write $(REPORTS)/index.html (BENCH=quick or full resizes; REPORTS=reports rewrites the committed reference)
	$(GO) run ./cmd/geerpc bench -out $(REPORTS) $(if $(BENCH),-size $(BENCH))

view: ## serve $(REPORTS)/ at http://$(VIEW)/ until interrupted
	$(GO) run ./cmd/geerpc report -dir $(REPORTS) -serve $(VIEW)

chaos: ## run chaos/scenarios/*.json for every balancing mode, check the invariants, write $(REPORTS)/chaos/ (CLUSTER=procs: as processes behind Toxiproxy)
ifeq ($(CLUSTER),procs)
	$(GO) run ./cmd/geerpc chaos -cluster procs -scenario '$(PROCS_SCENARIOS)' -out $(REPORTS)/chaos-procs
else
	$(GO) run ./cmd/geerpc chaos -scenario 'chaos/scenarios/*.json' -out $(REPORTS)/chaos
endif
	$(relink)

soak: ## SOAK (default 10m) at 70% of saturation with faults cycling; PASS if nothing leaks, every call accounted; $(REPORTS)/soak/
	$(GO) run ./cmd/geerpc soak -d $(SOAK) -out $(REPORTS)/soak
	$(relink)

agents: ## etcd, two servers and three agents on loopback, then load -agents 3 at RATE/s (default $(RATE)) for D ($(D)): the merged report
	@tmp=$$(mktemp -d); pids=; epid=; \
	trap 'kill $$pids 2>/dev/null; wait $$pids 2>/dev/null; kill $$epid 2>/dev/null; wait $$epid 2>/dev/null; rm -rf $$tmp' EXIT; \
	start() { log=$$tmp/$$1.log; shift; $$tmp/geerpc "$$@" >$$log 2>&1 & pids="$$pids $$!"; }; \
	await() { for _ in $$(seq 300); do grep -m1 "$$2" $$tmp/$$1.log && return; sleep 0.1; done; cat $$tmp/$$1.log >&2; return 1; }; \
	$(GO) build -o $$tmp/geerpc ./cmd/geerpc; \
	start etcd etcd -listen 127.0.0.1:0 -peer 127.0.0.1:0; epid=$$pids; pids=; \
	etcd=$$(await etcd 'etcd: serving' | awk '{print $$3}'); [ -n "$$etcd" ]; \
	for s in s1 s2; do start $$s serve -etcd $$etcd -debug '' -name $$s; done; \
	for a in a1 a2 a3; do start $$a agent -etcd $$etcd -name $$a; done; \
	for n in s1 s2; do await $$n 'registered in etcd' >/dev/null; done; \
	for n in a1 a2 a3; do await $$n 'registered as' >/dev/null; done; \
	echo "etcd $$etcd, servers s1 s2, agents a1 a2 a3 (logs in $$tmp)"; \
	$$tmp/geerpc load -q -etcd $$etcd -agents 3 -rate $(RATE) -d $(D)

gobench: ## go test benchmarks, -count=10, benchstat-ready, to $(REPORTS)/gobench.txt
	mkdir -p $(REPORTS)
	$(GO) test -run='^$$' -bench=. -benchmem -count=10 $(PKGS) | tee $(REPORTS)/gobench.txt

fuzz: ## run every fuzz target for FUZZTIME each (default 20s)
	for pkg in $$($(GO) list $(PKGS)); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "== $$pkg $$f"; $(GO) test -run='^$$' -fuzz="^$$f\$$" -fuzztime=$(FUZZTIME) $$pkg; \
	  done; \
	done

ci: ## what CI runs: .ci/run
	bash .ci/run
