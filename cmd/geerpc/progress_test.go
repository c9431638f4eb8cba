package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/geerpclab/geerpc/loadgen"
)

// TestProgressLine feeds two intervals: the line is rewritten in place with
// running totals and the interval's rate and p99, and finish clears it.
func TestProgressLine(t *testing.T) {
	var buf bytes.Buffer
	p := &progress{w: &buf}
	p.interval(loadgen.Interval{Start: 0, End: time.Second, Calls: 1000, Errors: 2, P99: 1200 * time.Microsecond})
	p.interval(loadgen.Interval{Start: time.Second, End: 1500 * time.Millisecond, Calls: 1500, Errors: 1, P99: 3141592 * time.Nanosecond})
	lines := strings.Split(buf.String(), "\r\x1b[K")
	if len(lines) != 3 || lines[0] != "" {
		t.Fatalf("want two rewritten lines, got %q", buf.String())
	}
	for i, want := range []string{
		"load: elapsed 1s  calls 1000  rate 1000/s  errors 2  p99 1.2ms",
		"load: elapsed 1.5s  calls 2500  rate 3000/s  errors 3  p99 3.14ms",
	} {
		if lines[i+1] != want {
			t.Errorf("line %d: %q, want %q", i+1, lines[i+1], want)
		}
	}
	buf.Reset()
	p.finish()
	p.finish()
	if buf.String() != "\r\x1b[K" {
		t.Errorf("finish wrote %q, want one clear", buf.String())
	}
	(*progress)(nil).finish()
}

// TestIsTerminal: buffers and regular files are not terminals.
func TestIsTerminal(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "f"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if isTerminal(&bytes.Buffer{}) || isTerminal(f) {
		t.Fatal("a buffer or a regular file counted as a terminal")
	}
}
