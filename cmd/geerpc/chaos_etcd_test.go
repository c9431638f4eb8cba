package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestChaosEtcdRefusedBeforeStarting: a bad -etcd line, a fault the
// harness cannot apply to a deployment and an etcd that does not answer
// are refused at once, exit status 2, naming them.
func TestChaosEtcdRefusedBeforeStarting(t *testing.T) {
	toxi := fakeToxiproxy(t)
	checkBadLines(t, []badLine{
		{name: "two registries", args: []string{"chaos", "-scenario", "slow-instance", "-registry", "127.0.0.1:9999", "-etcd", "127.0.0.1:2379", "-toxiproxy", toxi}, want: "-registry and -etcd: give one registry"},
		{name: "no toxiproxy", args: []string{"chaos", "-scenario", "slow-instance", "-etcd", "127.0.0.1:2379"}, want: "-etcd needs -toxiproxy"},
		{name: "with a cluster", args: []string{"chaos", "-scenario", "slow-instance", "-etcd", "127.0.0.1:2379", "-cluster", "procs", "-toxiproxy", toxi}, want: "-etcd names a running deployment: leave out -cluster"},
		{name: "off loopback", args: []string{"chaos", "-scenario", "slow-instance", "-etcd", "10.1.2.3:2379", "-toxiproxy", toxi}, want: `-etcd "10.1.2.3:2379": want loopback`},
		{name: "lease loss on a deployment", args: []string{"chaos", "-scenario", "lease-loss", "-etcd", "127.0.0.1:1", "-toxiproxy", toxi}, want: `faults[0] lease_loss: the harness did not start`},
		{name: "process fault on a deployment", args: []string{"chaos", "-scenario", "zombie", "-etcd", "127.0.0.1:1", "-toxiproxy", toxi}, want: `faults[0] zombie: the harness did not start`},
		{name: "unreachable etcd", args: []string{"chaos", "-scenario", "slow-instance", "-etcd", "127.0.0.1:1", "-toxiproxy", toxi}, want: "-etcd 127.0.0.1:1: unreachable"},
	})
}

// TestChaosRefusesAnEtcdListingNoServer: an etcd that answers but lists
// no server is refused before anything starts (the default probe time, so
// that a busy machine's etcd answers).
func TestChaosRefusesAnEtcdListingNoServer(t *testing.T) {
	ep := startEtcd(t)
	var stdout, stderr bytes.Buffer
	args := []string{"chaos", "-scenario", "slow-instance", "-etcd", ep, "-toxiproxy", fakeToxiproxy(t), "-out", t.TempDir()}
	if code := run(t.Context(), args, &stdout, &stderr); code != 2 {
		t.Fatalf("exit %d, want 2; stderr %q", code, stderr.String())
	}
	if want := "-etcd " + ep + ": lists no servers"; !strings.Contains(stderr.String(), want) {
		t.Fatalf("stderr %q does not name %q", stderr.String(), want)
	}
}
