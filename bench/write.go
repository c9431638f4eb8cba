package bench

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/geerpclab/geerpc/chaos"
	"github.com/geerpclab/geerpc/internal/site"
	"github.com/geerpclab/geerpc/soak"
)

// The files WriteReport writes into its directory.
const (
	FileIndex   = "index.html"
	FileJSON    = "bench.json"
	FileSummary = "summary.txt"
	FileCells   = "cells.csv"
	FilePeers   = "peers.csv"
	DirPlots    = "plots"
)

// sharedCores is the caveat every report states.
const sharedCores = "client, servers and load generator run in one process and share this machine's cores: absolute figures are lower than on separate machines, ratios are what to compare"

// WriteReport writes the whole report of r into dir: bench.json,
// summary.txt, cells.csv, peers.csv, every plot as PNG and SVG under plots/,
// and index.html, which links them all.
func WriteReport(dir string, r *Report) error {
	if err := os.MkdirAll(filepath.Join(dir, DirPlots), 0o755); err != nil {
		return fmt.Errorf("geerpc: bench: %w", err)
	}
	figs, err := RenderPlots(filepath.Join(dir, DirPlots), r)
	if err != nil {
		return err
	}
	writers := []struct {
		name  string
		write func(io.Writer, *Report) error
	}{
		{FileJSON, WriteJSON}, {FileSummary, WriteText}, {FileCells, WriteCellsCSV}, {FilePeers, WritePeersCSV},
		{FileIndex, func(w io.Writer, r *Report) error { return WriteHTML(w, r, figs, site.Nav(dir, site.Bench)) }},
	}
	for _, wr := range writers {
		if err := writeFile(filepath.Join(dir, wr.name), r, wr.write); err != nil {
			return err
		}
	}
	return RelinkSite(dir)
}

// RelinkSite rewrites the chaos and soak pages of the site rooted at dir,
// when they are there, so that every page's navigation links every page
// present: make chaos and make soak write theirs before or after the bench
// page.
func RelinkSite(dir string) error {
	for _, page := range []string{site.Chaos, site.ChaosProcs} {
		chaosDir := filepath.Join(dir, filepath.Dir(page))
		if _, err := os.Stat(chaosDir); err == nil {
			if err := chaos.WritePages(chaosDir); err != nil {
				return err
			}
		}
	}
	soakDir := filepath.Join(dir, filepath.Dir(site.Soak))
	if _, err := os.Stat(filepath.Join(soakDir, soak.FileJSON)); err == nil {
		return soak.WritePage(soakDir)
	}
	return nil
}

func writeFile(path string, r *Report, write func(io.Writer, *Report) error) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("geerpc: bench: %w", err)
	}
	if err := write(f, r); err != nil {
		_ = f.Close()
		return fmt.Errorf("geerpc: bench: writing %s: %w", path, err)
	}
	return f.Close()
}

// ReadJSON reads a report written by WriteJSON.
func ReadJSON(rd io.Reader) (*Report, error) {
	var r Report
	if err := json.NewDecoder(rd).Decode(&r); err != nil {
		return nil, fmt.Errorf("geerpc: bench: reading report: %w", err)
	}
	if r.Schema != SchemaVersion {
		return nil, fmt.Errorf("geerpc: bench: report schema %q, want %q", r.Schema, SchemaVersion)
	}
	return &r, nil
}

