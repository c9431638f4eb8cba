package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/geerpclab/geerpc/cluster"
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

// TestChaosAgainstAnEtcdDeployment runs a link fault through the command
// against a deployment it did not start: two instances registered in an
// etcd, each behind a proxy named after it on a Toxiproxy server. Both are
// found through -etcd and answer; the run exits 0 and writes its reports.
func TestChaosAgainstAnEtcdDeployment(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	links, err := cluster.StartLinks(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer links.Close()
	dep, err := cluster.Start(ctx, cluster.Options{Registry: cluster.EtcdRegistry, TTL: 2 * time.Second, Front: links.Front},
		[]cluster.InstanceSpec{{Name: "a"}, {Name: "b"}})
	if err != nil {
		t.Fatal(err)
	}
	defer dep.Close()
	dir := t.TempDir()
	path := filepath.Join(dir, "deployment.json")
	s := `{"name":"deployment","instances":[{"name":"a"},{"name":"b"}],"modes":["round-robin"],
		"load":{"rate":40,"duration":"2s","timeout":"1s"},
		"faults":[{"type":"latency","instances":["b"],"start":"500ms","end":"1500ms","latency":"20ms"}],
		"thresholds":{"deadline_slack":"200ms"}}`
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	args := []string{"chaos", "-q", "-scenario", path, "-etcd", strings.Join(dep.Etcd().Endpoints(), ","),
		"-toxiproxy", links.URL(), "-out", filepath.Join(dir, "out")}
	if code := run(ctx, args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, stderr.String(), stdout.String())
	}
	data, err := os.ReadFile(filepath.Join(dir, "out", "deployment.json"))
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Variants []struct {
			OK    int64            `json:"ok"`
			Picks map[string]int64 `json:"picks"`
		} `json:"variants"`
	}
	if err := json.Unmarshal(data, &res); err != nil || len(res.Variants) != 1 {
		t.Fatalf("results: %v, %d variants", err, len(res.Variants))
	}
	if v := res.Variants[0]; v.OK == 0 || v.Picks["a"] == 0 || v.Picks["b"] == 0 {
		t.Errorf("%d ok, picks %v: want both instances found in etcd and answering", v.OK, v.Picks)
	}
}
