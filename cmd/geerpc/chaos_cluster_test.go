package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestChaosRefusesWhatTheClusterCannotDoBeforeStarting(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"bad cluster", []string{"chaos", "-scenario", "zombie", "-cluster", "docker"}, `-cluster "docker"`},
		{"toxiproxy in process", []string{"chaos", "-scenario", "zombie", "-toxiproxy", "http://127.0.0.1:8474"}, "-toxiproxy needs -cluster procs, -registry or -etcd"},
		{"deployment without toxiproxy", []string{"chaos", "-scenario", "slow-instance", "-registry", "127.0.0.1:9999"}, "-registry needs -toxiproxy"},
		{"process fault on a deployment", []string{"chaos", "-scenario", "zombie", "-registry", "127.0.0.1:9999", "-toxiproxy", "http://127.0.0.1:8474"}, `faults[0] zombie: the harness did not start`},
		{"toxiproxy off loopback", []string{"chaos", "-scenario", "zombie", "-cluster", "procs", "-toxiproxy", "http://10.1.2.3:8474"}, "want a loopback URL"},
		{"call fault on a deployment", []string{"chaos", "-scenario", "reply-drops", "-registry", "127.0.0.1:9999", "-toxiproxy", "http://127.0.0.1:8474"}, `scenario "reply-drops": faults[0] drop_reply: the harness did not start`},
		{"no such built-in", []string{"chaos", "-scenario", "slowish"}, "no built-in scenario"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(t.Context(), tt.args, &stdout, &stderr); code != 2 {
				t.Fatalf("exit %d, want 2: %s", code, stderr.String())
			}
			if !strings.Contains(stderr.String(), tt.want) {
				t.Fatalf("stderr %q does not name %q", stderr.String(), tt.want)
			}
		})
	}
}

func TestChaosHelpListsTheBuiltInScenarios(t *testing.T) {
	var stdout, stderr bytes.Buffer
	run(t.Context(), []string{"chaos", "-h"}, &stdout, &stderr)
	for _, name := range []string{"slow-instance", "zombie", "registry-down", "-cluster"} {
		if !strings.Contains(stderr.String()+stdout.String(), name) {
			t.Errorf("chaos -h does not mention %s", name)
		}
	}
}
