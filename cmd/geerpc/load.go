package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/geerpclab/geerpc/geerpc/registry/etcdregistry"
	"github.com/geerpclab/geerpc/geerpc/xclient"
	"github.com/geerpclab/geerpc/loadgen"
)

func init() {
	commands["load"] = command{
		summary: "drive load through a balancing client and report latency and per-instance shares",
		about: "Calls Echo.Echo, Arith.Add or Work.Sleep closed loop (-c workers x -inflight) or open loop (-rate) on the\n" +
			"servers of a registry, of etcd or of a list, and prints latency percentiles, outcomes and shares; each call,\n" +
			"failed or not, counts under the instance the balancer sent it to.",
		example: "geerpc load -registry 127.0.0.1:9999 -mode p2c -c 50 -d 10s",
		usage:   "load [-registry URL | -etcd ENDPOINTS | -servers tcp@a,tcp@b] [-mode p2c] [-c 100] [-rate R] [-d 30s] [-o out.json] ...",
		run:     runLoad,
	}
}

// loadConfig is the command line of geerpc load.
type loadConfig struct {
	registry, etcd, servers       string
	mode, failmode, method        string
	c, inflight, maxWorkers, size int
	rate, rampTo                  float64
	d, warmup, timeout, interval  time.Duration
	sleep, refresh                time.Duration
	out, csv                      string
	quiet, allowRemote            bool
	agents                        int           // -agents: drive the load from agents (load_agents.go)
	agentWait                     time.Duration // -agent-wait

	selectMode xclient.SelectMode
	failMode   xclient.FailMode
	targets    []loadgen.Target
}

// runLoad drives loadgen through an XClient over the discovered servers and
// prints the text summary; it writes the JSON and CSV reports when asked.
func runLoad(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseLoadFlags(args, stderr)
	if err != nil {
		return err
	}
	if cfg.agents > 0 {
		return runLoadAgents(ctx, cfg, args, stdout, stderr)
	}
	src, err := cfg.discover(ctx, stderr)
	if err != nil {
		return err
	}
	defer src.close()
	outs, err := cfg.createOutputs()
	if err != nil {
		return err
	}
	defer outs.close()
	xc := cfg.newXClient(src)
	defer xc.Close()
	fmt.Fprintf(stderr, "load: %s on %d server(s) from %s (%s, %s)\n",
		cfg.method, len(src.addrs), src.what, cfg.selectMode, cfg.failMode)
	m, err := cfg.run(ctx, xc, stderr)
	if err != nil {
		return err
	}
	return outs.write(m, stdout)
}

// newXClient returns the balancing client of the run over src's servers,
// on loopback only unless -allow-remote.
func (c *loadConfig) newXClient(src *source) *xclient.XClient {
	d := src.d
	if !c.allowRemote {
		d = loopbackOnly{d}
	}
	return xclient.NewXClientWithOptions(d, xclient.Options{Mode: c.selectMode, FailMode: c.failMode, Idempotent: true})
}

