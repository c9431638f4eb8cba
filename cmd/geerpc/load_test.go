package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/geerpclab/geerpc/geerpc/xclient"
	"github.com/geerpclab/geerpc/internal/embedetcd"
)

// loadReport is the part of loadgen's JSON report these tests read.
type loadReport struct {
	Calls    int64 `json:"calls"`
	OK       int64 `json:"ok"`
	Outcomes []struct {
		Outcome string `json:"outcome"`
		Calls   int64  `json:"calls"`
	} `json:"outcomes"`
	Instances []struct {
		Name  string  `json:"name"`
		Calls int64   `json:"calls"`
		Share float64 `json:"share"`
	} `json:"instances"`
	Setup struct {
		Mode string `json:"mode"`
	} `json:"setup"`
	Latency struct {
		P50 int64 `json:"p50_ns"`
	} `json:"latency"`
}

// runLoadJSON runs geerpc load -q with args, writing JSON and CSV, and
// returns the JSON report after checking the exit status, the summary and
// the CSV. Calls get 10s unless args say otherwise.
func runLoadJSON(t *testing.T, args ...string) loadReport {
	t.Helper()
	dir := t.TempDir()
	js, csv := filepath.Join(dir, "out.json"), filepath.Join(dir, "timeline.csv")
	var stdout, stderr bytes.Buffer
	// The tests check that every call succeeds: a deadline a loaded machine
	// meets, which args may override.
	args = append([]string{"load", "-q", "-o", js, "-csv", csv, "-timeout", "10s"}, args...)
	if code := run(t.Context(), args, &stdout, &stderr); code != 0 {
		t.Fatalf("load exit %d: %s", code, stderr.String())
	}
	for _, want := range []string{"latency", "instance", "wrote " + js, "wrote " + csv} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, stdout.String())
		}
	}
	if strings.Contains(stderr.String(), "\r") {
		t.Errorf("progress line on a stderr that is not a terminal: %q", stderr.String())
	}
	if b, err := os.ReadFile(csv); err != nil || !bytes.Contains(b, []byte("\nstart_s,end_s,calls")) {
		t.Errorf("CSV timeline %s: %v\n%s", csv, err, b)
	}
	var m loadReport
	b, err := os.ReadFile(js)
	if err == nil {
		err = json.Unmarshal(b, &m)
	}
	if err != nil {
		t.Fatalf("JSON report: %v", err)
	}
	return m
}

// checkShares checks that every call succeeded with its own nonce back (no
// lost, invalid or failed call), that the instances are addrs and add up
// to the total, and that each has at least minShare of it.
func checkShares(t *testing.T, m loadReport, addrs []string, minShare float64) {
	t.Helper()
	if m.Calls == 0 || m.OK != m.Calls {
		t.Errorf("%d ok of %d calls: %+v", m.OK, m.Calls, m.Outcomes)
	}
	for _, o := range m.Outcomes {
		if o.Outcome != "ok" && o.Calls != 0 {
			t.Errorf("%d calls with outcome %s", o.Calls, o.Outcome)
		}
	}
	var names []string
	var sum int64
	for _, in := range m.Instances {
		names = append(names, in.Name)
		sum += in.Calls
		if in.Share < minShare {
			t.Errorf("instance %s has share %.3f, want at least %.3f", in.Name, in.Share, minShare)
		}
	}
	if !slices.Equal(names, slices.Sorted(slices.Values(addrs))) || sum != m.Calls {
		t.Errorf("instances %v with %d calls, want %v with %d", names, sum, addrs, m.Calls)
	}
}

