package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/geerpclab/geerpc/demo"
	"github.com/geerpclab/geerpc/geerpc"
	"github.com/geerpclab/geerpc/geerpc/geerpctest"
)

// countedServer serves the demo services on loopback until the test ends;
// its Stats count the calls it served.
func countedServer(t *testing.T, name string) (string, *geerpc.Server) {
	t.Helper()
	srv := geerpc.NewServer()
	if _, err := demo.RegisterAll(srv, demo.Config{Instance: name}); err != nil {
		t.Fatal(err)
	}
	return "tcp@" + geerpctest.Serve(t, srv, geerpctest.Listen(t)), srv
}

// echoServed returns the Echo.Echo calls srvs served.
func echoServed(srvs ...*geerpc.Server) int64 {
	var n int64
	for _, srv := range srvs {
		for _, s := range srv.Stats() {
			for _, m := range s.Methods {
				if s.Name == "Echo" && m.Name == "Echo" {
					n += int64(m.Calls)
				}
			}
		}
	}
	return n
}

// noChildrenLeft fails the test if a process started by the test is still
// alive (or unreaped) when every other cleanup has run.
func noChildrenLeft(t *testing.T) {
	t.Cleanup(func() {
		if kids := children(); len(kids) > 0 {
			t.Errorf("child processes left: %v", kids)
		}
	})
}

// children lists the processes whose parent is this one.
func children() []string {
	var kids []string
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	me := strconv.Itoa(os.Getpid())
	for _, p := range stats {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		_, rest, _ := strings.Cut(string(b), ") ")
		if f := strings.Fields(rest); len(f) > 1 && f[1] == me {
			kids = append(kids, p)
		}
	}
	return kids
}

// startAgentProcesses starts n geerpc agent processes registered in etcd.
func startAgentProcesses(t *testing.T, etcd string, n int) []*process {
	t.Helper()
	var ps []*process
	for i := range n {
		name := fmt.Sprintf("a%d", i+1)
		p := startProcess(t, "agent", "-etcd", etcd, "-name", name)
		p.waitLine(t, "agent "+name+": serving ")
		ps = append(ps, p)
	}
	return ps
}

// agentsReport is the part of a coordinated run's JSON report these tests
// read.
type agentsReport struct {
	loadReport
	Unsent  int64 `json:"unsent"`
	Partial bool  `json:"partial"`
	Agents  []struct {
		Name   string `json:"name"`
		Calls  int64  `json:"calls"`
		Failed string `json:"failed"`
	} `json:"agents"`
}

// TestLoadOverAgentProcesses: three geerpc agent processes found through an
// embedded etcd carry an open-loop run: the merged count is the sum of the
// agents' and what the servers served, every call of the pacer's schedule
// was sent, and SIGTERM deregisters the agents.
func TestLoadOverAgentProcesses(t *testing.T) {
	noChildrenLeft(t)
	etcd := startEtcd(t)
	a, sa := countedServer(t, "s1")
	b, sb := countedServer(t, "s2")
	agents := startAgentProcesses(t, etcd, 3)
	js := filepath.Join(t.TempDir(), "out.json")
	var stdout, stderr bytes.Buffer
	args := []string{"load", "-q", "-etcd", etcd, "-agents", "3", "-servers", a + "," + b,
		"-rate", "900", "-d", "2s", "-interval", "500ms", "-timeout", "10s", "-o", js}
	if code := run(t.Context(), args, &stdout, &stderr); code != 0 {
		t.Fatalf("load exit %d: %s\n%s", code, stderr.String(), stdout.String())
	}
	var r agentsReport
	readJSON(t, js, &r)
	var sum int64
	for _, ag := range r.Agents {
		sum += ag.Calls
	}
	served := echoServed(sa, sb) - 3                                                          // each agent's warm-up call
	okServed := served >= r.OK && served <= r.Calls && (r.OK != r.Calls || served == r.Calls) // a timed-out call may not have reached a server
	if r.Partial || r.Calls != sum || !okServed || r.Calls+r.Unsent != 1800 || r.Calls < 1764 {
		t.Fatalf("partial %v, merged %d, agents %d, served %d, unsent %d, want 1800 calls scheduled:\n%s",
			r.Partial, r.Calls, sum, served, r.Unsent, stdout.String())
	}
	for _, p := range agents {
		if code := p.terminate(t); code != 0 {
			t.Errorf("agent exit %d after SIGTERM: %s", code, p.err)
		}
		if !strings.Contains(p.out.String(), "deregistered") {
			t.Errorf("agent did not deregister: %s", p.out)
		}
	}
	if code := run(t.Context(), append(args[:len(args)-2:len(args)-2], "-agent-wait", "300ms"), &stdout, &stderr); code != 2 ||
		!strings.Contains(stderr.String(), "found 0 of 3") {
		t.Fatalf("load with no agents left: exit %d, %s", code, stderr.String())
	}
}

// readJSON decodes the JSON file path into v.
func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