// parseLoadFlags parses and checks the command line of geerpc load.
func parseLoadFlags(args []string, stderr io.Writer) (*loadConfig, error) {
	c := &loadConfig{}
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.StringVar(&c.registry, "registry", "", "HTTP registry URL listing the servers, e.g. http://127.0.0.1:9999/_geerpc_/registry")
	fs.StringVar(&c.etcd, "etcd", "", "comma-separated etcd endpoints listing the servers, e.g. 127.0.0.1:2379")
	fs.StringVar(&c.servers, "servers", "", "comma-separated server addresses, e.g. tcp@127.0.0.1:7001,tcp@127.0.0.1:7002")
	fs.StringVar(&c.mode, "mode", "p2c", "balancing: random, roundrobin, weighted, consistenthash or p2c")
	fs.StringVar(&c.failmode, "failmode", "failfast", "on a failed call: failfast, failover or failtry (demo calls count as idempotent)")
	fs.StringVar(&c.method, "method", "Echo.Echo", "Echo.Echo, Arith.Add or Work.Sleep; a comma-separated list takes turns")
	fs.IntVar(&c.c, "c", 100, "closed loop: workers")
	fs.IntVar(&c.inflight, "inflight", 1, "closed loop: calls each worker keeps in flight")
	fs.IntVar(&c.maxWorkers, "max-workers", 0, fmt.Sprintf("open loop: most workers (0: %d)", loadgen.DefaultMaxWorkers))
	fs.Float64Var(&c.rate, "rate", 0, "calls per second, open loop (0: closed loop)")
	fs.Float64Var(&c.rampTo, "ramp-to", 0, "open loop: ramp linearly from -rate to this rate over -d")
	fs.DurationVar(&c.d, "d", 30*time.Second, "measured duration (0: until Ctrl-C)")
	fs.DurationVar(&c.warmup, "warmup", 0, "warm-up before the measurement, excluded from it")
	fs.DurationVar(&c.timeout, "timeout", time.Second, "per-call timeout (0: none)")
	fs.DurationVar(&c.interval, "interval", time.Second, "timeline interval, at least 100ms")
	fs.IntVar(&c.size, "size", 581, "Echo.Echo payload bytes")
	fs.DurationVar(&c.sleep, "sleep", 10*time.Millisecond, "Work.Sleep duration (the server adds its -latency)")
	fs.DurationVar(&c.refresh, "refresh", 2*time.Second, "-registry: how often the server list is asked for")
	fs.StringVar(&c.out, "o", "", "write the JSON report (loadgen/SCHEMA.md) to this file")
	fs.StringVar(&c.csv, "csv", "", "write the timeline as CSV to this file")
	fs.BoolVar(&c.quiet, "q", false, "no live progress line (it only shows on a terminal anyway)")
	fs.BoolVar(&c.allowRemote, "allow-remote", false, "allow a registry and servers that are not on loopback (never on the lab's shared machines)")
	addAgentFlags(fs, c)
	if err := parseFlags(fs, args, stderr); err != nil {
		return nil, err
	}
	return c, c.check()
}

// check reports the first problem of c as a usage error naming its flag,
// and resolves the mode, fail mode and targets.
func (c *loadConfig) check() error {
	if err := c.checkSource(); err != nil {
		return err
	}
	checks := []struct {
		bad bool
		msg string
	}{
		{c.c < 1, fmt.Sprintf("-c %d: want at least 1", c.c)},
		{c.inflight < 1, fmt.Sprintf("-inflight %d: want at least 1", c.inflight)},
		{c.maxWorkers < 0, fmt.Sprintf("-max-workers %d: must not be negative", c.maxWorkers)},
		{c.rate < 0, fmt.Sprintf("-rate %g: must not be negative", c.rate)},
		{c.rampTo < 0, fmt.Sprintf("-ramp-to %g: must not be negative", c.rampTo)},
		{c.rampTo > 0 && c.d <= 0, "-ramp-to needs -d, the length of the ramp"},
		{c.d < 0, fmt.Sprintf("-d %s: must not be negative", c.d)},
		{c.warmup < 0, fmt.Sprintf("-warmup %s: must not be negative", c.warmup)},
		{c.timeout < 0, fmt.Sprintf("-timeout %s: must not be negative", c.timeout)},
		{c.interval < loadgen.MinInterval, fmt.Sprintf("-interval %s: want at least %s", c.interval, loadgen.MinInterval)},
		{c.size < 0, fmt.Sprintf("-size %d: must not be negative", c.size)},
		{c.sleep < 0, fmt.Sprintf("-sleep %s: must not be negative", c.sleep)},
		{c.refresh <= 0, fmt.Sprintf("-refresh %s: must be positive", c.refresh)},
	}
	for _, k := range checks {
		if k.bad {
			return usageError{k.msg}
		}
	}
	return c.resolve()
}

