package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// badLine is a command line that must exit 2 with one line naming want.
type badLine struct {
	name string
	args []string
	want string
}

// checkBadLines runs each line and checks its exit status 2 and its one-line
// message naming the problem. Unreachable endpoints are probed for 300ms.
func checkBadLines(t *testing.T, tests []badLine) {
	t.Helper()
	defer func(d time.Duration) { probeTimeout = d }(probeTimeout)
	probeTimeout = 300 * time.Millisecond
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(t.Context(), tt.args, &stdout, &stderr); code != 2 {
				t.Fatalf("exit %d, want 2; stderr %q", code, stderr.String())
			}
			msg := stderr.String()
			if !strings.Contains(msg, tt.want) || strings.Count(msg, "\n") != 1 || !strings.HasSuffix(msg, "\n") {
				t.Fatalf("stderr %q is not one line naming %q", msg, tt.want)
			}
		})
	}
}

func TestRegistryBadCommandLines(t *testing.T) {
	checkBadLines(t, []badLine{
		{name: "unknown flag", args: []string{"registry", "-nope"}, want: "-nope"},
		{name: "bad ttl", args: []string{"registry", "-ttl", "soon"}, want: "-ttl"},
		{name: "negative max-instances", args: []string{"registry", "-max-instances", "-1"}, want: "-max-instances"},
		{name: "malformed addr", args: []string{"registry", "-addr", "nowhere"}, want: "-addr"},
		{name: "addr not local", args: []string{"registry", "-addr", "192.0.2.1:9999"}, want: "-addr"},
		{name: "extra argument", args: []string{"registry", "now"}, want: `"now"`},
	})
}

// TestHelpOfEachCommand checks that -h lists each command's flags and
// exits 0.
func TestHelpOfEachCommand(t *testing.T) {
	for cmd, flags := range map[string][]string{
		"registry": {"-addr", "-ttl", "-max-instances", "-token"},
		"serve":    {"-addr", "-registry", "-etcd", "-heartbeat", "-latency", "-name", "-weight", "-debug"},
		"load":     {"-registry", "-etcd", "-servers", "-mode", "-c", "-inflight", "-rate", "-ramp-to", "-d", "-warmup", "-method", "-size", "-timeout", "-failmode", "-interval", "-o", "-csv"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(t.Context(), []string{cmd, "-h"}, &stdout, &stderr); code != 0 {
			t.Errorf("%s -h: exit %d", cmd, code)
		}
		for _, f := range append(flags, "usage: geerpc "+cmd) {
			if !strings.Contains(stderr.String(), f+" ") && !strings.Contains(stderr.String(), f+"\n") {
				t.Errorf("%s -h does not show %s:\n%s", cmd, f, stderr.String())
			}
		}
	}
}

// TestRegistryToken runs a registry that requires a token: serve without it
// exits 2 naming -token, serve with it is listed.
func TestRegistryToken(t *testing.T) {
	reg := startCmd(t, "registry", "-addr", "127.0.0.1:0", "-token", "s3cret", "-max-instances", "4")
	url := reg.waitLine(t, "registry ")
	checkBadLines(t, []badLine{
		{name: "no token", args: []string{"serve", "-registry", url, "-debug", ""}, want: "-token"},
		{name: "wrong token", args: []string{"serve", "-registry", url, "-debug", "", "-token", "guess"}, want: "-token"},
	})
	_, addr := startServe(t, "-registry", url, "-debug", "", "-token", "s3cret")
	waitListed(t, url, []string{addr})
}
