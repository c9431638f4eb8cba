SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-builtin-rules

GO       ?= go
FUZZTIME ?= 20s
REPORTS  ?= reports

.PHONY: help test bench gobench fuzz ci

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-9s %s\n", $$1, $$2}'

test: ## go vet, then every test with -race and goroutine-leak checks
	$(GO) vet ./...
	$(GO) test -race -count=1 ./...

bench: ## the main job: measure on loopback and write $(REPORTS)/
	$(GO) run ./cmd/geerpc bench -out $(REPORTS)

gobench: ## go test benchmarks, -count=10, benchstat-ready, to $(REPORTS)/gobench.txt
	mkdir -p $(REPORTS)
	$(GO) test -run='^$$' -bench=. -benchmem -count=10 ./... | tee $(REPORTS)/gobench.txt

fuzz: ## run every fuzz target for FUZZTIME each (default 20s)
	for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "== $$pkg $$f"; $(GO) test -run='^$$' -fuzz="^$$f\$$" -fuzztime=$(FUZZTIME) $$pkg; \
	  done; \
	done

ci: ## what CI runs: .ci/run
	bash .ci/run
