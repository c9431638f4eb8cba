package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/geerpclab/geerpc/loadgen"
)

// progress keeps one live status line of a load run on a terminal,
// rewritten at each timeline interval: elapsed time, calls so far, the
// interval's rate, errors so far and the interval's p99.
type progress struct {
	w io.Writer

	mu     sync.Mutex // protects following
	calls  int64
	errors int64
	shown  bool
}

// interval adds iv to the totals and rewrites the line. It is
// loadgen.Options.OnInterval.
func (p *progress) interval(iv loadgen.Interval) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls += iv.Calls
	p.errors += iv.Errors
	rate := 0.0
	if span := iv.End - iv.Start; span > 0 {
		rate = float64(iv.Calls) / span.Seconds()
	}
	fmt.Fprintf(p.w, "\r\x1b[Kload: elapsed %s  calls %d  rate %.0f/s  errors %d  p99 %s",
		iv.End.Round(100*time.Millisecond), p.calls, rate, p.errors, round3(iv.P99))
	p.shown = true
}

// finish clears the line, so that the summary starts on a clean one. A nil
// progress does nothing.
func (p *progress) finish() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.shown = false
	}
}

// round3 rounds d to three significant digits.
func round3(d time.Duration) time.Duration {
	unit := time.Duration(1)
	for x := d; x >= 1000; x /= 10 {
		unit *= 10
	}
	return d.Round(unit)
}

// isTerminal reports whether w is a terminal (a character device), where a
// live progress line belongs.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