// TestLoadEndToEnd runs a registry, two instances and a short load through
// the registry and through -servers, closed and open loop: both instances
// take a share and every nonce comes back.
func TestLoadEndToEnd(t *testing.T) {
	url := startRegistry(t)
	_, a1 := startServe(t, "-registry", url, "-heartbeat", "1s", "-debug", "")
	_, a2 := startServe(t, "-registry", url, "-heartbeat", "1s", "-debug", "")
	addrs := []string{a1, a2}
	waitListed(t, url, addrs)
	tests := []struct {
		name     string
		args     []string
		mode     string
		minShare float64
	}{
		{name: "registry roundrobin", args: []string{"-registry", url, "-mode", "roundrobin", "-c", "4", "-inflight", "2"}, mode: "closed", minShare: 0.45},
		{name: "servers p2c", args: []string{"-servers", strings.Join(addrs, ","), "-mode", "p2c", "-c", "4"}, mode: "closed", minShare: 0.1},
		{name: "servers open loop hash", args: []string{"-servers", a1 + "," + a2, "-mode", "consistenthash", "-rate", "200"}, mode: "open", minShare: 0.1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := runLoadJSON(t, append(tt.args, "-d", "1s", "-interval", "200ms")...)
			if m.Setup.Mode != tt.mode {
				t.Errorf("mode %q, want %q", m.Setup.Mode, tt.mode)
			}
			checkShares(t, m, addrs, tt.minShare)
		})
	}
}

// TestLoadWorkSleep loads Work.Sleep on an instance with extra latency:
// the latency includes both sleeps.
func TestLoadWorkSleep(t *testing.T) {
	_, addr := startServe(t, "-latency", "5ms", "-debug", "")
	m := runLoadJSON(t, "-servers", addr, "-method", "Work.Sleep", "-sleep", "5ms", "-c", "2", "-d", "300ms")
	checkShares(t, m, []string{addr}, 1)
	if p50 := time.Duration(m.Latency.P50); p50 < 10*time.Millisecond {
		t.Errorf("p50 %s, want at least 5ms + 5ms", p50)
	}
}

func TestLoadBadCommandLines(t *testing.T) {
	_, addr := startServe(t, "-debug", "")
	checkBadLines(t, []badLine{
		{name: "unknown flag", args: []string{"load", "-nope"}, want: "-nope"},
		{name: "no servers", args: []string{"load"}, want: "-registry URL, -etcd ENDPOINTS or -servers"},
		{name: "two sources", args: []string{"load", "-servers", addr, "-registry", "http://127.0.0.1:1"}, want: "give only one"},
		{name: "unknown mode", args: []string{"load", "-servers", addr, "-mode", "fastest"}, want: `-mode "fastest"`},
		{name: "unknown failmode", args: []string{"load", "-servers", addr, "-failmode", "retry"}, want: `-failmode "retry"`},
		{name: "unknown method", args: []string{"load", "-servers", addr, "-method", "Echo.Shout"}, want: `-method "Echo.Shout"`},
		{name: "zero workers", args: []string{"load", "-servers", addr, "-c", "0"}, want: "-c 0"},
		{name: "zero inflight", args: []string{"load", "-servers", addr, "-inflight", "0"}, want: "-inflight"},
		{name: "negative rate", args: []string{"load", "-servers", addr, "-rate", "-5"}, want: "-rate"},
		{name: "ramp without duration", args: []string{"load", "-servers", addr, "-ramp-to", "100", "-d", "0"}, want: "-ramp-to"},
		{name: "short interval", args: []string{"load", "-servers", addr, "-interval", "10ms"}, want: "-interval"},
		{name: "bad duration", args: []string{"load", "-servers", addr, "-d", "long"}, want: "-d"},
		{name: "negative size", args: []string{"load", "-servers", addr, "-size", "-1"}, want: "-size"},
		{name: "malformed server", args: []string{"load", "-servers", "tcp@127.0.0.1"}, want: "-servers"},
		{name: "tls server", args: []string{"load", "-servers", "tls@127.0.0.1:1"}, want: "-servers"},
		{name: "remote server", args: []string{"load", "-servers", "tcp@192.0.2.1:7001"}, want: "not on loopback"},
		{name: "unreachable server", args: []string{"load", "-servers", "tcp@127.0.0.1:1"}, want: "-servers: unreachable"},
		{name: "unreachable registry", args: []string{"load", "-registry", "http://127.0.0.1:1"}, want: "-registry http://127.0.0.1:1/_geerpc_/registry"},
		{name: "unreachable etcd", args: []string{"load", "-etcd", "127.0.0.1:1"}, want: "-etcd 127.0.0.1:1: unreachable"},
		{name: "empty registry", args: []string{"load", "-registry", startRegistry(t)}, want: "lists no servers"},
		{name: "unwritable output", args: []string{"load", "-servers", addr, "-o", t.TempDir()}, want: "-o"},
	})
}

