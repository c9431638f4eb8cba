package loadgen

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// SchemaVersion names the JSON report's schema (see SCHEMA.md). Fields may be
// added within a version; none is renamed or removed.
const SchemaVersion = "geerpc.loadgen/v1"

// WriteJSON writes m, closed, as one indented JSON object of the schema
// SchemaVersion. Provenance is its first field after "schema".
func WriteJSON(w io.Writer, m *Metrics) error {
	MarkPartial(m.Timeline)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(m)
}

// CSVHeader is the header row of WriteCSV.
var CSVHeader = []string{
	"start_s", "end_s", "calls", "ok", "errors", "timeouts", "throughput", "p50_ms", "p99_ms", "max_ms", "partial",
}

// WriteCSV writes m's timeline as CSV: provenance as "# " comment lines,
// then CSVHeader, then one row per interval. Times are seconds from the start
// of the run; latencies are milliseconds; throughput is ok calls over the
// interval's real length, and an interval shorter than half the others is
// marked partial (MarkPartial).
func WriteCSV(w io.Writer, m *Metrics) error {
	MarkPartial(m.Timeline)
	if err := m.Provenance.WriteHeader(w, "# "); err != nil {
		return err
	}
	if _, err := fmt.Fprintf(w, "# run: %s\n", m.RunID); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	for _, iv := range m.Timeline {
		if err := cw.Write(csvRow(iv)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func csvRow(iv Interval) []string {
	i := func(n int64) string { return strconv.FormatInt(n, 10) }
	f := func(v float64, prec int) string { return strconv.FormatFloat(v, 'f', prec, 64) }
	ms := func(d time.Duration) string { return f(float64(d)/float64(time.Millisecond), 3) }
	return []string{
		f(iv.Start.Seconds(), 3), f(iv.End.Seconds(), 3), i(iv.Calls), i(iv.OK), i(iv.Errors), i(iv.Timeouts),
		f(iv.Throughput, 1), ms(iv.P50), ms(iv.P99), ms(iv.Max), strconv.FormatBool(iv.Partial),
	}
}

// WriteText writes a human summary of m: provenance, then rate, throughput,
// success ratio, latency percentiles, outcomes, and per-method and
// per-instance shares.
func WriteText(w io.Writer, m *Metrics) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	p := &printer{w: tw}
	p.provenance(m)
	p.overview(m)
	p.groups("method", m.Methods)
	p.groups("instance", m.Instances)
	if p.err != nil {
		return p.err
	}
	return tw.Flush()
}

// printer writes lines, keeping the first error.
type printer struct {
	w   io.Writer
	err error
}

func (p *printer) line(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format+"\n", args...)
	}
}

func (p *printer) provenance(m *Metrics) {
	for _, l := range m.Provenance.Lines() {
		p.line("# %s", l)
	}
	p.line("")
}

func (p *printer) overview(m *Metrics) {
	s := m.Setup
	mode := fmt.Sprintf("closed loop, %d workers x %d in flight", s.Concurrency, s.InFlight)
	if s.Mode == "open" {
		mode = fmt.Sprintf("open loop, %s, up to %d workers", s.Pacer, s.MaxWorkers)
	}
	p.line("run\t%s (%s; %s)", m.RunID, mode, strings.Join(s.Targets, ", "))
	p.line("stop\t%s after %s (warm-up %s)", m.Stop, fmtDur(m.Elapsed), fmtDur(s.Warmup))
	p.line("calls\t%d measured, %d warm-up, %d abandoned, %d late, %d unsent, %d workers",
		m.Calls, m.WarmupCalls, m.Abandoned, m.Late, m.Unsent, m.PeakWorkers)
	p.line("rate\t%.2f/s sent, %.2f/s ok, success %.2f%%", m.Rate, m.Throughput, 100*m.Success)
	l := m.Latency
	p.line("latency\tmean %s, p50 %s, p90 %s, p99 %s, p99.9 %s, max %s",
		fmtDur(l.Mean), fmtDur(l.P50), fmtDur(l.P90), fmtDur(l.P99), fmtDur(l.P999), fmtDur(l.Max))
	p.line("lag\tp50 %s, p99 %s, max %s", fmtDur(m.Lag.P50), fmtDur(m.Lag.P99), fmtDur(m.Lag.Max))
	var parts []string
	for _, o := range m.Outcomes {
		parts = append(parts, fmt.Sprintf("%s %d", o.Outcome, o.Calls))
	}
	p.line("outcomes\t%s", strings.Join(parts, ", "))
}

func (p *printer) groups(kind string, gs []GroupStats) {
	p.line("")
	p.line("%s\tcalls\tshare\tok\terrors\tp50\tp99\tmax", kind)
	for _, g := range gs {
		name := g.Name
		if name == "" {
			name = "(unknown)"
		}
		ok := g.Outcomes[OutcomeOK]
		p.line("%s\t%d\t%.2f%%\t%d\t%d\t%s\t%s\t%s", name, g.Calls, 100*g.Share, ok, g.Calls-ok,
			fmtDur(g.Latency.P50), fmtDur(g.Latency.P99), fmtDur(g.Latency.Max))
	}
}

// fmtDur rounds d to about four significant digits.
func fmtDur(d time.Duration) string {
	unit := time.Duration(1)
	for x := d; x >= 10000; x /= 10 {
		unit *= 10
	}
	return d.Round(unit).String()
}
