package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/geerpclab/geerpc/bench"
)

func TestBenchBadFlagsExit2NamingTheFlag(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{name: "unknown flag", args: []string{"-nope"}, want: "-nope"},
		{name: "bad rounds", args: []string{"-rounds", "x"}, want: "-rounds"},
		{name: "negative rounds", args: []string{"-rounds", "-1"}, want: "-rounds"},
		{name: "unknown size", args: []string{"-size", "huge"}, want: "-size"},
		{name: "negative duration", args: []string{"-duration", "-1s"}, want: "-duration"},
		{name: "unknown mode", args: []string{"-modes", "p2c,fastest"}, want: "-modes"},
		{name: "bad inflight", args: []string{"-inflight", "1,0"}, want: "-inflight"},
		{name: "empty out", args: []string{"-out", ""}, want: "-out"},
		{name: "remote registry", args: []string{"-registry", "http://10.0.0.1:9999/_geerpc_/registry"}, want: "-registry"},
		{name: "remote instance", args: []string{"-instances", "tcp@127.0.0.1:1,tcp@10.0.0.1:2"}, want: "-instances"},
		{name: "stray argument", args: []string{"quick"}, want: `"quick"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(t.Context(), append([]string{"bench"}, tt.args...), &stdout, &stderr); code != 2 {
				t.Fatalf("exit %d, want 2; stderr %q", code, stderr.String())
			}
			if !strings.Contains(stderr.String(), tt.want) {
				t.Fatalf("stderr %q does not name %q", stderr.String(), tt.want)
			}
		})
	}
}

// TestBenchRefusesUnreachableTargets: instances, a registry or a Toxiproxy
// server that do not answer, or a registry with no server, are refused
// before any run.
func TestBenchRefusesUnreachableTargets(t *testing.T) {
	_, addr := startServe(t, "-debug", "")
	checkBadLines(t, []badLine{
		{name: "unreachable instance", args: []string{"bench", "-instances", addr + ",tcp@127.0.0.1:1"}, want: "-instances: unreachable: tcp@127.0.0.1:1"},
		{name: "unreachable registry", args: []string{"bench", "-registry", "127.0.0.1:1"}, want: "-registry http://127.0.0.1:1/_geerpc_/registry"},
		{name: "empty registry", args: []string{"bench", "-registry", startRegistry(t)}, want: "lists no servers"},
		{name: "registry and instances", args: []string{"bench", "-registry", "127.0.0.1:1", "-instances", addr}, want: "give only one"},
		{name: "malformed instance", args: []string{"bench", "-instances", "127.0.0.1:1"}, want: "-instances"},
		{name: "unreachable toxiproxy", args: []string{"bench", "-cluster", "procs", "-toxiproxy", "http://127.0.0.1:1"}, want: "-toxiproxy http://127.0.0.1:1: unreachable"},
	})
}

// TestBenchOnARunningRegistry measures the instances of a running registry
// named as host:port, the form load takes.
func TestBenchOnARunningRegistry(t *testing.T) {
	url := startRegistry(t)
	_, addr := startServe(t, "-registry", url, "-debug", "")
	waitListed(t, url, []string{addr})
	hostport := strings.TrimPrefix(strings.TrimSuffix(url, "/_geerpc_/registry"), "http://")
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	args := []string{"bench", "-q", "-registry", hostport, "-rounds", "1", "-duration", "40ms", "-modes", "roundrobin,p2c", "-inflight", "1,10", "-peers=false", "-out", dir}
	if code := run(t.Context(), args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	b, err := os.ReadFile(filepath.Join(dir, bench.FileJSON))
	if err != nil || !bytes.Contains(b, []byte(url)) {
		t.Fatalf("%s does not name the registry %s: %v", bench.FileJSON, url, err)
	}
}

func TestBenchWritesTheReportAndSaysWhere(t *testing.T) {
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	args := []string{"bench", "-size", "quick", "-rounds", "1", "-duration", "40ms", "-modes", "roundrobin,p2c", "-inflight", "1,10", "-peers=false", "-out", dir}
	if code := run(t.Context(), args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	for _, f := range []string{bench.FileIndex, bench.FileJSON, bench.FileSummary, bench.FileCells, bench.FilePeers} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil || !bytes.Contains(b, []byte("round-robin")) && f != bench.FilePeers {
			t.Errorf("%s: %v", f, err)
		}
	}
	if !strings.Contains(stdout.String(), "report: "+filepath.Join(dir, bench.FileIndex)) {
		t.Errorf("stdout does not say where the report is:\n%s", stdout.String())
	}
	if !strings.Contains(stderr.String(), "round 1/1") || !strings.Contains(stderr.String(), "left]") {
		t.Errorf("no progress on stderr:\n%s", stderr.String())
	}
}

func TestRetypeableCommandShowsGoRun(t *testing.T) {
	got := retypeableCommand([]string{"/tmp/go-build123/b001/exe/geerpc", "bench", "-size", "quick"})
	if want := "go run ./cmd/geerpc bench -size quick"; strings.Join(got, " ") != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := retypeableCommand([]string{"./geerpc", "bench"}); strings.Join(got, " ") != "./geerpc bench" {
		t.Errorf("a built binary's command changed: %q", got)
	}
}
