package main

import (
	"bytes"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/geerpclab/geerpc/geerpc"
)

// FuzzLoadServers feeds parseServers, the reader of load's -servers list:
// it must not panic, every address it accepts must parse with
// geerpc.ParseAddr, and the accepted list joined with commas again must
// parse to the same list.
func FuzzLoadServers(f *testing.F) {
	for _, seed := range []string{
		"tcp@127.0.0.1:7001,tcp@127.0.0.1:7002",
		"tcp@127.0.0.1:7001, tcp@127.0.0.1:7002 ,http@localhost:80",
		"unix@/tmp/geerpc.sock",
		"tcp6@[::1]:7001",
		"tcp@127.0.0.1:0",
		"tls@127.0.0.1:7001",
		",",
		"tcp@127.0.0.1",
		"tcp@:7001",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		addrs, err := parseServers("-servers", string(data))
		if err != nil {
			return
		}
		for _, a := range addrs {
			if _, _, err := geerpc.ParseAddr(a); err != nil {
				t.Fatalf("parseServers(%q) accepted %q, which ParseAddr refuses: %v", data, a, err)
			}
		}
		again, err := parseServers("-servers", strings.Join(addrs, ","))
		if err != nil {
			t.Fatalf("parseServers(%q) = %q, whose join is refused: %v", data, addrs, err)
		}
		if !slices.Equal(addrs, again) {
			t.Fatalf("parseServers(%q) = %q, its join parses to %q", data, addrs, again)
		}
	})
}

// loadFlagFields are the flags FuzzLoadFlags fills, one line of its input
// each: the method list and every duration flag of geerpc load.
var loadFlagFields = []string{"-method", "-d", "-warmup", "-timeout", "-interval", "-sleep", "-refresh"}

// FuzzLoadFlags feeds parseLoadFlags with fuzzed -method lists and duration
// flags (one per input line, in loadFlagFields' order). It must not panic;
// a command line it accepts must hold no negative duration and no unknown
// method, and the same flags written back (the method names joined with
// commas, every duration as time.Duration prints it) must parse to the same
// configuration.
func FuzzLoadFlags(f *testing.F) {
	for _, seed := range []string{
		"Echo.Echo\n30s\n0\n1s\n1s\n10ms\n2s",
		"Echo.Echo,Arith.Add, Work.Sleep\n5s\n1s\n250ms\n100ms\n1ms\n250ms",
		"Work.Sleep\n1m30s\n500ms\n0\n2s\n0s\n1h",
		"Arith.Add\n0\n0\n0\n1s\n0\n1ns",
		"Echo.Echo\n-1s\n0\n1s\n1s\n10ms\n2s",
		"Echo.Echo,\n1.5s\n0\n1s\n99ms\n10ms\n2s",
		"Echo.Echo\n1e3s\n0\n1s\n1s\n10ms\n2s",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		args := loadFlagArgs(string(data))
		c, err := parseLoadFlags(args, io.Discard)
		if err != nil {
			return
		}
		checkAcceptedLoad(t, args, c)
		again, err := parseLoadFlags(rejoinLoadFlags(c), io.Discard)
		if err != nil {
			t.Fatalf("%q accepted, its rewrite %q refused: %v", args, rejoinLoadFlags(c), err)
		}
		if got, want := loadFlagSummary(again), loadFlagSummary(c); got != want {
			t.Fatalf("%q parses to %s, its rewrite to %s", args, want, got)
		}
	})
}

// loadFlagArgs builds a load command line from the lines of data, one flag
// of loadFlagFields each; -servers is fixed so that the source check passes.
func loadFlagArgs(data string) []string {
	args := []string{"-servers", "tcp@127.0.0.1:7001"}
	for i, v := range strings.SplitN(data, "\n", len(loadFlagFields)) {
		args = append(args, loadFlagFields[i]+"="+v)
	}
	return args
}

// checkAcceptedLoad fails t if an accepted configuration breaks the flags'
// rules.
func checkAcceptedLoad(t *testing.T, args []string, c *loadConfig) {
	t.Helper()
	for _, d := range []time.Duration{c.d, c.warmup, c.timeout, c.sleep} {
		if d < 0 {
			t.Fatalf("%q accepted with a negative duration %s", args, d)
		}
	}
	if c.refresh <= 0 || c.interval < 100*time.Millisecond {
		t.Fatalf("%q accepted with -refresh %s, -interval %s", args, c.refresh, c.interval)
	}
	names := methodNames(c.method)
	if len(c.targets) != len(names) {
		t.Fatalf("%q: %d methods named, %d targets", args, len(names), len(c.targets))
	}
	for _, n := range names {
		if n != "Echo.Echo" && n != "Arith.Add" && n != "Work.Sleep" {
			t.Fatalf("%q accepted an unknown method %q", args, n)
		}
	}
}

// rejoinLoadFlags writes c's fuzzed flags back as a command line.
func rejoinLoadFlags(c *loadConfig) []string {
	vals := []string{strings.Join(methodNames(c.method), ",")}
	for _, d := range []time.Duration{c.d, c.warmup, c.timeout, c.interval, c.sleep, c.refresh} {
		vals = append(vals, d.String())
	}
	return loadFlagArgs(strings.Join(vals, "\n"))
}

// loadFlagSummary prints what FuzzLoadFlags compares of two configurations.
func loadFlagSummary(c *loadConfig) string {
	var b bytes.Buffer
	b.WriteString(strings.Join(methodNames(c.method), ","))
	for _, tg := range c.targets {
		b.WriteString(" " + tg.Method)
	}
	for _, d := range []time.Duration{c.d, c.warmup, c.timeout, c.interval, c.sleep, c.refresh} {
		b.WriteString(" " + d.String())
	}
	return b.String()
}