// WriteJSON writes r as indented JSON; provenance follows the schema name.
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteText writes the human summary: provenance, targets, the best mode
// per workload and the peers side by side.
func WriteText(w io.Writer, r *Report) error {
	_ = r.Provenance.WriteHeader(w, "# ")
	fmt.Fprintf(w, "# size %s, rounds per cell: %d (peers: %d), ran %s; %s\n", r.Plan.Size, r.Plan.Rounds, r.Plan.PeerRounds, r.Elapsed.Round(time.Second), sharedCores)
	fmt.Fprintln(w, "\ntargets:")
	for _, v := range r.Targets {
		fmt.Fprintf(w, "  %-6s %-64s %s\n", mark(v.Met), v.Name, v.Value)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "\nbest mode per workload (fewest failed calls, then lowest p99; ~ modes within its spread):\nworkload\tbest\t%s\n", strings.Join(r.Plan.Modes, "\t"))
	for _, b := range r.Best {
		best := b.Mode
		if len(b.Ties) > 0 {
			best += " ~" + strings.Join(b.Ties, ",")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", b.Workload, best, strings.Join(b.Cells, "\t"))
	}
	fmt.Fprintln(tw, "\npeers, 581-byte Echo on one connection:\ncallers\tpeer\tcalls/s (min..max)\tp50\tp99 (min..max)\tallocs/call\tCPU µs/call\twake-ups/call\terrors\tfailed rounds")
	for _, c := range r.Peers {
		if !c.Measured() {
			fmt.Fprintf(tw, "%d\t%s\tFAILED: no successful call\t-\t-\t-\t-\t-\t%d\t%d of %d\n", c.Callers, c.Peer, c.Errors, c.FailedRounds, c.Rounds)
			continue
		}
		fmt.Fprintf(tw, "%d\t%s\t%.0f (%.0f..%.0f)\t%s\t%s (%s..%s)\t%.1f\t%.1f\t%.1f\t%d\t%d of %d\n", c.Callers, c.Peer,
			c.Throughput.Median, c.Throughput.Min, c.Throughput.Max, fmtMillis(c.P50.Median),
			fmtMillis(c.P99.Median), fmtMillis(c.P99.Min), fmtMillis(c.P99.Max), c.AllocsPerCall, c.CPUPerCall, c.WakeupsPerCall,
			c.Errors, c.FailedRounds, c.Rounds)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	for _, n := range failedRounds(r) {
		fmt.Fprintf(w, "FAILED ROUNDS: %s\n", n)
	}
	return nil
}

// CellsCSVHeader is the header row of WriteCellsCSV.
var CellsCSVHeader = []string{
	"experiment", "workload", "mode", "inflight", "load", "rate", "slow_by_ms", "timeout_ms", "rounds", "calls",
	"throughput", "throughput_min", "throughput_max", "p50_ms", "p99_ms", "p99_min_ms", "p99_max_ms",
	"timeout_rate", "error_rate", "lateness_p99_ms", "late", "failed_rounds",
}

// WriteCellsCSV writes one row per cell of the matrix: provenance as "# "
// lines, then CellsCSVHeader. Figures are medians over the rounds unless
// the column says min or max.
func WriteCellsCSV(w io.Writer, r *Report) error {
	_ = r.Provenance.WriteHeader(w, "# ")
	cw := csv.NewWriter(w)
	_ = cw.Write(CellsCSVHeader)
	for _, c := range r.Cells {
		_ = cw.Write([]string{
			c.Experiment, c.Workload, c.Mode, strconv.Itoa(c.InFlight), f3(c.Load), f3(c.Rate),
			f3(ms(c.SlowBy)), f3(ms(c.Timeout)), strconv.Itoa(c.Rounds), strconv.FormatInt(c.Calls, 10),
			f3(c.Throughput.Median), f3(c.Throughput.Min), f3(c.Throughput.Max),
			f3(c.P50.Median), f3(c.P99.Median), f3(c.P99.Min), f3(c.P99.Max),
			f6(c.TimeoutRate.Median), f6(c.ErrorRate.Median), f3(c.Lateness.Median), strconv.FormatInt(c.Late, 10),
			strconv.Itoa(c.FailedRounds),
		})
	}
	cw.Flush()
	return cw.Error()
}

// PeersCSVHeader is the header row of WritePeersCSV.
var PeersCSVHeader = []string{
	"peer", "callers", "rounds", "throughput", "throughput_min", "throughput_max",
	"p50_ms", "p99_ms", "p99_min_ms", "p99_max_ms", "allocs_per_call", "cpu_us_per_call", "errors", "failed_rounds", "wakeups_per_call",
}

// WritePeersCSV writes one row per peer and number of callers, as
// WriteCellsCSV does for the matrix.
func WritePeersCSV(w io.Writer, r *Report) error {
	_ = r.Provenance.WriteHeader(w, "# ")
	cw := csv.NewWriter(w)
	_ = cw.Write(PeersCSVHeader)
	for _, c := range r.Peers {
		_ = cw.Write([]string{
			c.Peer, strconv.Itoa(c.Callers), strconv.Itoa(c.Rounds),
			f3(c.Throughput.Median), f3(c.Throughput.Min), f3(c.Throughput.Max),
			f3(c.P50.Median), f3(c.P99.Median), f3(c.P99.Min), f3(c.P99.Max),
			f3(c.AllocsPerCall), f3(c.CPUPerCall), strconv.FormatInt(c.Errors, 10), strconv.Itoa(c.FailedRounds),
			f3(c.WakeupsPerCall),
		})
	}
	cw.Flush()
	return cw.Error()
}

func f3(v float64) string { return strconv.FormatFloat(v, 'f', 3, 64) }
func f6(v float64) string { return strconv.FormatFloat(v, 'f', 6, 64) }