// startEtcd starts a one-member etcd embedded in the test, on free loopback
// ports, and returns its client endpoint; the test's cleanup stops it.
func startEtcd(t *testing.T) string {
	t.Helper()
	e, err := embedetcd.Start(t.TempDir(), "127.0.0.1:0", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	return e.Clients[0].Addr().String()
}

// TestLoadThroughEtcd registers two instances in an embedded etcd and loads
// them through -etcd: both take a share, every nonce comes back, and a
// stopped instance leaves etcd at once.
func TestLoadThroughEtcd(t *testing.T) {
	ep := startEtcd(t)
	s1, a1 := startServe(t, "-etcd", ep, "-heartbeat", "1s", "-debug", "")
	_, a2 := startServe(t, "-etcd", ep, "-heartbeat", "1s", "-debug", "", "-name", "second")
	m := runLoadJSON(t, "-etcd", ep, "-mode", "roundrobin", "-c", "4", "-d", "1s", "-interval", "200ms")
	checkShares(t, m, []string{a1, a2}, 0.45) // by address, the balancer's name, whatever -name
	s1.stop(t)
	m = runLoadJSON(t, "-etcd", ep, "-mode", "weighted", "-c", "2", "-d", "200ms", "-interval", "100ms")
	checkShares(t, m, []string{a2}, 1)
	if !strings.Contains(s1.out.String(), "registered in etcd "+ep) {
		t.Errorf("serve did not print its etcd registration: %q", s1.out)
	}
}

// TestLoopbackOnlyHidesRemoteServers: servers off loopback never reach the
// balancer, whichever way the XClient asks.
func TestLoopbackOnlyHidesRemoteServers(t *testing.T) {
	d := loopbackOnly{xclient.NewMultiServerDiscovery([]string{"tcp@192.0.2.1:7001", "tcp@127.0.0.1:7002", "unix@/tmp/s.sock", "tcp@localhost:7003"})}
	got, err := d.GetAll()
	if want := []string{"tcp@127.0.0.1:7002", "unix@/tmp/s.sock", "tcp@localhost:7003"}; err != nil || !slices.Equal(got, want) {
		t.Fatalf("GetAll = %v, %v; want %v", got, err, want)
	}
	remote := loopbackOnly{xclient.NewMultiServerDiscovery([]string{"tcp@192.0.2.1:7001"})}
	if _, err := remote.GetAllWeighted(); !errors.Is(err, xclient.ErrNoInstances) {
		t.Fatalf("GetAllWeighted of remote servers: %v, want ErrNoInstances", err)
	}
	if _, err := remote.Get(xclient.RandomSelect); !errors.Is(err, xclient.ErrNoInstances) {
		t.Fatalf("Get of a remote server: %v, want ErrNoInstances", err)
	}
}

// TestLoadCountsErrorsUnderTheirInstance loads Arith.Add, whose replies
// name no instance, on a live instance and one stopped before the run:
// the stopped one's failed calls count under its address, not "(unknown)".
func TestLoadCountsErrorsUnderTheirInstance(t *testing.T) {
	_, live := startServe(t, "-debug", "")
	stopped, dead := startServe(t, "-debug", "")
	stopped.stop(t)
	m := runLoadJSON(t, "-servers", live+","+dead, "-mode", "roundrobin", "-method", "Arith.Add", "-c", "2", "-d", "300ms", "-interval", "100ms")
	var names []string
	for _, in := range m.Instances {
		names = append(names, in.Name)
	}
	if want := slices.Sorted(slices.Values([]string{live, dead})); !slices.Equal(names, want) {
		t.Fatalf("instances %v, want %v", names, want)
	}
	if m.OK == 0 || m.OK == m.Calls {
		t.Fatalf("%d ok of %d calls: want the live instance's calls ok and the stopped one's failed", m.OK, m.Calls)
	}
}