// checkSource checks that exactly one of -registry, -etcd and -servers is
// given.
func (c *loadConfig) checkSource() error {
	if c.agents != 0 {
		return c.checkAgentSource()
	}
	n := 0
	for _, s := range []string{c.registry, c.etcd, c.servers} {
		if s != "" {
			n++
		}
	}
	switch {
	case n == 0:
		return usageError{"give the servers: -registry URL, -etcd ENDPOINTS or -servers tcp@a,tcp@b"}
	case n > 1:
		return usageError{"-registry, -etcd and -servers: give only one"}
	}
	if c.registry != "" {
		u, err := loopbackRegistryURL(c.registry, c.allowRemote)
		c.registry = u
		return err
	}
	return nil
}

// resolve turns the names of -mode, -failmode and -method into values.
func (c *loadConfig) resolve() error {
	var err error
	if c.selectMode, err = xclient.ParseSelectMode(c.mode); err != nil {
		return usageError{fmt.Sprintf("-mode %q: want random, roundrobin, weighted, consistenthash or p2c", c.mode)}
	}
	if c.failMode, err = xclient.ParseFailMode(c.failmode); err != nil {
		return usageError{fmt.Sprintf("-failmode %q: want failfast, failover or failtry", c.failmode)}
	}
	for _, name := range methodNames(c.method) {
		t, err := c.target(name)
		if err != nil {
			return err
		}
		c.targets = append(c.targets, t)
	}
	return nil
}

// target returns the loadgen target of one -method name.
func (c *loadConfig) target(name string) (loadgen.Target, error) {
	switch name {
	case "Echo.Echo":
		return loadgen.EchoTarget(c.size), nil
	case "Arith.Add":
		return loadgen.AddTarget(), nil
	case "Work.Sleep":
		return loadgen.SleepTarget(c.sleep), nil
	}
	return loadgen.Target{}, usageError{fmt.Sprintf("-method %q: want Echo.Echo, Arith.Add or Work.Sleep", name)}
}

// run drives the load, with a live progress line on a terminal.
func (c *loadConfig) run(ctx context.Context, xc *xclient.XClient, stderr io.Writer) (*loadgen.Metrics, error) {
	opts := c.options()
	var prog *progress
	if !c.quiet && isTerminal(stderr) {
		prog = &progress{w: stderr}
		opts.OnInterval = prog.interval
	}
	m, err := loadgen.Run(ctx, c.invoker(xc), opts)
	prog.finish()
	if err != nil {
		return nil, usageError{oneLine(err)}
	}
	return m, nil
}

// options are the loadgen options of the command line.
func (c *loadConfig) options() loadgen.Options {
	opts := loadgen.Options{
		Targets: c.targets, Concurrency: c.c, InFlight: c.inflight, MaxWorkers: c.maxWorkers,
		Duration: c.d, Warmup: c.warmup, Timeout: c.timeout, Interval: c.interval,
	}
	switch {
	case c.rampTo > 0:
		opts.Pacer = loadgen.LinearPacer{From: c.rate, To: c.rampTo, Over: c.d}
	case c.rate > 0:
		opts.Pacer = loadgen.ConstantPacer{PerSecond: c.rate}
	}
	return opts
}

// invoker returns xc, giving each call its own hash key under consistent
// hashing so that calls spread over the ring as distinct keys would. Either
// way each call counts under the instance xc sent it to.
func (c *loadConfig) invoker(xc *xclient.XClient) loadgen.InstanceInvoker {
	if c.selectMode != xclient.ConsistentHashSelect {
		return xc
	}
	return &hashKeyed{xc: xc}
}

// hashKeyed calls through an XClient with a new hash key for each call.
type hashKeyed struct {
	xc *xclient.XClient
	n  atomic.Uint64
}

