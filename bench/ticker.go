package bench

import (
	"fmt"
	"io"
	"time"
)

// ticker writes one progress line per finished run, with the count of runs
// and an estimate of the time left.
type ticker struct {
	w           io.Writer
	start       time.Time
	total, runs int
}

// newTicker counts the runs the plan will make.
func newTicker(o Options, p Plan) *ticker {
	w := o.Progress
	if w == nil {
		w = io.Discard
	}
	modes := len(p.Modes)
	total := p.Rounds * modes * (len(p.InFlight) + len(p.OpenLoad))
	if o.Registry == "" && len(o.Instances) == 0 {
		total += p.Rounds * modes * (len(p.SlowBy) + 1)
	}
	if !o.SkipPeers {
		total += p.PeerRounds * peerCells(p.PeerCallers)
	}
	return &ticker{w: w, start: time.Now(), total: total}
}

// done reports one finished run.
func (t *ticker) done(what string, throughput, p99 float64) {
	t.runs++
	el := time.Since(t.start)
	left := time.Duration(float64(el) / float64(t.runs) * float64(max(t.total-t.runs, 0)))
	fmt.Fprintf(t.w, "[%3d/%d %s, ~%s left] %s: %.0f calls/s, p99 %s\n", t.runs, t.total,
		el.Round(time.Second), left.Round(time.Second), what, throughput, fmtMillis(p99))
}

// fmtMillis formats a latency in milliseconds with a unit that suits it.
func fmtMillis(v float64) string {
	switch {
	case v < 1:
		return fmt.Sprintf("%.0fµs", v*1000)
	case v < 10:
		return fmt.Sprintf("%.2fms", v)
	case v < 1000:
		return fmt.Sprintf("%.1fms", v)
	}
	return fmt.Sprintf("%.2fs", v/1000)
}
