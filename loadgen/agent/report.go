package agent

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/geerpclab/geerpc/internal/provenance"
	"github.com/geerpclab/geerpc/loadgen"
)

// Report is a coordinated run: the merged Metrics, exactly what a
// single-process run of the same load would report, plus one row per agent.
// Its JSON is the loadgen report's (loadgen/SCHEMA.md) with two fields more.
type Report struct {
	*loadgen.Metrics
	Agents  []AgentStats `json:"agents"`
	Partial bool         `json:"partial"` // an agent failed or ended its share early: the figures miss what it would have sent
}

// AgentStats is one agent's share of a coordinated run.
type AgentStats struct {
	Name        string        `json:"name"`
	Addr        string        `json:"addr"`
	Calls       int64         `json:"calls"`  // measured calls merged from it
	Rate        float64       `json:"rate"`   // its calls sent per second
	Errors      int64         `json:"errors"` // its calls not ok
	P50         time.Duration `json:"p50_ns"`
	P99         time.Duration `json:"p99_ns"`
	ClockOffset time.Duration `json:"clock_offset_ns"`  // its wall clock minus the coordinator's
	ClockRTT    time.Duration `json:"clock_rtt_ns"`     // the round trip the offset was measured over
	Skewed      bool          `json:"skewed"`           // |clock_offset| above 50ms
	Failed      string        `json:"failed,omitempty"` // why its share is incomplete
}

// report builds the Report from the merged results.
func (c *coordinator) report(prov provenance.Info) *Report {
	m := c.total
	m.Provenance, m.Setup, m.RunID, m.Start = prov, c.cfg.Setup, c.id, c.start
	r := &Report{Metrics: m}
	for _, mb := range c.members {
		m.Merge(mb.m)
		f := mb.final
		m.WarmupCalls += f.WarmupCalls
		m.Abandoned += f.Abandoned
		m.Late += f.Late
		m.Unsent += f.Unsent
		m.PeakWorkers += f.PeakWorkers
		if m.Stop == loadgen.StopNone && mb.done {
			m.Stop = f.Stop
		}
		r.Agents = append(r.Agents, mb.stats())
		r.Partial = r.Partial || r.Agents[len(r.Agents)-1].Failed != ""
	}
	if c.stopped {
		m.Stop = loadgen.StopCanceled
	}
	m.Close()
	return r
}

// stats summarises one agent's share.
func (mb *member) stats() AgentStats {
	mb.m.Close()
	s := AgentStats{
		Name: mb.ep.Name, Addr: mb.ep.Addr, Calls: mb.m.Calls, Rate: mb.m.Rate, Errors: mb.m.Calls - mb.m.OK,
		P50: mb.m.Latency.P50, P99: mb.m.Latency.P99, ClockOffset: mb.offset, ClockRTT: mb.rtt,
		Skewed: mb.offset > SkewLimit || mb.offset < -SkewLimit, Failed: mb.failed,
	}
	if s.Failed == "" && mb.final.Ended != "" {
		s.Failed = mb.final.Ended
	}
	if s.Failed == "" && !mb.done {
		s.Failed = "did not finish"
	}
	return s
}

// WriteText writes the merged report as geerpc load does, then the agents'
// table, and says whether the run is partial.
func WriteText(w io.Writer, r *Report) error {
	if err := loadgen.WriteText(w, r.Metrics); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "\nagent\tcalls\trate\tp50\tp99\terrors\tclock offset\tstatus\n")
	var failed []string
	for _, a := range r.Agents {
		status := "complete"
		if a.Failed != "" {
			status, failed = "FAILED: "+a.Failed, append(failed, a.Name)
		}
		skew := ""
		if a.Skewed {
			skew = " (skew above 50ms)"
		}
		fmt.Fprintf(tw, "%s\t%d\t%.2f/s\t%s\t%s\t%d\t%s ±%s%s\t%s\n", a.Name, a.Calls, a.Rate,
			round(a.P50), round(a.P99), a.Errors, round(a.ClockOffset), round(a.ClockRTT/2), skew, status)
	}
	if r.Partial {
		fmt.Fprintf(tw, "\nPARTIAL: %s did not complete; the figures above hold only what was merged from them until then\n",
			strings.Join(failed, ", "))
	}
	return tw.Flush()
}

// round keeps about four significant digits of d.
func round(d time.Duration) time.Duration {
	unit := time.Duration(1)
	for x := max(d, -d); x >= 10000; x /= 10 {
		unit *= 10
	}
	return d.Round(unit)
}

// WriteJSON writes r as one indented JSON object: the loadgen report's
// fields, then agents and partial.
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