// Call implements loadgen.Invoker.
func (h *hashKeyed) Call(ctx context.Context, serviceMethod string, args, reply any) error {
	_, err := h.CallInstance(ctx, serviceMethod, args, reply)
	return err
}

// CallInstance implements loadgen.InstanceInvoker.
func (h *hashKeyed) CallInstance(ctx context.Context, serviceMethod string, args, reply any) (string, error) {
	key := strconv.FormatUint(h.n.Add(1), 10)
	return h.xc.CallInstance(xclient.WithHashKey(ctx, key), serviceMethod, args, reply)
}

// source is where the servers of a load run come from.
type source struct {
	d     xclient.Discovery
	what  string   // the flag and its value, for messages
	addrs []string // the servers known when the run starts
	stop  func()   // releases d; nil when there is nothing to release
}

func (s *source) close() {
	if s.stop != nil {
		s.stop()
	}
}

// discover builds the discovery of -registry, -etcd or -servers and checks
// that it lists reachable loopback servers.
func (c *loadConfig) discover(ctx context.Context, stderr io.Writer) (*source, error) {
	var src *source
	var err error
	switch {
	case c.registry != "":
		src, err = c.discoverRegistry(ctx)
	case c.etcd != "":
		src, err = c.discoverEtcd(ctx)
	default:
		src, err = c.discoverServers(ctx, stderr)
	}
	if err != nil {
		return nil, err
	}
	if err := c.checkTargets(src); err != nil {
		src.close()
		return nil, err
	}
	return src, nil
}

// discoverRegistry lists the servers of the HTTP registry.
func (c *loadConfig) discoverRegistry(ctx context.Context) (*source, error) {
	addrs, err := registryServers(ctx, c.registry, c.allowRemote)
	if err != nil {
		return nil, err
	}
	d := xclient.NewGeeRegistryDiscoveryWithOptions(c.registry, xclient.GeeRegistryDiscoveryOptions{Interval: c.refresh})
	return &source{d: d, what: "-registry " + c.registry, addrs: addrs}, nil
}

// discoverEtcd watches the servers registered in etcd.
func (c *loadConfig) discoverEtcd(ctx context.Context) (*source, error) {
	cli, err := newEtcdClient(ctx, c.etcd)
	if err != nil {
		return nil, err
	}
	d, err := etcdregistry.NewDiscovery(ctx, cli, "", etcdregistry.DiscoveryOptions{})
	if err != nil {
		_ = cli.Close()
		return nil, usageError{fmt.Sprintf("-etcd %s: %v", c.etcd, oneLine(err))}
	}
	addrs, _ := d.GetAll()
	return &source{d: d, what: "-etcd " + c.etcd, addrs: addrs, stop: func() { _ = d.Close(); _ = cli.Close() }}, nil
}

// discoverServers checks the -servers list and that at least one of them
// answers; the others are reported on stderr.
func (c *loadConfig) discoverServers(ctx context.Context, stderr io.Writer) (*source, error) {
	addrs, err := parseServers("-servers", c.servers)
	if err != nil {
		return nil, err
	}
	if err := checkLoopbackAll("-servers", addrs, c.allowRemote); err != nil {
		return nil, err
	}
	down := unreachable(ctx, addrs)
	if len(down) == len(addrs) {
		return nil, usageError{"-servers: unreachable: " + strings.Join(down, ", ")}
	}
	for _, d := range down {
		fmt.Fprintf(stderr, "load: warning: %s unreachable for now\n", d)
	}
	return &source{d: xclient.NewMultiServerDiscovery(addrs), what: "-servers", addrs: addrs}, nil
}

// methodNames splits a -method list at its commas and trims each name.
func methodNames(list string) []string {
	names := strings.Split(list, ",")
	for i, n := range names {
		names[i] = strings.TrimSpace(n)
	}
	return names
}

