package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/geerpclab/geerpc/bench"
)

func init() {
	commands["bench"] = command{summary: "measure balancing modes and peers on loopback, write the report to reports/", run: runBench}
}

// benchFlags are the flags of geerpc bench.
type benchFlags struct {
	out, size, modes, inflight, registry string
	instances                            string
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
	fs.StringVar(&f.registry, "registry", "", "measure the instances of this running registry (loopback URL) instead of in-process ones")
	fs.StringVar(&f.instances, "instances", "", "measure these running instances (comma-separated protocol@127.0.0.1:port)")
	fs.BoolVar(&f.peers, "peers", true, "compare with net/rpc, grpc-go and the raw TCP ceiling")
	fs.BoolVar(&f.quiet, "q", false, "no progress lines")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	o, err := f.options()
	if err != nil {
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
	o := bench.Options{Plan: plan, Registry: f.registry, SkipPeers: !f.peers}
	if f.instances != "" {
		o.Instances = strings.Split(f.instances, ",")
	}
	return o, f.checkLoopback()
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

// checkLoopback refuses instances and registries off this machine.
func (f benchFlags) checkLoopback() error {
	if f.registry != "" {
		u, err := url.Parse(f.registry)
		if err != nil || !loopbackHost(u.Hostname()) {
			return usageError{fmt.Sprintf("-registry %q: want a loopback URL such as http://127.0.0.1:9999/_geerpc_/registry", f.registry)}
		}
	}
	for _, in := range strings.Split(f.instances, ",") {
		if in == "" && f.instances == "" {
			break
		}
		_, addr, ok := strings.Cut(in, "@")
		host, _, err := net.SplitHostPort(addr)
		if !ok || err != nil || !loopbackHost(host) {
			return usageError{fmt.Sprintf("-instances: %q is not protocol@127.0.0.1:port", in)}
		}
	}
	return nil
}

// loopbackHost reports whether host is a loopback address or localhost.
func loopbackHost(host string) bool {
	ip := net.ParseIP(host)
	return host == "localhost" || (ip != nil && ip.IsLoopback())
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
