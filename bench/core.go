package bench

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/geerpclab/geerpc/geerpc/codec"
)

// CoreOptions size the core comparison. The zero value works.
type CoreOptions struct {
	Rounds  int   // interleaved rounds per cell; zero means 5
	Calls   int   // calls per run, at least 30 per caller; zero means 50,000
	Callers []int // concurrent callers per cell; nil means 1, 100 and 10,000
	// Progress, when set, receives one line per finished run.
	Progress io.Writer
}

func (o CoreOptions) withDefaults() CoreOptions {
	if o.Rounds == 0 {
		o.Rounds = 5
	}
	if o.Calls == 0 {
		o.Calls = 50_000
	}
	if o.Callers == nil {
		o.Callers = []int{1, 100, 10_000}
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	return o
}

// CoreCell is the median of the rounds of one peer at one concurrency.
type CoreCell struct {
	Peer          string  `json:"peer"`
	Callers       int     `json:"callers"`
	CallsPerSec   float64 `json:"calls_per_sec"`   // median over rounds
	MinCallsPerS  float64 `json:"min_calls_per_s"` // spread: slowest round
	MaxCallsPerS  float64 `json:"max_calls_per_s"` // spread: fastest round
	P99Micros     float64 `json:"p99_us"`          // median over rounds
	AllocsPerCall float64 `json:"allocs_per_call"` // client and server, same process
}

// Core runs the 581-byte Echo for geerpc (gob) and net/rpc at each
// concurrency, alternating the two in every round, and returns the medians.
func Core(ctx context.Context, o CoreOptions) ([]CoreCell, error) {
	o = o.withDefaults()
	peers := []Peer{GeeRPC(codec.GobType), NetRPC}
	var cells []CoreCell
	for _, callers := range o.Callers {
		runs := make([][]coreRun, len(peers))
		for round := range o.Rounds {
			for i, p := range peers {
				r, err := coreOnce(ctx, p, callers, max(o.Calls, 30*callers))
				if err != nil {
					return cells, fmt.Errorf("bench: %s with %d callers: %w", p.Name, callers, err)
				}
				runs[i] = append(runs[i], r)
				fmt.Fprintf(o.Progress, "round %d/%d %-12s callers=%-6d %9.0f calls/s p99 %v\n",
					round+1, o.Rounds, p.Name, callers, r.Throughput(), r.P99)
			}
		}
		for i, p := range peers {
			cells = append(cells, medianCell(p.Name, callers, runs[i]))
		}
	}
	return cells, nil
}

type coreRun struct {
	EchoResult
	allocs float64
}

func coreOnce(ctx context.Context, p Peer, callers, calls int) (coreRun, error) {
	c, stop, err := p.Start(ctx)
	if err != nil {
		return coreRun{}, err
	}
	defer stop()
	if _, err := Echo(ctx, c, min(callers, 100), 1000, PayloadSize); err != nil {
		return coreRun{}, err
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	r, err := Echo(ctx, c, callers, calls, PayloadSize)
	runtime.ReadMemStats(&after)
	return coreRun{EchoResult: r, allocs: float64(after.Mallocs-before.Mallocs) / float64(calls)}, err
}

func medianCell(peer string, callers int, runs []coreRun) CoreCell {
	tp := make([]float64, len(runs))
	p99 := make([]float64, len(runs))
	al := make([]float64, len(runs))
	for i, r := range runs {
		tp[i], p99[i], al[i] = r.Throughput(), float64(r.P99)/float64(time.Microsecond), r.allocs
	}
	return CoreCell{
		Peer: peer, Callers: callers, CallsPerSec: median(tp), MinCallsPerS: slices.Min(tp),
		MaxCallsPerS: slices.Max(tp), P99Micros: median(p99), AllocsPerCall: median(al),
	}
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// WriteCoreTable prints the cells with geerpc's ratio to net/rpc per
// concurrency and the targets the core issue set.
func WriteCoreTable(w io.Writer, cells []CoreCell) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "callers\tpeer\tcalls/s (min..max)\tp99 us\tallocs/call\tthroughput vs net/rpc\tp99 vs net/rpc\t")
	for _, c := range cells {
		ratio, p99r := "", ""
		if ref, ok := find(cells, "net/rpc", c.Callers); ok && c.Peer != "net/rpc" {
			ratio = fmt.Sprintf("%.2fx", c.CallsPerSec/ref.CallsPerSec)
			p99r = fmt.Sprintf("%.2fx", c.P99Micros/ref.P99Micros)
		}
		fmt.Fprintf(tw, "%d\t%s\t%.0f (%.0f..%.0f)\t%.0f\t%.1f\t%s\t%s\t\n", c.Callers, c.Peer,
			c.CallsPerSec, c.MinCallsPerS, c.MaxCallsPerS, c.P99Micros, c.AllocsPerCall, ratio, p99r)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return writeTargets(w, cells)
}

func find(cells []CoreCell, peer string, callers int) (CoreCell, bool) {
	for _, c := range cells {
		if c.Peer == peer && c.Callers == callers {
			return c, true
		}
	}
	return CoreCell{}, false
}

// writeTargets checks the core issue's speed targets against the cells.
func writeTargets(w io.Writer, cells []CoreCell) error {
	g := func(n int) (CoreCell, CoreCell, bool) {
		a, ok1 := find(cells, "geerpc-gob", n)
		b, ok2 := find(cells, "net/rpc", n)
		return a, b, ok1 && ok2
	}
	fmt.Fprintln(w, "\ntargets:")
	if a, b, ok := g(100); ok {
		verdict(w, "100 callers: throughput >= 2x net/rpc", a.CallsPerSec/b.CallsPerSec >= 2, "%.2fx", a.CallsPerSec/b.CallsPerSec)
		verdict(w, "100 callers: p99 <= net/rpc's", a.P99Micros <= b.P99Micros, "%.0fus vs %.0fus", a.P99Micros, b.P99Micros)
		verdict(w, "allocations per call <= half of net/rpc's", a.AllocsPerCall <= b.AllocsPerCall/2, "%.1f vs %.1f", a.AllocsPerCall, b.AllocsPerCall)
	}
	if a, b, ok := g(1); ok {
		r := b.CallsPerSec / a.CallsPerSec // latency ratio = inverse throughput ratio at one caller
		verdict(w, "1 caller: latency <= 0.7x net/rpc's", r <= 0.7, "%.2fx (%.1fus vs %.1fus)", r, 1e6/a.CallsPerSec, 1e6/b.CallsPerSec)
	}
	a100, ok1 := find(cells, "geerpc-gob", 100)
	a10k, ok2 := find(cells, "geerpc-gob", 10_000)
	if ok1 && ok2 {
		r := a10k.CallsPerSec / a100.CallsPerSec
		verdict(w, "10,000 in flight: >= 80% of 100 callers", r >= 0.8, "%.0f%%", 100*r)
	}
	return nil
}

func verdict(w io.Writer, what string, ok bool, format string, args ...any) {
	mark := "MISSED"
	if ok {
		mark = "met"
	}
	fmt.Fprintf(w, "  %-6s %-45s %s\n", mark, what, fmt.Sprintf(format, args...))
}
