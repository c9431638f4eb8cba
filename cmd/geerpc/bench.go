package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/geerpclab/geerpc/bench"
	"github.com/geerpclab/geerpc/internal/provenance"
)

func init() {
	commands["bench"] = command{summary: "compare geerpc with net/rpc on loopback and write reports/", run: runBench}
}

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	out := fs.String("out", "reports", "directory the reports are written to")
	rounds := fs.Int("rounds", 5, "interleaved rounds per cell (medians are reported)")
	calls := fs.Int("calls", 50_000, "calls per run")
	quiet := fs.Bool("q", false, "no progress lines")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if *rounds < 1 || *calls < 1 {
		return usageError{"-rounds and -calls must be at least 1"}
	}
	o := bench.CoreOptions{Rounds: *rounds, Calls: *calls}
	if !*quiet {
		o.Progress = stderr
	}
	prov := provenance.Collect(ctx)
	cells, err := bench.Core(ctx, o)
	if err != nil {
		return err
	}
	return writeCoreReports(*out, prov, cells, stdout)
}

// writeCoreReports writes core.txt and core.json, each starting with its
// provenance, and prints the table.
func writeCoreReports(dir string, prov provenance.Info, cells []bench.CoreCell, stdout io.Writer) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var txt strings.Builder
	_ = prov.WriteHeader(&txt, "# ")
	txt.WriteString("# client and server share this machine's cores; 581-byte Echo, gob, one TCP connection on loopback\n\n")
	if err := bench.WriteCoreTable(&txt, cells); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "core.txt"), []byte(txt.String()), 0o644); err != nil {
		return err
	}
	js, err := json.MarshalIndent(struct {
		Provenance provenance.Info  `json:"provenance"`
		Cells      []bench.CoreCell `json:"cells"`
	}{prov, cells}, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "core.json"), append(js, '\n'), 0o644); err != nil {
		return err
	}
	fmt.Fprint(stdout, txt.String())
	fmt.Fprintf(stdout, "\nreport: %s\n", filepath.Join(dir, "core.txt"))
	return nil
}
