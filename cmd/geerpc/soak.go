package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/geerpclab/geerpc/internal/provenance"
	"github.com/geerpclab/geerpc/soak"
)

func init() {
	commands["soak"] = command{
		summary: "long open-loop load with faults cycling; check leaks and that every call is accounted for",
		about: "Measures the saturation rate of three instances behind proxies and the HTTP registry (127.0.0.1),\n" +
			"then sends -fraction of it open loop: a -warmup that plays the fault cycle once (slow link, dropped\n" +
			"replies, dead heartbeat, kill and restart, blackhole), a baseline sample, then -d while the faults\n" +
			"cycle on. PASS when goroutines, fds and heap end within -tolerance of the baseline and every call\n" +
			"ended exactly once.",
		example: "geerpc soak -d 2m",
		usage:   "soak [-d 10m] [-fraction 0.7] [-window 20s] [-gap 20s] [-out DIR] ...",
		run:     runSoak,
	}
}

// soakConfig is the command line of geerpc soak.
type soakConfig struct {
	opts  soak.Options
	out   string
	quiet bool
}

func parseSoakFlags(args []string, stderr io.Writer) (*soakConfig, error) {
	c := &soakConfig{}
	o := &c.opts
	fs := flag.NewFlagSet("soak", flag.ContinueOnError)
	fs.DurationVar(&o.Duration, "d", soak.DefaultDuration, "how long the faulted load runs")
	fs.DurationVar(&o.Warmup, "warmup", 0, "load before it at the same rate with one full fault cycle, after which the baseline is sampled (0 or at least: faults×(window+gap)+max(gap,3s), 3m40s by default)")
	fs.DurationVar(&o.Saturation, "saturation", 0, "closed-loop run measuring the saturation rate (0: d/60, 2s..10s)")
	fs.IntVar(&o.MaxWorkers, "max-workers", soak.DefaultMaxWorkers, "cap of the open-loop workers; a call due while all are busy waits and counts as late")
	fs.Float64Var(&o.Fraction, "fraction", soak.DefaultFraction, "share of the saturation rate sent, open loop")
	fs.DurationVar(&o.Window, "window", soak.DefaultWindow, "how long each fault lasts")
	fs.DurationVar(&o.Gap, "gap", soak.DefaultGap, "recovery between two faults")
	fs.DurationVar(&o.Timeout, "timeout", soak.DefaultTimeout, "per-call timeout, retries included")
	fs.Float64Var(&o.Tolerance, "tolerance", soak.DefaultTolerance, "how far goroutines, fds and heap may move from the baseline")
	fs.Uint64Var(&o.Seed, "seed", 1, "seed of the call-fault draws and the client's picks")
	fs.StringVar(&c.out, "out", "out/soak", "directory the reports are written to")
	fs.BoolVar(&c.quiet, "q", false, "no progress lines")
	if err := parseFlags(fs, args, stderr); err != nil {
		return nil, err
	}
	checks := []struct {
		bad bool
		msg string
	}{
		{o.Duration <= 0, fmt.Sprintf("-d %s: must be positive", o.Duration)},
		{o.Warmup < 0 || o.Saturation < 0, "-warmup and -saturation must not be negative"},
		{o.MaxWorkers <= 0, fmt.Sprintf("-max-workers %d: must be positive", o.MaxWorkers)},
		{o.Fraction <= 0 || o.Fraction > 1, fmt.Sprintf("-fraction %g: want (0, 1]", o.Fraction)},
		{o.Window <= 0 || o.Gap <= 0, "-window and -gap must be positive"},
		{o.Timeout <= 0, fmt.Sprintf("-timeout %s: must be positive", o.Timeout)},
		{o.Tolerance <= 0, fmt.Sprintf("-tolerance %g: must be positive", o.Tolerance)},
	}
	for _, k := range checks {
		if k.bad {
			return nil, usageError{k.msg}
		}
	}
	return c, nil
}

// runSoak runs the soak, writes its reports (also when interrupted or
// failed) and prints the verdict line; a FAIL is an error naming the
// failed checks.
func runSoak(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, err := parseSoakFlags(args, stderr)
	if err != nil {
		return err
	}
	c.opts.Provenance = provenance.Collect(ctx)
	if !c.quiet {
		c.opts.Progress = stderr
	}
	start := time.Now()
	r, err := soak.Run(ctx, c.opts)
	if errors.Is(err, soak.ErrOptions) {
		return usageError{err.Error()}
	}
	if r == nil {
		return err
	}
	paths, werr := soak.WriteReports(c.out, r)
	fmt.Fprintln(stdout, r.Verdict())
	fmt.Fprintf(stdout, "took %s; reports: %s\n", time.Since(start).Round(time.Second), strings.Join(paths, " "))
	if werr != nil {
		return errors.Join(err, werr)
	}
	if err != nil {
		return fmt.Errorf("%w: %s", err, failedDetail(r))
	}
	return nil
}

// failedDetail names each failed check with its figures.
func failedDetail(r *soak.Result) string {
	var parts []string
	for _, ch := range r.Checks {
		if !ch.Pass {
			parts = append(parts, ch.Name+" "+ch.Measured)
		}
	}
	return strings.Join(parts, "; ")
}
