package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/geerpclab/geerpc/geerpc/registry"
)

// waitFor bounds every wait of these tests: a deadlock fails the test
// instead of hanging it.
const waitFor = 15 * time.Second

// lineSink is a writer, safe for concurrent use, that hands each complete
// line to lines and keeps everything written.
type lineSink struct {
	mu    sync.Mutex // protects following
	part  []byte
	all   bytes.Buffer
	lines chan string
}

func newLineSink() *lineSink { return &lineSink{lines: make(chan string, 256)} }

func (s *lineSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.all.Write(p)
	s.part = append(s.part, p...)
	for {
		i := bytes.IndexByte(s.part, '\n')
		if i < 0 {
			return len(p), nil
		}
		select {
		case s.lines <- string(s.part[:i]):
		default: // nobody reads that far; all keeps it
		}
		s.part = s.part[i+1:]
	}
}

func (s *lineSink) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.all.String()
}

// background is a command run in the background through run, as if from a
// terminal of its own, until stop.
type background struct {
	cancel   context.CancelFunc
	code     chan int
	out, err *lineSink
	stopped  bool
}

// startCmd runs geerpc args in the background; the test's cleanup stops it.
func startCmd(t *testing.T, args ...string) *background {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	b := &background{cancel: cancel, code: make(chan int, 1), out: newLineSink(), err: newLineSink()}
	go func() { b.code <- run(ctx, args, b.out, b.err) }()
	t.Cleanup(func() { b.stop(t) })
	return b
}

// waitLine returns the first field after prefix of the first line of
// stdout starting with prefix, and fails the test if the command ends or
// waitFor passes first.
func (b *background) waitLine(t *testing.T, prefix string) string {
	t.Helper()
	timeout := time.After(waitFor)
	for {
		select {
		case l := <-b.out.lines:
			if rest, ok := strings.CutPrefix(l, prefix); ok {
				return strings.Fields(rest)[0]
			}
		case code := <-b.code:
			b.code <- code
			t.Fatalf("command ended (exit %d) before printing %q: %s", code, prefix, b.err)
		case <-timeout:
			t.Fatalf("no line %q within %s: stdout %q, stderr %q", prefix, waitFor, b.out, b.err)
		}
	}
}

// stop cancels the command, as Ctrl-C does, and checks that it ends with
// status 0 within waitFor. Stopping it again does nothing.
func (b *background) stop(t *testing.T) {
	t.Helper()
	if b.stopped {
		return
	}
	b.stopped = true
	b.cancel()
	select {
	case code := <-b.code:
		if code != 0 {
			t.Errorf("exit %d after Ctrl-C: %s", code, b.err)
		}
	case <-time.After(waitFor):
		t.Errorf("command did not end within %s of Ctrl-C", waitFor)
	}
}

// startRegistry runs geerpc registry on a free port and returns its URL.
func startRegistry(t *testing.T) string {
	t.Helper()
	return startCmd(t, "registry", "-addr", "127.0.0.1:0", "-ttl", "10s").waitLine(t, "registry ")
}

// startServe runs geerpc serve with args and returns it and its address.
func startServe(t *testing.T, args ...string) (*background, string) {
	t.Helper()
	b := startCmd(t, append([]string{"serve"}, args...)...)
	return b, b.waitLine(t, "serving ")
}

// waitListed waits until the registry at url lists exactly addrs.
func waitListed(t *testing.T, url string, addrs []string) {
	t.Helper()
	want := slices.Sorted(slices.Values(addrs))
	var got []string
	for deadline := time.Now().Add(waitFor); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		items, err := registry.FetchServers(context.Background(), nil, url)
		got = got[:0]
		for _, it := range items {
			got = append(got, it.Addr)
		}
		if err == nil && slices.Equal(got, want) {
			return
		}
	}
	t.Fatalf("registry lists %v, want %v", got, want)
}

