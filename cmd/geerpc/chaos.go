package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/geerpclab/geerpc/chaos"
	"github.com/geerpclab/geerpc/chaos/scenario"
	"github.com/geerpclab/geerpc/cluster"
	"github.com/geerpclab/geerpc/internal/provenance"
)

func init() {
	commands["chaos"] = command{
		summary: "inject faults into live runs, check invariants and plot each balancing mode",
		about: "Runs each scenario on a cluster (in process, or -cluster procs) once per balancing and fail mode, checks its invariants and\n" +
			"writes verdicts, timelines and shares to -out. -scenario takes a file, a glob or a built-in's name.",
		example: "geerpc chaos -scenario slow-instance",
		usage:   "chaos -scenario FILE|GLOB|NAME [-cluster inproc|procs | -registry URL | -etcd ENDPOINTS] [-toxiproxy URL] [-out DIR] [-seed N] [-q]",
		more:    listBuiltinScenarios,
		run:     runChaos,
	}
}

// chaosRun is one scenario's outcome, for the summary.
type chaosRun struct {
	res     *chaos.Result
	elapsed time.Duration
}

func runChaos(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("chaos", flag.ContinueOnError)
	pattern := fs.String("scenario", "", "scenario file, a glob such as 'chaos/scenarios/*.json', or a built-in's name; several comma-separated (required)")
	backend := fs.String("cluster", "inproc", "where instances run: inproc (in this process) or procs (geerpc serve children behind a Toxiproxy server)")
	toxiproxy := fs.String("toxiproxy", "", "URL of a running Toxiproxy server on loopback, with -cluster procs (empty: one served by this process) or -registry")
	reg := fs.String("registry", "", "registry (host:port or URL, loopback) of a deployment the harness did not start: its instances are reached through the -toxiproxy proxies named after them; only link faults apply")
	etcd := fs.String("etcd", "", "comma-separated etcd endpoints (loopback) of a deployment the harness did not start, as -registry for instances registered in etcd")
	out := fs.String("out", "out/chaos", "directory the reports are written to")
	seed := fs.Uint64("seed", 0, "seed replacing each scenario's own, to replay a run (0: the scenario's)")
	quiet := fs.Bool("q", false, "no progress lines")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	co, err := chaosCluster(*backend, *toxiproxy, *reg, *etcd)
	if err != nil {
		return err
	}
	scenarios, err := loadEach(*pattern)
	if err == nil {
		err = checkApplicable(scenarios, co)
	}
	if err == nil {
		err = chaosReachable(ctx, co)
	}
	if err != nil {
		return err
	}
	opts := chaos.Options{Seed: *seed, Provenance: provenance.Collect(ctx), Cluster: co}
	if !*quiet {
		opts.Logger = slog.New(slog.NewTextHandler(stderr, nil))
	}
	var runs []chaosRun
	for _, s := range scenarios {
		run, err := runScenario(ctx, s, opts, *out, stdout, stderr)
		if run.res != nil {
			runs = append(runs, run)
		}
		if err != nil {
			_ = writeChaosSummary(*out, opts.Provenance, runs)
			return err
		}
	}
	if err := writeChaosSummary(*out, opts.Provenance, runs); err != nil {
		return err
	}
	return chaosFailures(runs)
}

// chaosCluster reads -cluster, -toxiproxy, -registry and -etcd; processes
// run this very executable as geerpc serve and geerpc registry.
func chaosCluster(backend, toxiproxy, reg, etcd string) (chaos.ClusterOptions, error) {
	b, err := cluster.ParseBackend(backend)
	if err != nil {
		return chaos.ClusterOptions{}, usageError{fmt.Sprintf("-cluster %q: want inproc or procs", backend)}
	}
	switch {
	case reg != "" && etcd != "":
		return chaos.ClusterOptions{}, usageError{"-registry and -etcd: give one registry, not both"}
	case reg != "" || etcd != "":
		return deploymentCluster(toxiproxy, reg, etcd, b)
	case toxiproxy != "" && b != cluster.Processes:
		return chaos.ClusterOptions{}, usageError{"-toxiproxy needs -cluster procs, -registry or -etcd"}
	}
	if err := checkLoopbackURL("-toxiproxy", toxiproxy); err != nil {
		return chaos.ClusterOptions{}, err
	}
	exe, _ := os.Executable()
	return chaos.ClusterOptions{Backend: b, Binary: exe, Toxiproxy: toxiproxy}, nil
}

