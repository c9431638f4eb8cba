package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/geerpclab/geerpc/bench"
	"github.com/geerpclab/geerpc/cluster"
)

func init() {
	commands["bench"] = command{
		summary: "measure the balancing modes and the peers (net/rpc, grpc-go, raw TCP) on loopback and write the report",
		about: "Runs the matrix (a concurrency sweep, an open-loop sweep, a slow instance, unequal weights) on in-process\n" +
			"instances, or the two sweeps on running ones (-registry, -instances), one progress line per run.",
		example: "geerpc bench -size quick",
		usage:   "bench [-size quick|default|full] [-out DIR] [-cluster inproc|procs [-toxiproxy URL] | -registry 127.0.0.1:9999 | -instances tcp@a,tcp@b] [-modes p2c,...] ...",
		run:     runBench,
	}
}

// benchFlags are the flags of geerpc bench.
type benchFlags struct {
	out, size, modes, inflight, registry string
	instances, cluster, toxiproxy        string
	rounds                               int
	duration                             time.Duration
	peers, quiet                         bool
}

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	var f benchFlags
	fs.StringVar(&f.out, "out", "out", "directory the report is written to (the committed reference run is in reports/)")
	fs.StringVar(&f.size, "size", bench.SizeDefault, "matrix size: quick (under a minute), default (at most 5 minutes) or full")
	fs.IntVar(&f.rounds, "rounds", 0, "rounds per cell, peers included (0: the size's)")
	fs.DurationVar(&f.duration, "duration", 0, "measured time per run of the matrix (0: the size's)")
	fs.StringVar(&f.modes, "modes", "", "comma-separated balancing modes (default: all)")
	fs.StringVar(&f.inflight, "inflight", "", "comma-separated calls in flight of the concurrency sweep (default: the size's)")
	fs.StringVar(&f.registry, "registry", "", "measure the instances of this running registry (host:port or URL, loopback) instead of in-process ones")
	fs.StringVar(&f.instances, "instances", "", "measure these running instances (comma-separated protocol@127.0.0.1:port)")
	fs.StringVar(&f.cluster, "cluster", "inproc", "where started instances run: inproc (in this process) or procs (geerpc serve children behind Toxiproxy)")
	fs.StringVar(&f.toxiproxy, "toxiproxy", "", "with -cluster procs: URL of a running Toxiproxy server on loopback (empty: one served by this process)")
	fs.BoolVar(&f.peers, "peers", true, "compare with net/rpc, grpc-go and the raw TCP ceiling")
	fs.BoolVar(&f.quiet, "q", false, "no progress lines")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	o, err := f.options()
	if err != nil {
		return err
	}
	if err := checkReachable(ctx, o); err != nil {
		return err
	}
	if !f.quiet {
		o.Progress = stderr
		fmt.Fprintf(stderr, "geerpc bench: size %s; one line per run, the report goes to %s\n", o.Plan.Size, f.out)
	}
	r, err := bench.RunMatrix(ctx, o)
	if err != nil {
		return err
	}
	r.Provenance.Command = retypeableCommand(r.Provenance.Command)
	return writeBenchReport(f.out, r, stdout)
}

// options turns the flags into matrix options; a bad flag is a usageError
// naming it.
func (f benchFlags) options() (bench.Options, error) {
	plan, err := bench.PlanFor(f.size)
	if err != nil {
		return bench.Options{}, usageError{"-size: " + strings.TrimPrefix(err.Error(), "bench: ")}
	}
	switch {
	case f.out == "":
		return bench.Options{}, usageError{"-out must name a directory"}
	case f.rounds < 0:
		return bench.Options{}, usageError{"-rounds must be at least 1 (0: the size's)"}
	case f.duration < 0:
		return bench.Options{}, usageError{"-duration must be positive (0: the size's)"}
	}
	if err := f.override(&plan); err != nil {
		return bench.Options{}, err
	}
	o := bench.Options{Plan: plan, SkipPeers: !f.peers}
	if o.Cluster, err = f.clusterOptions(); err != nil {
		return bench.Options{}, err
	}
	return o, f.targets(&o)
}

