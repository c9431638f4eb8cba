package chaos

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/geerpclab/geerpc/chaos/scenario"
)

// WriteText writes the human report of r: provenance as "# " lines, the
// verdict table, then each variant's figures per fault window and the
// fault timeline as it happened.
func WriteText(w io.Writer, r *Result) error {
	var b strings.Builder
	_ = r.Provenance.WriteHeader(&b, "# ")
	s := r.Scenario
	fmt.Fprintf(&b, "# scenario %s: %s\n", s.Name, s.Description)
	fmt.Fprintf(&b, "# seed %d; %d variants at once, each %s for %v, call timeout %v; %d instances\n",
		r.Seed, len(r.Variants), loadText(s.Load), s.Load.Duration, s.Load.Timeout, len(s.Instances))
	if r.Interrupted {
		b.WriteString("# INTERRUPTED: the figures cover the part that ran\n")
	}
	b.WriteString("\n")
	writeVerdicts(&b, r.Verdicts)
	b.WriteString("\n")
	writeVariants(&b, r)
	b.WriteString("\n")
	writeFaults(&b, r.Faults)
	_, err := io.WriteString(w, b.String())
	return err
}

func loadText(l scenario.LoadSpec) string {
	if l.Rate > 0 {
		return fmt.Sprintf("open loop at %g calls/s", l.Rate)
	}
	return fmt.Sprintf("closed loop with %d workers", l.Concurrency)
}

func writeVerdicts(w io.Writer, vs []Verdict) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "VERDICT\tINVARIANT\tSCOPE\tMEASURED\tWANT")
	for _, v := range vs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", strings.ToUpper(v.Status), v.Invariant, v.Scope, v.Measured, v.Want)
	}
	_ = tw.Flush()
}

func writeVariants(w io.Writer, r *Result) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	head := "VARIANT\tCALLS\tSUCCESS\tP50\tP99\tERRORS"
	for _, f := range r.Faults {
		head += fmt.Sprintf("\t#%d %s: SHARE\tP99\tFAILED\tRECOVERY", f.Index, f.Type)
	}
	fmt.Fprintln(tw, head)
	for _, vr := range r.Variants {
		fmt.Fprintf(tw, "%s\t%d\t%.3f%%\t%s\t%s\t%s", vr.Name, vr.Calls, vr.Success*100, fmtDur(vr.P50), fmtDur(vr.P99), classText(vr.Classes))
		for _, ws := range vr.Windows {
			fmt.Fprintf(tw, "\t%s\t%s\t%d/%d\t%s", shareText(ws.Shares, r.Faults[ws.Fault].Instances),
				fmtDur(ws.P99), ws.Errors, ws.Calls, recoveryText(ws.Recovery))
		}
		fmt.Fprintln(tw)
	}
	_ = tw.Flush()
}

// classText lists the error classes with their counts.
func classText(m map[Class]int64) string {
	var parts []string
	for _, c := range classes {
		if c != ClassOK && m[c] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", c, m[c]))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// shareText gives the shares of the targeted instances ("-" for the registry).
func shareText(shares map[string]float64, targets []string) string {
	if len(targets) == 0 {
		return "-"
	}
	parts := make([]string, len(targets))
	for i, t := range targets {
		parts[i] = fmt.Sprintf("%s %.1f%%", t, shares[t]*100)
	}
	return strings.Join(parts, " ")
}

func recoveryText(d time.Duration) string {
	if d < 0 {
		return "never"
	}
	return fmtDur(d)
}

func writeFaults(w io.Writer, fs []FaultRecord) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FAULT\tTYPE\tTARGETS\tPLANNED\tAPPLIED\tUNDONE\tERROR")
	for _, f := range fs {
		targets := strings.Join(f.Instances, ",")
		if targets == "" {
			targets = "registry"
		}
		fmt.Fprintf(tw, "#%d\t%s\t%s\t%v–%v\t%s\t%s\t%s\n", f.Index, f.Type, targets, f.Start, f.End,
			offsetText(f.AppliedAt), offsetText(f.ClearedAt), f.Err)
	}
	_ = tw.Flush()
}

func offsetText(d time.Duration) string {
	if d < 0 {
		return "never"
	}
	return d.Round(time.Millisecond).String()
}

// WriteJSON writes r as one indented JSON object of the schema
// SchemaVersion; provenance comes right after the schema name.
func WriteJSON(w io.Writer, r *Result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteReports writes r's reports into dir: <name>.txt (WriteText),
// <name>.json (WriteJSON), the timeline and instance-share plots
// (<name>-timeline and <name>-shares, as PNG and SVG) and the timeline as
// <name>-timeline.csv; then WritePages rewrites the folder's pages, this
// run's <name>.html among them. It returns the paths written.
func WriteReports(dir string, r *Result) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("geerpc: chaos: %w", err)
	}
	base := filepath.Join(dir, r.Scenario.Name)
	files := []struct {
		path  string
		write func(io.Writer, *Result) error
	}{
		{base + ".txt", WriteText},
		{base + ".json", WriteJSON},
		{base + "-timeline.png", func(w io.Writer, r *Result) error { return PlotTimeline(w, r, PNG) }},
		{base + "-timeline.svg", func(w io.Writer, r *Result) error { return PlotTimeline(w, r, SVG) }},
		{base + "-shares.png", func(w io.Writer, r *Result) error { return PlotShares(w, r, PNG) }},
		{base + "-shares.svg", func(w io.Writer, r *Result) error { return PlotShares(w, r, SVG) }},
		{base + "-timeline.csv", WriteTimelineCSV},
	}
	var paths []string
	for _, f := range files {
		if err := writeFile(f.path, r, f.write); err != nil {
			return paths, err
		}
		paths = append(paths, f.path)
	}
	if err := WritePages(dir); err != nil {
		return paths, err
	}
	return append(paths, base+".html", filepath.Join(dir, FileIndex)), nil
}

func writeFile(path string, r *Result, write func(io.Writer, *Result) error) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("geerpc: chaos: %w", err)
	}
	if err := write(f, r); err != nil {
		_ = f.Close()
		return fmt.Errorf("geerpc: chaos: write %s: %w", path, err)
	}
	return f.Close()
}