// chaosReachable refuses, before any run, a user's Toxiproxy server,
// registry or etcd that does not answer, or that lists no servers.
func chaosReachable(ctx context.Context, co chaos.ClusterOptions) error {
	if co.Toxiproxy != "" {
		if err := probeToxiproxy(ctx, "-toxiproxy", co.Toxiproxy); err != nil {
			return err
		}
	}
	if co.Registry != "" {
		_, err := registryServers(ctx, co.Registry, false)
		return err
	}
	if len(co.Etcd) > 0 {
		return etcdServers(ctx, strings.Join(co.Etcd, ","))
	}
	return nil
}

// deploymentCluster reads -registry or -etcd, and -toxiproxy, naming a
// user's deployment.
func deploymentCluster(toxiproxy, reg, etcd string, b cluster.Backend) (chaos.ClusterOptions, error) {
	flagName := "-registry"
	if etcd != "" {
		flagName = "-etcd"
	}
	switch {
	case b != cluster.InProcess:
		return chaos.ClusterOptions{}, usageError{flagName + " names a running deployment: leave out -cluster"}
	case toxiproxy == "":
		return chaos.ClusterOptions{}, usageError{flagName + " needs -toxiproxy: the Toxiproxy server whose proxies, named after the scenario's instances, front them"}
	}
	if err := checkLoopbackURL("-toxiproxy", toxiproxy); err != nil {
		return chaos.ClusterOptions{}, err
	}
	if etcd != "" {
		eps, err := loopbackEndpoints(etcd)
		return chaos.ClusterOptions{Toxiproxy: toxiproxy, Etcd: eps}, err
	}
	u, err := loopbackRegistryURL(reg, false)
	if err != nil {
		return chaos.ClusterOptions{}, err
	}
	return chaos.ClusterOptions{Toxiproxy: toxiproxy, Registry: u}, nil
}

// loadEach loads the scenarios of each comma-separated pattern.
func loadEach(patterns string) ([]*scenario.Scenario, error) {
	var out []*scenario.Scenario
	for _, p := range strings.Split(patterns, ",") {
		s, err := loadScenarios(p)
		if err != nil {
			return nil, err
		}
		out = append(out, s...)
	}
	return out, nil
}

// checkApplicable refuses, before anything starts, a scenario with a fault
// the cluster cannot apply, naming it.
func checkApplicable(scenarios []*scenario.Scenario, co chaos.ClusterOptions) error {
	var errs []error
	for _, s := range scenarios {
		errs = append(errs, chaos.CheckApplicable(s, co))
	}
	if err := errors.Join(errs...); err != nil {
		return usageError{err.Error()}
	}
	return nil
}

// loadScenarios reads and validates every scenario the pattern matches
// before any runs: a bad one is a usage error naming its field.
func loadScenarios(pattern string) ([]*scenario.Scenario, error) {
	if pattern == "" {
		return nil, usageError{"-scenario is required: a scenario file, a glob or a built-in's name"}
	}
	paths, err := filepath.Glob(pattern)
	if err != nil {
		return nil, usageError{fmt.Sprintf("-scenario %q: %v", pattern, err)}
	}
	if len(paths) == 0 {
		if s, err := builtinScenario(pattern); s != nil || err != nil {
			return []*scenario.Scenario{s}, err
		}
		return nil, usageError{fmt.Sprintf("-scenario %q matches no file and names no built-in scenario (geerpc chaos -h lists them)", pattern)}
	}
	var out []*scenario.Scenario
	for _, p := range paths {
		s, err := scenario.Load(p)
		if err != nil {
			return nil, usageError{fmt.Sprintf("%s: %v", p, err)}
		}
		out = append(out, s)
	}
	return out, nil
}