// TestAgentProcessKilledMidRun: an agent process killed mid-run is named in
// a partial report (exit 1) and the other agents finish their shares.
func TestAgentProcessKilledMidRun(t *testing.T) {
	noChildrenLeft(t)
	etcd := startEtcd(t)
	a, sa := countedServer(t, "s1")
	agents := startAgentProcesses(t, etcd, 3)
	go func() { // kill a2 once a third of the calls were served
		deadline := time.Now().Add(time.Minute)
		for echoServed(sa) < 600 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		_ = agents[1].cmd.Process.Kill()
	}()
	js := filepath.Join(t.TempDir(), "out.json")
	var stdout, stderr bytes.Buffer
	args := []string{"load", "-q", "-etcd", etcd, "-agents", "3", "-servers", a, "-rate", "600", "-d", "3s", "-interval", "500ms", "-o", js}
	if code := run(t.Context(), args, &stdout, &stderr); code != 1 {
		t.Fatalf("load exit %d, want 1: %s\n%s", code, stderr.String(), stdout.String())
	}
	<-agents[1].done
	var r agentsReport
	readJSON(t, js, &r)
	if !r.Partial || r.Agents[1].Failed == "" || !strings.Contains(stdout.String(), "PARTIAL: a2 did not complete") {
		t.Fatalf("partial %v, agents %+v:\n%s", r.Partial, r.Agents, stdout.String())
	}
	for _, i := range []int{0, 2} {
		if r.Agents[i].Failed != "" || r.Agents[i].Calls != 600 {
			t.Errorf("agent %s: %+v, want complete with 600 calls", r.Agents[i].Name, r.Agents[i])
		}
	}
	// Restarted under its name, a2 waits for its old key's lease to expire.
	startProcess(t, "agent", "-etcd", etcd, "-name", "a2").waitLine(t, "agent a2: serving ")
}

// TestCoordinatorProcessStopped: a coordinating geerpc load process
// stopped by SIGTERM stops its agents and reports what they sent (exit 0);
// one killed mid-run leaves no agent loading the servers after 2s.
func TestCoordinatorProcessStopped(t *testing.T) {
	noChildrenLeft(t)
	etcd := startEtcd(t)
	a, sa := countedServer(t, "s1")
	startAgentProcesses(t, etcd, 3)
	args := []string{"load", "-q", "-etcd", etcd, "-agents", "3", "-servers", a, "-rate", "600", "-d", "0", "-interval", "500ms"}

	load := startProcess(t, args...)
	waitServed(t, sa, echoServed(sa)+300, load)
	if code := load.terminate(t); code != 0 || !strings.Contains(load.out.String(), "stop      context canceled") ||
		!strings.Contains(load.out.String(), "complete") {
		t.Fatalf("load exit %d after SIGTERM:\n%s\n%s", code, load.out, load.err)
	}
	assertNoLoad(t, sa, time.Second, "stopped")

	load = startProcess(t, args...)
	waitServed(t, sa, echoServed(sa)+300, load)
	_ = load.cmd.Process.Kill()
	<-load.done
	assertNoLoad(t, sa, 2*time.Second, "killed")
}

// waitServed waits until srv served n Echo calls.
func waitServed(t *testing.T, srv *geerpc.Server, n int64, load *process) {
	t.Helper()
	deadline := time.Now().Add(waitFor)
	for echoServed(srv) < n {
		if time.Now().After(deadline) {
			t.Fatalf("no load within %s: %s", waitFor, load.err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// assertNoLoad checks that, after, srv serves no more calls.
func assertNoLoad(t *testing.T, srv *geerpc.Server, after time.Duration, how string) {
	t.Helper()
	time.Sleep(after)
	before := echoServed(srv)
	time.Sleep(500 * time.Millisecond)
	if now := echoServed(srv); now != before {
		t.Fatalf("agents still load %s after their coordinator was %s: %d calls, then %d", after, how, before, now)
	}
}

// TestAgentBadCommandLines: agent flags are checked at once, exit 2.
func TestAgentBadCommandLines(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"agent"}, "give -etcd"},
		{[]string{"agent", "-etcd", "127.0.0.1:1", "-name", "a/b"}, "-name"},
		{[]string{"load", "-agents", "2", "-servers", "tcp@127.0.0.1:1"}, "-agents needs -etcd"},
		{[]string{"load", "-agents", "3", "-etcd", "127.0.0.1:1", "-c", "2"}, "fewer workers"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), tt.args, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), tt.want) {
			t.Errorf("geerpc %v: exit %d, %q; want 2 naming %q", tt.args, code, stderr.String(), tt.want)
		}
	}
}

// TestAgentRefusesRemoteServers: an agent refuses a plan whose servers are
// off loopback, and the coordinator exits 2 naming it.
func TestAgentRefusesRemoteServers(t *testing.T) {
	noChildrenLeft(t)
	etcd := startEtcd(t)
	startAgentProcesses(t, etcd, 1)
	var stdout, stderr bytes.Buffer
	args := []string{"load", "-q", "-etcd", etcd, "-agents", "1", "-servers", "tcp@192.0.2.1:7001", "-allow-remote", "-rate", "10", "-d", "1s"}
	if code := run(t.Context(), args, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "a1") ||
		!strings.Contains(stderr.String(), "loopback") {
		t.Fatalf("exit %d, %q; want 2 naming a1 and loopback", code, stderr.String())
	}
}
