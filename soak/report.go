package soak

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/geerpclab/geerpc/chaos"
	"github.com/geerpclab/geerpc/chaos/scenario"
	"github.com/geerpclab/geerpc/internal/site"
)

// WriteJSON writes r as one indented JSON object of the schema
// SchemaVersion; provenance comes right after the schema name.
func WriteJSON(w io.Writer, r *Result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("geerpc: soak: write JSON: %w", err)
	}
	return nil
}

// WriteText writes the provenance as "# " lines, then the verdict line.
func WriteText(w io.Writer, r *Result) error {
	var b bytes.Buffer
	_ = r.Provenance.WriteHeader(&b, "# ")
	b.WriteString(r.Verdict() + "\n")
	_, err := w.Write(b.Bytes())
	return err
}

// PlotTimeline draws the soak's timeline (throughput, error rate and p99
// per interval, each fault window shaded and labelled) with chaos's
// plotting.
func PlotTimeline(w io.Writer, r *Result, f chaos.Format) error {
	return chaos.PlotTimeline(w, r.chaosView(), f)
}

// WriteTimelineCSV writes the soak phase's timeline as chaos does.
func WriteTimelineCSV(w io.Writer, r *Result) error {
	return chaos.WriteTimelineCSV(w, r.chaosView())
}

// chaosView is the soak phase as a chaos result of one variant, for
// chaos's plots and CSV.
func (r *Result) chaosView() *chaos.Result {
	return &chaos.Result{
		Schema:     chaos.SchemaVersion,
		Provenance: r.Provenance,
		Scenario:   &scenario.Scenario{Name: "soak", Load: scenario.LoadSpec{Duration: scenario.Duration(max(r.Duration, r.Elapsed))}},
		Faults:     r.Faults,
		Variants:   []chaos.VariantResult{{Name: r.Client, Timeline: r.Timeline}},
	}
}

// WriteReports writes soak.json, soak.txt, the timeline plot
// (soak-timeline.png and .svg) and CSV, and the page index.html into dir,
// and the heap profiles of the two
// samples when Run took them (soak-heap-baseline.pprof and
// soak-heap-after.pprof: go tool pprof -base baseline after shows what
// grew). It returns the paths written.
func WriteReports(dir string, r *Result) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("geerpc: soak: reports: %w", err)
	}
	files := []struct {
		name  string
		write func(io.Writer) error
	}{
		{FileJSON, func(w io.Writer) error { return WriteJSON(w, r) }},
		{FileText, func(w io.Writer) error { return WriteText(w, r) }},
		{FilePlot + ".png", func(w io.Writer) error { return PlotTimeline(w, r, chaos.PNG) }},
		{FilePlot + ".svg", func(w io.Writer) error { return PlotTimeline(w, r, chaos.SVG) }},
		{FileCSV, func(w io.Writer) error { return WriteTimelineCSV(w, r) }},
	}
	for name, prof := range map[string][]byte{FileBaseline: r.heapBaseline, FileAfter: r.heapAfter} {
		if len(prof) > 0 {
			files = append(files, struct {
				name  string
				write func(io.Writer) error
			}{name, func(w io.Writer) error { _, err := w.Write(prof); return err }})
		}
	}
	var paths []string
	for _, f := range files {
		var b bytes.Buffer
		if err := f.write(&b); err != nil {
			return paths, fmt.Errorf("geerpc: soak: %s: %w", f.name, err)
		}
		p := filepath.Join(dir, f.name)
		if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
			return paths, fmt.Errorf("geerpc: soak: %w", err)
		}
		paths = append(paths, p)
	}
	if err := WritePage(dir); err != nil {
		return paths, err
	}
	return append(paths, filepath.Join(dir, FileIndex)), nil
}

// WritePage (re)writes dir's index.html from its soak.json, its
// navigation linking the pages of the site present at the time.
func WritePage(dir string) error {
	b, err := os.ReadFile(filepath.Join(dir, FileJSON))
	if err != nil {
		return fmt.Errorf("geerpc: soak: %w", err)
	}
	var r Result
	if err := json.Unmarshal(b, &r); err != nil {
		return fmt.Errorf("geerpc: soak: %s: %w", FileJSON, err)
	}
	_, errB := os.Stat(filepath.Join(dir, FileBaseline))
	_, errA := os.Stat(filepath.Join(dir, FileAfter))
	var page bytes.Buffer
	if err := WriteHTML(&page, &r, site.Nav(dir, site.Soak), errB == nil && errA == nil); err != nil {
		return fmt.Errorf("geerpc: soak: %s: %w", FileIndex, err)
	}
	if err := os.WriteFile(filepath.Join(dir, FileIndex), page.Bytes(), 0o644); err != nil {
		return fmt.Errorf("geerpc: soak: %w", err)
	}
	return nil
}
