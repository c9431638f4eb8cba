package bench

import (
	"fmt"
	"math"
)

// settingKey groups the cells of the modes that ran in the same setting.
type settingKey struct {
	exp, workload string
	inFlight      int
	load          float64
}

// settingLabel describes a setting in the summary table.
func settingLabel(c Cell) string {
	switch c.Experiment {
	case ExpOpen:
		return fmt.Sprintf("%s, open loop at %s/s (%.0f%% of the best closed loop)", c.Workload, fmtRate(c.Rate), 100*c.Load)
	case ExpSlow:
		return fmt.Sprintf("one of three slowed by %dms, %d in flight", c.SlowBy.Milliseconds(), c.InFlight)
	case ExpUnequal:
		return fmt.Sprintf("unequal capacity %s, %d in flight", c.Workload[len("unequal-"):], c.InFlight)
	}
	return fmt.Sprintf("%s, %d in flight", c.Workload, c.InFlight)
}

// bestModes picks the best mode of every setting: the fewest failed calls
// (to a tenth of a percent), then the lowest p99.
func bestModes(r *Report) []Best {
	var order []settingKey
	groups := map[settingKey][]Cell{}
	for _, c := range r.Cells {
		k := settingKey{c.Experiment, c.Workload, c.InFlight, c.Load}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], c)
	}
	var out []Best
	for _, k := range order {
		out = append(out, bestOf(groups[k]))
	}
	return out
}

func bestOf(cells []Cell) Best {
	b := Best{Workload: settingLabel(cells[0]), Mode: "none (every round failed)"}
	best := -1
	for i, c := range cells {
		b.Cells = append(b.Cells, cellText(c))
		if c.Measured() && (best < 0 || better(c, cells[best])) {
			best = i
		}
	}
	if best < 0 {
		return b
	}
	b.Mode = cells[best].Mode
	for i, c := range cells {
		if i != best && c.Measured() && tied(c, cells[best]) {
			b.Ties = append(b.Ties, c.Mode)
		}
	}
	return b
}

// cellText is a cell of the best-mode table: "p99 · calls/s · failed",
// with the rounds that made no successful call named.
func cellText(c Cell) string {
	if !c.Measured() {
		return fmt.Sprintf("FAILED: no successful call in %d of %d rounds", c.FailedRounds, c.Rounds)
	}
	t := fmt.Sprintf("p99 %s · %s/s · %.1f%% failed", fmtMillis(c.P99.Median), fmtRate(c.Throughput.Median), 100*c.ErrorRate.Median)
	if c.FailedRounds > 0 {
		t += fmt.Sprintf(" · %d of %d rounds FAILED (left out)", c.FailedRounds, c.Rounds)
	}
	return t
}

// failedRounds describes every cell and peer with a failed round: a round
// that made no successful call, kept out of the medians.
func failedRounds(r *Report) []string {
	var out []string
	for _, c := range r.Peers {
		if c.FailedRounds > 0 {
			out = append(out, fmt.Sprintf("peers, %s with %d callers: %d of %d rounds made no successful call (%d errors)%s",
				c.Peer, c.Callers, c.FailedRounds, c.Rounds, c.Errors, leftOut(c.Measured())))
		}
	}
	for _, c := range r.Cells {
		if c.FailedRounds > 0 {
			out = append(out, fmt.Sprintf("%s, %s: %d of %d rounds made no successful call%s",
				settingLabel(c), c.Mode, c.FailedRounds, c.Rounds, leftOut(c.Measured())))
		}
	}
	return out
}

func leftOut(measured bool) string {
	if measured {
		return "; left out of the medians"
	}
	return "; no figure, the cell is not plotted"
}

// tied reports whether a and b fail as often and their p99 spreads
// overlap: the rounds cannot tell them apart.
func tied(a, b Cell) bool {
	return failLevel(a) == failLevel(b) && a.P99.Min <= b.P99.Max && b.P99.Min <= a.P99.Max
}

// failLevel is the share of failed calls in tenths of a percent.
func failLevel(c Cell) float64 { return math.Round(c.ErrorRate.Median * 1000) }

// better reports whether a beats b: fewer failures, then a lower p99.
func better(a, b Cell) bool {
	if fa, fb := failLevel(a), failLevel(b); fa != fb {
		return fa < fb
	}
	return a.P99.Median < b.P99.Median
}

// fmtRate formats calls per second compactly: 950, 12.3k, 1.20M.
func fmtRate(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.2fM", v/1e6)
	case v >= 1e4:
		return fmt.Sprintf("%.1fk", v/1e3)
	}
	return fmt.Sprintf("%.0f", v)
}
