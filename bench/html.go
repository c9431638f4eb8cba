package bench

import (
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"

	"github.com/geerpclab/geerpc/internal/site"
)

// page is what index.html is rendered from.
type page struct {
	R         *Report
	Prov      [][2]string
	Sections  []pageSection
	BestHead  []string
	BestRows  [][]bestCell
	Missed    []Verdict
	Workloads []string
	Method    []string
	Shared    string
	Files     []string
	Elapsed   string
	Nav       []site.Link
	Failed    []string // cells and peers with failed rounds
}

type pageSection struct {
	ID, Title, Intro string
	Figures          []Figure
	Peers            bool // show the peers table after the figures
}

type bestCell struct {
	Text         string
	Best, Failed bool
}

// sections are the report's sections that hold figures, in page order.
var sections = []pageSection{
	{ID: "peers", Title: "Peers side by side", Intro: "geerpc, plain and with a 10s deadline per call as users call it (net/rpc has no deadline, so its calls carry none), against stock net/rpc, grpc-go, a raw pipelined TCP echo (the ceiling) and a raw echo in which one caller writes and reads on its own goroutine (the floor of one caller's latency), the same 581-byte Echo with the same callers on one loopback connection each.", Peers: true},
	{ID: "modes", Title: "Balancing modes on healthy instances", Intro: "Three equal instances behind the registry; each call is a Work.Sleep of the base service time."},
	{ID: "slow", Title: "One slow instance", Intro: "One of three instances (i3) answers later by the injected latency; every call has the workload's fixed timeout."},
	{ID: "unequal", Title: "Unequal capacity", Intro: "Three instances registered with unequal weights whose service times match: the heavier, the faster."},
}

// WriteHTML writes index.html: every figure with its caption, the targets,
// the best mode per workload, the method, provenance and links to the
// data, with nav linking the other pages of the site. It needs no script
// and no network.
func WriteHTML(w io.Writer, r *Report, figs []Figure, nav []site.Link) error {
	pg := page{R: r, Shared: sharedCores, Elapsed: r.Elapsed.Round(time.Second).String(),
		Files: []string{FileJSON, FileCells, FilePeers, FileSummary}, Method: methodLines(r),
		Prov: site.Prov(r.Provenance), Nav: nav, Failed: failedRounds(r)}
	for _, s := range sections {
		for _, f := range figs {
			if f.Section == s.ID {
				s.Figures = append(s.Figures, f)
			}
		}
		if len(s.Figures) > 0 || s.Peers && len(r.Peers) > 0 {
			pg.Sections = append(pg.Sections, s)
		}
	}
	pg.BestHead, pg.BestRows = bestTable(r)
	for _, v := range r.Targets {
		if !v.Met {
			pg.Missed = append(pg.Missed, v)
		}
	}
	return pageTemplate.Execute(w, pg)
}

// bestTable lays out Report.Best with the best mode's cell marked.
func bestTable(r *Report) ([]string, [][]bestCell) {
	var rows [][]bestCell
	for _, b := range r.Best {
		best := b.Mode
		if len(b.Ties) > 0 {
			best += " (spread overlaps " + strings.Join(b.Ties, ", ") + ")"
		}
		row := []bestCell{{Text: b.Workload}, {Text: best, Best: true}}
		for i, c := range b.Cells {
			row = append(row, bestCell{Text: c, Best: i < len(r.Plan.Modes) && r.Plan.Modes[i] == b.Mode,
				Failed: strings.Contains(c, "FAILED")})
		}
		rows = append(rows, row)
	}
	return r.Plan.Modes, rows
}

// methodLines describe how the figures were made, from the plan.
func methodLines(r *Report) []string {
	p := r.Plan
	return []string{
		fmt.Sprintf("Every cell ran %d times (rounds), the cells of a round interleaved so that drift of the machine spreads over all modes; figures are medians over the rounds, bars and min..max columns their spread. Each run measured %v after a %v warm-up.", p.Rounds, p.Duration, p.Warmup),
		fmt.Sprintf("Balancing runs: a fresh XClient per run, fail fast, outlier ejection off (so the balancer alone is measured), discovery through an HTTP registry started for the run, weights announced by heartbeat. Each call is Work.Sleep of %v plus the serving instance's injected latency. Consistent hashing gets one of 1,024 keys per call in turn.", p.Service),
		fmt.Sprintf("Timeouts per workload: healthy %v, open loop %v, one slow instance %v, unequal capacity %v. Latency runs from the call's due time (open loop) or send (closed loop) to its end; a timed-out call counts at the time it ended, and its lateness is how long after the timeout that was.", p.Timeouts.Healthy, p.Timeouts.Open, p.Timeouts.Slow, p.Timeouts.Unequal),
		fmt.Sprintf("Peers: %d interleaved rounds of %v (after %v of warm-up) per peer and number of callers, each on a fresh server and connection. Allocations per call count client and server together (one process) with the load generator's own allocations, measured on a fake peer, subtracted. CPU per call is the process's user and system time over the run divided by its calls: client, server and load generator together, which is what the cores run out of when they saturate.", p.PeerRounds, p.PeerDuration, p.PeerWarmup),
		"Client, servers and load generator share the machine's cores: absolute figures are lower than on separate machines; compare ratios, and the distance to the raw TCP ceiling measured in the same run.",
	}
}

// fmtStat formats a latency Stat as "median (min..max)".
func fmtStat(s Stat) string {
	return fmt.Sprintf("%s (%s..%s)", fmtMillis(s.Median), fmtMillis(s.Min), fmtMillis(s.Max))
}

var pageTemplate = template.Must(site.Template("index", template.FuncMap{
	"ms": fmtMillis, "stat": fmtStat, "rate": fmtRate, "mark": mark,
	"f1": func(v float64) string { return fmt.Sprintf("%.1f", v) },
}).Parse(pageHTML))