// TestServeTransports serves over each transport and loads the instance
// through -servers: every call succeeds and names the instance.
func TestServeTransports(t *testing.T) {
	tests := []struct {
		name string
		addr string
	}{
		{name: "tcp", addr: "tcp@127.0.0.1:0"},
		{name: "unix", addr: "unix@" + filepath.Join(t.TempDir(), "s.sock")},
		{name: "http", addr: "http@127.0.0.1:0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, addr := startServe(t, "-addr", tt.addr, "-debug", "")
			m := runLoadJSON(t, "-servers", addr, "-c", "2", "-d", "300ms", "-interval", "100ms")
			checkShares(t, m, []string{addr}, 1)
			srv.stop(t)
			if !strings.HasSuffix(srv.out.String(), "stopped\n") {
				t.Fatalf("serve did not say it stopped: %q", srv.out)
			}
		})
	}
}

// TestServeDebugPage fetches the debug page whose URL serve prints.
func TestServeDebugPage(t *testing.T) {
	srv, _ := startServe(t, "-debug", "127.0.0.1:0")
	url := srv.waitLine(t, "debug page ")
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: waitFor}
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v", url, resp.StatusCode, err)
	}
	for _, want := range []string{"Service Arith", "Service Echo", "Service Work"} {
		if !bytes.Contains(body, []byte(want)) {
			t.Errorf("debug page lacks %q", want)
		}
	}
}

// TestServeDeregistersOnExit stops one of two registered instances: the
// registry drops it at once, not after its TTL.
func TestServeDeregistersOnExit(t *testing.T) {
	url := startRegistry(t)
	s1, a1 := startServe(t, "-registry", url, "-debug", "")
	_, a2 := startServe(t, "-registry", url, "-debug", "", "-weight", "3")
	waitListed(t, url, []string{a1, a2})
	s1.stop(t)
	waitListed(t, url, []string{a2})
	if !strings.Contains(s1.out.String(), "deregistered\n") {
		t.Fatalf("serve did not say it deregistered: %q", s1.out)
	}
}

func TestServeBadCommandLines(t *testing.T) {
	checkBadLines(t, []badLine{
		{name: "unknown flag", args: []string{"serve", "-nope"}, want: "-nope"},
		{name: "malformed addr", args: []string{"serve", "-addr", "127.0.0.1:0"}, want: "-addr"},
		{name: "unknown protocol", args: []string{"serve", "-addr", "udp@127.0.0.1:0"}, want: "-addr"},
		{name: "tls unsupported", args: []string{"serve", "-addr", "tls@127.0.0.1:0"}, want: "-addr"},
		{name: "addr in use", args: []string{"serve", "-addr", "unix@" + t.TempDir()}, want: "-addr"},
		{name: "two registries", args: []string{"serve", "-registry", "http://127.0.0.1:1", "-etcd", "127.0.0.1:1"}, want: "-registry and -etcd"},
		{name: "malformed registry", args: []string{"serve", "-registry", "http://"}, want: "-registry"},
		{name: "unreachable registry", args: []string{"serve", "-registry", "127.0.0.1:1", "-debug", ""}, want: "-registry http://127.0.0.1:1/_geerpc_/registry: unreachable"},
		{name: "unreachable etcd", args: []string{"serve", "-etcd", "127.0.0.1:1", "-debug", ""}, want: "-etcd 127.0.0.1:1: unreachable"},
		{name: "empty etcd endpoint", args: []string{"serve", "-etcd", "127.0.0.1:1,", "-debug", ""}, want: "-etcd"},
		{name: "zero weight", args: []string{"serve", "-weight", "0"}, want: "-weight"},
		{name: "zero heartbeat", args: []string{"serve", "-heartbeat", "0s"}, want: "-heartbeat"},
		{name: "negative latency", args: []string{"serve", "-latency", "-1ms"}, want: "-latency"},
		{name: "bad latency", args: []string{"serve", "-latency", "slow"}, want: "-latency"},
		{name: "negative service time", args: []string{"serve", "-service-time", "-1ms"}, want: "-service-time"},
		{name: "malformed debug", args: []string{"serve", "-debug", "nowhere"}, want: "-debug"},
		{name: "malformed advertise", args: []string{"serve", "-advertise", "tcp@x"}, want: "address to register"},
		{name: "faults off loopback", args: []string{"serve", "-faults", "-addr", "tcp@0.0.0.0:0", "-debug", ""}, want: "-faults with -addr tcp@0.0.0.0:0"},
	})
}