// builtinScenario returns the built-in scenario called name, or nil.
func builtinScenario(name string) (*scenario.Scenario, error) {
	all, err := scenario.Builtin()
	if err != nil {
		return nil, err
	}
	for _, s := range all {
		if s.Name == name {
			return s, nil
		}
	}
	return nil, nil
}

// listBuiltinScenarios writes the built-in scenarios for chaos -h, each
// with the first clause of its description.
func listBuiltinScenarios(w io.Writer) {
	all, err := scenario.Builtin()
	if err != nil {
		fmt.Fprintf(w, "\nbuilt-in scenarios: %v\n", err)
		return
	}
	fmt.Fprintln(w, "\nbuilt-in scenarios (-scenario NAME runs one from any folder):")
	for _, s := range all {
		what := s.Description
		if i := strings.IndexAny(what, ":;."); i > 0 {
			what = what[:i]
		}
		fmt.Fprintf(w, "  %-15s %s\n", s.Name, what)
	}
}

// runScenario runs s, writes its reports (also when interrupted) and prints
// its verdict table.
func runScenario(ctx context.Context, s *scenario.Scenario, opts chaos.Options, dir string, stdout, stderr io.Writer) (chaosRun, error) {
	if opts.Logger != nil {
		fmt.Fprintf(stderr, "chaos: %s: %s\n", s.Name, s.Description)
	}
	start := time.Now()
	res, err := chaos.Run(ctx, s, opts)
	run := chaosRun{res: res, elapsed: time.Since(start)}
	if res == nil {
		return run, err
	}
	paths, werr := chaos.WriteReports(dir, res)
	if werr != nil {
		return run, errors.Join(err, werr)
	}
	if err := chaos.WriteText(stdout, res); err != nil {
		return run, err
	}
	fmt.Fprintf(stdout, "\nreports: %s\n\n", strings.Join(paths, " "))
	if errors.Is(err, chaos.ErrInterrupted) {
		return run, fmt.Errorf("%w (faults undone; what was measured is in %s)", err, dir)
	}
	return run, err
}

// writeChaosSummary writes summary.txt: one line per scenario run.
func writeChaosSummary(dir string, prov provenance.Info, runs []chaosRun) error {
	if len(runs) == 0 {
		return nil
	}
	var b strings.Builder
	_ = prov.WriteHeader(&b, "# ")
	b.WriteString("\n")
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SCENARIO\tVARIANTS\tPASS\tFAIL\tINCONCLUSIVE\tINFO\tTOOK\tFAILED")
	for _, r := range runs {
		n := map[string]int{}
		for _, v := range r.res.Verdicts {
			n[v.Status]++
		}
		var failed []string
		for _, v := range r.res.Failed() {
			failed = append(failed, v.Invariant+" ("+v.Scope+")")
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%v\t%s\n", r.res.Scenario.Name, len(r.res.Variants),
			n[chaos.StatusPass], n[chaos.StatusFail], n[chaos.StatusInconclusive], n[chaos.StatusInfo], r.elapsed.Round(100*time.Millisecond), strings.Join(failed, "; "))
	}
	_ = tw.Flush()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "summary.txt"), []byte(b.String()), 0o644)
}

// chaosFailures returns an error naming every failed invariant, or nil.
func chaosFailures(runs []chaosRun) error {
	var failed []string
	for _, r := range runs {
		for _, v := range r.res.Failed() {
			failed = append(failed, fmt.Sprintf("%s: %s [%s]: %s (want %s)", r.res.Scenario.Name, v.Invariant, v.Scope, v.Measured, v.Want))
		}
	}
	if len(failed) == 0 {
		return nil
	}
	return fmt.Errorf("%d invariants failed:\n  %s", len(failed), strings.Join(failed, "\n  "))
}