// clusterOptions reads -cluster and -toxiproxy; processes run this very
// executable as geerpc serve and geerpc registry.
func (f benchFlags) clusterOptions() (bench.ClusterOptions, error) {
	b, err := cluster.ParseBackend(f.cluster)
	if err != nil {
		return bench.ClusterOptions{}, usageError{fmt.Sprintf("-cluster %q: want inproc or procs", f.cluster)}
	}
	if f.toxiproxy != "" && b != cluster.Processes {
		return bench.ClusterOptions{}, usageError{"-toxiproxy needs -cluster procs"}
	}
	if err := checkLoopbackURL("-toxiproxy", f.toxiproxy); err != nil {
		return bench.ClusterOptions{}, err
	}
	exe, _ := os.Executable()
	return bench.ClusterOptions{Backend: b, Binary: exe, Toxiproxy: f.toxiproxy}, nil
}

// override changes the size's plan as the flags say.
func (f benchFlags) override(plan *bench.Plan) error {
	if f.rounds > 0 {
		plan.Rounds, plan.PeerRounds = f.rounds, f.rounds
	}
	if f.duration > 0 {
		plan.Duration = f.duration
	}
	if f.modes != "" {
		plan.Modes = strings.Split(f.modes, ",")
	}
	if f.inflight != "" {
		n, err := parseCounts(f.inflight)
		if err != nil {
			return usageError{"-inflight: " + err.Error()}
		}
		plan.InFlight = n
	}
	if err := plan.Validate(); err != nil {
		return usageError{"-modes: " + strings.TrimPrefix(err.Error(), "bench: plan: ")}
	}
	return nil
}

// parseCounts parses a comma-separated list of positive integers.
func parseCounts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q is not a count of at least 1", f)
		}
		out = append(out, n)
	}
	return out, nil
}

// targets reads -registry or -instances into o, as load reads its
// -registry and -servers: both forms of the URL, loopback only.
func (f benchFlags) targets(o *bench.Options) error {
	var err error
	switch {
	case f.registry != "" && f.instances != "":
		return usageError{"-registry and -instances: give only one"}
	case f.registry != "":
		o.Registry, err = loopbackRegistryURL(f.registry, false)
	case f.instances != "":
		if o.Instances, err = parseServers("-instances", f.instances); err == nil {
			err = checkLoopbackAll("-instances", o.Instances, false)
		}
	}
	return err
}

// checkReachable refuses, before any run, a registry that does not answer
// or lists no servers, instances or a Toxiproxy server that do not answer:
// a cell measured on them would measure nothing.
func checkReachable(ctx context.Context, o bench.Options) error {
	if o.Cluster.Toxiproxy != "" {
		if err := probeToxiproxy(ctx, "-toxiproxy", o.Cluster.Toxiproxy); err != nil {
			return err
		}
	}
	if o.Registry != "" {
		_, err := registryServers(ctx, o.Registry, false)
		return err
	}
	if down := unreachable(ctx, o.Instances); len(down) > 0 {
		return usageError{"-instances: unreachable: " + strings.Join(down, ", ")}
	}
	return nil
}

// retypeableCommand shows a `go run` binary as `go run ./cmd/geerpc`, so that the
// report's command can be typed again.
func retypeableCommand(argv []string) []string {
	if len(argv) > 0 && strings.Contains(argv[0], "go-build") && filepath.Base(argv[0]) == "geerpc" {
		return append([]string{"go", "run", "./cmd/geerpc"}, argv[1:]...)
	}
	return argv
}

// writeBenchReport writes the report, prints its summary and says where it is.
func writeBenchReport(dir string, r *bench.Report, stdout io.Writer) error {
	if err := bench.WriteReport(dir, r); err != nil {
		return err
	}
	if err := bench.WriteText(stdout, r); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nreport: %s (data: %s; serve it with: geerpc report -serve 127.0.0.1:8080 -dir %s)\n",
		filepath.Join(dir, bench.FileIndex), filepath.Join(dir, bench.FileJSON), dir)
	return nil
}
