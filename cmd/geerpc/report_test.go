package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/geerpclab/geerpc/bench"
)

func TestReportBadFlagsExit2NamingTheFlag(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{name: "unknown flag", args: []string{"-nope"}, want: "-nope"},
		{name: "remote serve", args: []string{"-serve", "0.0.0.0:8080"}, want: "-serve"},
		{name: "no port", args: []string{"-serve", "127.0.0.1"}, want: "-serve"},
		{name: "bad render", args: []string{"-render=maybe"}, want: "-render"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(t.Context(), append([]string{"report"}, tt.args...), &stdout, &stderr); code != 2 {
				t.Fatalf("exit %d, want 2; stderr %q", code, stderr.String())
			}
			if !strings.Contains(stderr.String(), tt.want) {
				t.Fatalf("stderr %q does not name %q", stderr.String(), tt.want)
			}
		})
	}
}

func TestReportWithoutAReportFails(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(t.Context(), []string{"report", "-dir", t.TempDir()}, &stdout, &stderr); code != 1 {
		t.Fatalf("exit %d, want 1: %s", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), "make bench") {
		t.Errorf("stderr %q does not say how to make a report", stderr.String())
	}
}

// reportBuffer is a bytes.Buffer safe for one writer and one reader.
type reportBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *reportBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *reportBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestReportServesTheDirectoryUntilInterrupted(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "index.html"), []byte("<p>hello</p>"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	var stdout reportBuffer
	var stderr bytes.Buffer
	done := make(chan int)
	go func() { done <- run(ctx, []string{"report", "-dir", dir, "-serve", "127.0.0.1:0"}, &stdout, &stderr) }()
	url := waitForMatch(t, &stdout, regexp.MustCompile(`http://127\.0\.0\.1:\d+/`))
	resp, err := http.Get(url + "index.html")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(body) != "<p>hello</p>" {
		t.Errorf("GET index.html: %s %q", resp.Status, body)
	}
	http.DefaultClient.CloseIdleConnections()
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit %d: %s", code, stderr.String())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("report -serve did not stop when interrupted")
	}
}

// waitForMatch polls out until re matches it, for at most five seconds.
func waitForMatch(t *testing.T, out *reportBuffer, re *regexp.Regexp) string {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if m := re.FindString(out.String()); m != "" {
			return m
		}
	}
	t.Fatalf("no %v in %q", re, out.String())
	return ""
}

func TestReportRendersFromBenchJSON(t *testing.T) {
	dir := t.TempDir()
	plan, _ := bench.PlanFor(bench.SizeQuick)
	r := &bench.Report{Schema: bench.SchemaVersion, Plan: plan, Cells: []bench.Cell{
		{Experiment: bench.ExpConcurrency, Workload: "healthy", Mode: "p2c", InFlight: 1, Rounds: 1, Calls: 10,
			Throughput: bench.Stat{Median: 900, Min: 850, Max: 950}, P99: bench.Stat{Median: 1.2, Min: 1.1, Max: 1.3}},
		{Experiment: bench.ExpConcurrency, Workload: "healthy", Mode: "p2c", InFlight: 100, Rounds: 1, Calls: 10,
			Throughput: bench.Stat{Median: 40000, Min: 38000, Max: 41000}, P99: bench.Stat{Median: 5, Min: 4, Max: 6}},
	}}
	var js bytes.Buffer
	if err := bench.WriteJSON(&js, r); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, bench.FileJSON), js.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := run(t.Context(), []string{"report", "-render", "-dir", dir}, &stdout, &stderr); code != 0 {
		t.Fatalf("report -render: exit %d: %s", code, stderr.String())
	}
	for _, f := range []string{"plots/throughput-concurrency.png", "plots/p99-concurrency.svg", bench.FileIndex, bench.FileCells} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("not rendered: %v", err)
		}
	}
	if !strings.Contains(stdout.String(), filepath.Join(dir, bench.FileIndex)) {
		t.Errorf("stdout %q does not name index.html", stdout.String())
	}
}
