package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestChaosBadCommandLinesExit2NamingTheProblem(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"name":"bad","instances":[{"name":"a"}],"load":{"rate":10,"duration":"1s","timeout":"100ms"},
		"faults":[{"type":"drop_reply","instances":["a"],"start":"0s","end":"2s","fraction":0.5}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no scenario", []string{"chaos"}, "-scenario is required"},
		{"no match", []string{"chaos", "-scenario", filepath.Join(dir, "*.nope")}, "matches no file"},
		{"invalid scenario", []string{"chaos", "-scenario", bad}, "faults[0].window: ends at 2s, after the run's 1s"},
		{"unknown flag", []string{"chaos", "-nope"}, "-nope"},
		{"bad seed", []string{"chaos", "-seed", "x"}, "-seed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(t.Context(), tt.args, &stdout, &stderr); code != 2 {
				t.Fatalf("exit %d, want 2: %s", code, stderr.String())
			}
			if !strings.Contains(stderr.String(), tt.want) || strings.Count(stderr.String(), "\n") != 1 {
				t.Fatalf("stderr %q is not one line naming %q", stderr.String(), tt.want)
			}
		})
	}
}

// TestChaosFailedInvariantExits1NamingIt runs a 1s scenario whose every
// reply is dropped, so that its success threshold must fail.
func TestChaosFailedInvariantExits1NamingIt(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "drops.json")
	scenario := `{"name":"drops","instances":[{"name":"a"},{"name":"b"}],"modes":["round-robin"],
		"registry":{"ttl":"1s","heartbeat":"200ms","refresh":"100ms"},
		"load":{"rate":40,"duration":"1s","timeout":"100ms"},
		"faults":[{"type":"drop_reply","instances":["a"],"start":"200ms","end":"800ms","fraction":1}],
		"thresholds":{"min_success":[{"fail_mode":"failfast","min":1}],"timeout_at_deadline":true,"deadline_slack":"500ms"}}`
	if err := os.WriteFile(path, []byte(scenario), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	var stdout, stderr bytes.Buffer
	if code := run(t.Context(), []string{"chaos", "-q", "-scenario", path, "-out", out}, &stdout, &stderr); code != 1 {
		t.Fatalf("exit %d, want 1: %s", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), "drops: success ratio [round-robin/failfast]") {
		t.Fatalf("stderr does not name the failed invariant:\n%s", stderr.String())
	}
	// On a loaded machine a timing verdict may be inconclusive, never failed.
	if !regexp.MustCompile(`(?m)^(PASS|INCONCLUSIVE) +dropped calls time out at deadline`).MatchString(stdout.String()) {
		t.Fatalf("stdout lacks the verdict table:\n%s", stdout.String())
	}
	for _, f := range []string{"drops.txt", "drops.json", "drops-timeline.png", "drops-timeline.svg", "drops-shares.png", "drops-shares.svg", "summary.txt"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
}

// TestChaosRunsABuiltinByNameFromAnyFolder: -scenario NAME finds the
// built-in scenario outside the repository; an unknown name is refused.
func TestChaosRunsABuiltinByNameFromAnyFolder(t *testing.T) {
	t.Chdir(t.TempDir())
	got, err := loadScenarios("slow-instance")
	if err != nil || len(got) != 1 || got[0].Name != "slow-instance" {
		t.Fatalf("loadScenarios(slow-instance) = %v, %v", got, err)
	}
	if _, err := loadScenarios("slow"); err == nil || !strings.Contains(err.Error(), "names no built-in scenario") {
		t.Fatalf("loadScenarios(slow): %v, want a usage error", err)
	}
}

// TestChaosRefusesUnreachableTargets: a Toxiproxy server or a deployment's
// registry that does not answer, or a registry with no server, is refused
// before anything starts.
func TestChaosRefusesUnreachableTargets(t *testing.T) {
	toxi := fakeToxiproxy(t)
	checkBadLines(t, []badLine{
		{name: "unreachable toxiproxy", args: []string{"chaos", "-scenario", "slow-instance", "-cluster", "procs", "-toxiproxy", "http://127.0.0.1:1"}, want: "-toxiproxy http://127.0.0.1:1: unreachable"},
		{name: "unreachable registry", args: []string{"chaos", "-scenario", "slow-instance", "-registry", "127.0.0.1:1", "-toxiproxy", toxi}, want: "-registry http://127.0.0.1:1/_geerpc_/registry"},
		{name: "empty registry", args: []string{"chaos", "-scenario", "slow-instance", "-registry", startRegistry(t), "-toxiproxy", toxi}, want: "lists no servers"},
	})
}