// checkTargets checks that the source lists servers, all on loopback unless
// -allow-remote.
func (c *loadConfig) checkTargets(src *source) error {
	return checkListed(src.what, src.addrs, c.allowRemote)
}

// loopbackOnly is a Discovery that hides the servers of its Discovery that
// are not on loopback, so that servers registered during a run cannot make
// it load another machine.
type loopbackOnly struct{ xclient.Discovery }

var _ xclient.WeightedDiscovery = loopbackOnly{}

// Get returns the server of the inner Get if it is on loopback.
func (l loopbackOnly) Get(mode xclient.SelectMode) (string, error) {
	addr, err := l.Discovery.Get(mode)
	if err == nil && !isLoopback(addr) {
		return "", fmt.Errorf("%w: %s is not on loopback", xclient.ErrNoInstances, addr)
	}
	return addr, err
}

// GetAll returns the inner servers that are on loopback.
func (l loopbackOnly) GetAll() ([]string, error) {
	ins, err := l.GetAllWeighted()
	addrs := make([]string, len(ins))
	for i, in := range ins {
		addrs[i] = in.Addr
	}
	return addrs, err
}

// GetAllWeighted returns the inner servers that are on loopback, with their
// weights (1 when the inner Discovery has none).
func (l loopbackOnly) GetAllWeighted() ([]xclient.Instance, error) {
	var ins []xclient.Instance
	var err error
	if wd, ok := l.Discovery.(xclient.WeightedDiscovery); ok {
		ins, err = wd.GetAllWeighted()
	} else {
		var addrs []string
		addrs, err = l.Discovery.GetAll()
		for _, a := range addrs {
			ins = append(ins, xclient.Instance{Addr: a, Weight: 1})
		}
	}
	if err != nil {
		return nil, err
	}
	ins = slices.DeleteFunc(ins, func(in xclient.Instance) bool { return !isLoopback(in.Addr) })
	if len(ins) == 0 {
		return nil, fmt.Errorf("%w on loopback", xclient.ErrNoInstances)
	}
	return ins, nil
}

// outputs are the report files of a load run.
type outputs struct {
	json, csv *os.File
}

// createOutputs creates the -o and -csv files before the run, so that a bad
// path fails at once.
func (c *loadConfig) createOutputs() (*outputs, error) {
	o := &outputs{}
	var err error
	if c.out != "" {
		if o.json, err = os.Create(c.out); err != nil {
			return nil, usageError{fmt.Sprintf("-o: %v", err)}
		}
	}
	if c.csv != "" {
		if o.csv, err = os.Create(c.csv); err != nil {
			o.close()
			return nil, usageError{fmt.Sprintf("-csv: %v", err)}
		}
	}
	return o, nil
}

// write prints the text summary and writes the files.
func (o *outputs) write(m *loadgen.Metrics, stdout io.Writer) error {
	if err := loadgen.WriteText(stdout, m); err != nil {
		return err
	}
	return o.writeFiles(stdout,
		func(w io.Writer) error { return loadgen.WriteJSON(w, m) },
		func(w io.Writer) error { return loadgen.WriteCSV(w, m) })
}

// writeFiles writes the -o file with writeJSON and the -csv file with
// writeCSV, and says so on stdout.
func (o *outputs) writeFiles(stdout io.Writer, writeJSON, writeCSV func(io.Writer) error) error {
	for _, f := range []struct {
		file  *os.File
		write func(io.Writer) error
	}{{o.json, writeJSON}, {o.csv, writeCSV}} {
		if f.file == nil {
			continue
		}
		err := f.write(f.file)
		if cerr := f.file.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("%s: %w", f.file.Name(), err)
		}
		fmt.Fprintf(stdout, "wrote %s\n", f.file.Name())
	}
	return nil
}

// close closes the files (a second Close of a written file does nothing).
func (o *outputs) close() {
	for _, f := range []*os.File{o.json, o.csv} {
		if f != nil {
			_ = f.Close()
		}
	}
}
