package soak

import (
	"fmt"
	"html/template"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/geerpclab/geerpc/chaos"
	"github.com/geerpclab/geerpc/internal/site"
)

// The files of the soak's report folder that its page links.
const (
	FileIndex    = "index.html"
	FileJSON     = "soak.json"
	FileText     = "soak.txt"
	FileCSV      = "soak-timeline.csv"
	FilePlot     = "soak-timeline"
	FileBaseline = "soak-heap-baseline.pprof"
	FileAfter    = "soak-heap-after.pprof"
)

// page is what index.html is rendered from.
type page struct {
	R        *Result
	Nav      []site.Link
	Prov     [][2]string
	Verdict  string
	Checks   []checkRow
	Load     [][2]string
	Samples  [][3]string
	Accounts []accountRow
	Faults   []faultRow
	Profiles bool
}

type checkRow struct {
	Name, Status, Measured, Want string
}

type accountRow struct {
	Phase                                        string
	Sent, Ended, InFlight, Unmatched, Duplicates int64
	Classes                                      string
}

type faultRow struct {
	Index                                        int
	Kind, Targets, Planned, Applied, Undone, Err string
}

// WriteHTML writes the soak's page: the verdict and its checks beside
// what they want, the load, the two samples side by side, the accounts of
// every phase, the faults as they happened, the captioned timeline and
// links to the data. nav links the other pages of the site.
func WriteHTML(w io.Writer, r *Result, nav []site.Link, profiles bool) error {
	pg := page{R: r, Nav: nav, Prov: site.Prov(r.Provenance), Verdict: "PASS", Profiles: profiles}
	if !r.Pass {
		pg.Verdict = "FAIL"
	}
	for _, c := range r.Checks {
		st := "PASS"
		if !c.Pass {
			st = "FAIL"
		}
		pg.Checks = append(pg.Checks, checkRow{c.Name, st, c.Measured, r.want(c.Name)})
	}
	pg.Load = r.loadRows()
	pg.Samples = sampleRows(r.Baseline, r.After)
	for _, phase := range phaseNames {
		if a, ok := r.Phases[phase]; ok {
			pg.Accounts = append(pg.Accounts, accountRow{phase, a.Sent, a.Ended, a.InFlight, a.Unmatched, a.Duplicates, classList(a.Classes)})
		}
	}
	for _, f := range r.Faults {
		pg.Faults = append(pg.Faults, faultRow{f.Index, string(f.Type), targets(f), fmt.Sprintf("%v–%v", f.Start, f.End),
			offset(f.AppliedAt), offset(f.ClearedAt), f.Err})
	}
	return pageTemplate.Execute(w, pg)
}

// want says what a check asks for.
func (r *Result) want(check string) string {
	switch check {
	case "goroutines", "fds", "heap":
		return fmt.Sprintf("after within ±%.0f%% of the baseline", r.Tolerance*100)
	case "accounting":
		return "every call of every phase ended exactly once, with its own reply or a classified error"
	case "faults":
		return "every fault applied and undone without an error"
	case "completed":
		return "the whole duration, not interrupted"
	}
	return ""
}

func (r *Result) loadRows() [][2]string {
	return [][2]string{
		{"client", r.Client},
		{"ran", fmt.Sprintf("%s of %s planned, after a warm-up of %s", r.Elapsed.Round(time.Second), r.Duration, r.Warmup)},
		{"saturation (closed loop)", fmt.Sprintf("%.0f ok calls/s with %d workers over %s, p99 %s", r.Saturation.Rate, r.Saturation.Workers, r.Saturation.Duration, r.Saturation.P99.Round(10*time.Microsecond))},
		{"offered (open loop)", fmt.Sprintf("%.0f calls/s, %.0f%% of saturation", r.Rate, r.Fraction*100)},
		{"sent", fmt.Sprintf("%.0f calls/s; %d late (all %d workers busy), %d due but never sent", r.SentRate, r.Late, r.MaxWorkers, r.Unsent)},
	}
}

// sampleRows sets the two samples side by side.
func sampleRows(b, a Sample) [][3]string {
	mib := func(v uint64) string { return fmt.Sprintf("%.2f MiB", float64(v)/(1<<20)) }
	itoa := strconv.Itoa
	u := func(v uint64) string { return strconv.FormatUint(v, 10) }
	return [][3]string{
		{"goroutines", itoa(b.Goroutines), itoa(a.Goroutines)},
		{"goroutines before the nudge", itoa(b.Untrimmed), itoa(a.Untrimmed)},
		{"file descriptors", itoa(b.FDs), itoa(a.FDs)},
		{"heap in use (after GC)", mib(b.HeapInuse), mib(a.HeapInuse)},
		{"live heap", mib(b.HeapAlloc), mib(a.HeapAlloc)},
		{"heap objects", u(b.HeapObjects), u(a.HeapObjects)},
		{"stacks", mib(b.StackInuse), mib(a.StackInuse)},
		{"span descriptors", mib(b.MSpanInuse), mib(a.MSpanInuse)},
	}
}

func targets(f chaos.FaultRecord) string {
	if len(f.Instances) == 0 {
		return "registry"
	}
	return strings.Join(f.Instances, ",")
}

func offset(d time.Duration) string {
	if d < 0 {
		return "never"
	}
	return d.Round(time.Millisecond).String()
}

var pageTemplate = template.Must(site.Template("soak", nil).Parse(pageHTML))
