package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/geerpclab/geerpc/demo"
	"github.com/geerpclab/geerpc/geerpc"
	"github.com/geerpclab/geerpc/geerpc/registry"
	"github.com/geerpclab/geerpc/geerpc/registry/etcdregistry"
)

func init() {
	commands["serve"] = command{
		summary: "run one instance of the demo services, registered and heartbeating",
		about: "Serves Arith, Echo and Work and the debug page and prints its address; on Ctrl-C or SIGTERM it deregisters,\n" +
			"lets the calls in flight finish within -grace and exits 0. With -faults (loopback only) it also serves the\n" +
			"FaultControl service through which the chaos harness drops, delays or aborts its replies and stops its heartbeats.",
		example: "geerpc serve -registry 127.0.0.1:9999 -latency 2ms",
		usage:   "serve [-addr tcp@127.0.0.1:0] [-registry URL | -etcd ENDPOINTS] [-heartbeat 10s] [-latency 0] [-service-time 0] [-faults] ...",
		run:     runServe,
	}
}

// serveConfig is the command line of geerpc serve.
type serveConfig struct {
	addr, advertise, name, debug string
	registry, etcd, token        string
	heartbeat, latency, grace    time.Duration
	serviceTime                  time.Duration
	weight                       int
	verbose, faults              bool
}

// instance is one running geerpc serve: the RPC server and its listeners.
type instance struct {
	cfg    serveConfig
	srv    *geerpc.Server
	addr   string        // the address registered, and the instance name unless -name
	rpc    *http.Server  // http@ only: serves CONNECT and the debug page on the RPC listener
	debug  *http.Server  // the separate debug page, nil when -debug is empty
	rpcErr chan error    // the RPC listener's serving result
	dbgErr chan error    // the debug listener's serving result
	stderr io.Writer     // for heartbeat logs
	dereg  func() error  // stops heartbeating and deregisters; nil when not registered
	hb     *heartbeats   // the HTTP registry's heartbeats; nil without -registry
	faults *callFaults   // -faults only
	stop   chan struct{} // closed once the server shut down: ends injected delays
	lis    net.Listener  // the RPC listener
	dlis   net.Listener  // the debug listener, nil when -debug is empty
}

// runServe serves the demo services until ctx ends, then deregisters and
// shuts down gracefully.
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseServeFlags(args, stderr)
	if err != nil {
		return err
	}
	in, err := listenInstance(cfg, stderr)
	if err != nil {
		return err
	}
	in.start(ctx)
	if err := in.register(ctx); err != nil {
		_ = in.shutdown(stdout)
		return err
	}
	in.announce(stdout)
	select {
	case err = <-in.rpcErr:
	case err = <-in.dbgErr:
	case <-ctx.Done():
	}
	if serr := in.shutdown(stdout); err == nil {
		err = serr
	}
	if err == nil {
		fmt.Fprintln(stdout, "stopped")
	}
	return err
}

// parseServeFlags parses and checks the command line of geerpc serve.
func parseServeFlags(args []string, stderr io.Writer) (serveConfig, error) {
	var c serveConfig
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.StringVar(&c.addr, "addr", "tcp@127.0.0.1:0", "address to serve: tcp@host:port, unix@/path.sock or http@host:port (port 0 picks a free one)")
	fs.StringVar(&c.advertise, "advertise", "", "address to register, when others must dial another than -addr (empty: the listening address)")
	fs.StringVar(&c.name, "name", "", "instance name carried in Echo and Work replies (empty: the registered address)")
	fs.StringVar(&c.debug, "debug", "127.0.0.1:0", "host:port of the debug page (empty: none)")
	fs.StringVar(&c.registry, "registry", "", "HTTP registry URL to heartbeat to, e.g. http://127.0.0.1:9999/_geerpc_/registry")
	fs.StringVar(&c.etcd, "etcd", "", "comma-separated etcd endpoints to register in, e.g. 127.0.0.1:2379")
	fs.StringVar(&c.token, "token", "", "token the HTTP registry requires (empty: none)")
	fs.DurationVar(&c.heartbeat, "heartbeat", 10*time.Second, "heartbeat period (etcd: the lease TTL is three periods)")
	fs.DurationVar(&c.latency, "latency", 0, "extra latency added to every Work.Sleep")
	fs.DurationVar(&c.serviceTime, "service-time", 0, "time every Echo.Echo call takes before it answers (a chaos scenario's service_time)")
	fs.DurationVar(&c.grace, "grace", 10*time.Second, "on Ctrl-C, how long calls in flight may take to finish")
	fs.IntVar(&c.weight, "weight", 1, fmt.Sprintf("balancing weight, 1..%d", registry.MaxWeight))
	fs.BoolVar(&c.verbose, "v", false, "log why connections close")
	fs.BoolVar(&c.faults, "faults", false, "serve the FaultControl service on the RPC address, through which a chaos harness sets call faults\n"+
		"(drop, delay or abort replies, seeded) and stops or resumes the heartbeats; -addr must be loopback or a unix socket")
	if err := parseFlags(fs, args, stderr); err != nil {
		return c, err
	}
	return c, c.check()
}

// check reports the first problem of c as a usage error naming its flag.
func (c *serveConfig) check() error {
	switch {
	case c.registry != "" && c.etcd != "":
		return usageError{"-registry and -etcd: give one registry, not both"}
	case c.weight < 1 || c.weight > registry.MaxWeight:
		return usageError{fmt.Sprintf("-weight %d: want 1..%d", c.weight, registry.MaxWeight)}
	case c.heartbeat <= 0:
		return usageError{fmt.Sprintf("-heartbeat %s: must be positive", c.heartbeat)}
	case c.latency < 0:
		return usageError{fmt.Sprintf("-latency %s: must not be negative", c.latency)}
	case c.serviceTime < 0:
		return usageError{fmt.Sprintf("-service-time %s: must not be negative", c.serviceTime)}
	case c.grace < 0:
		return usageError{fmt.Sprintf("-grace %s: must not be negative", c.grace)}
	}
	if c.registry != "" {
		u, err := registryURL(c.registry)
		if err != nil {
			return err
		}
		c.registry = u
	}
	return nil
}

// listenInstance opens the RPC and debug listeners and registers the demo
// services on a new server.
func listenInstance(cfg serveConfig, stderr io.Writer) (*instance, error) {
	proto, lis, err := listenRPC(cfg.addr)
	if err != nil {
		return nil, err
	}
	in := &instance{cfg: cfg, lis: lis, stderr: stderr, rpcErr: make(chan error, 1), dbgErr: make(chan error, 1), stop: make(chan struct{})}
	in.addr = proto + "@" + lis.Addr().String()
	if cfg.advertise != "" {
		in.addr = cfg.advertise
	}
	if err := in.setup(proto); err != nil {
		_ = lis.Close()
		return nil, err
	}
	if cfg.debug != "" {
		if in.dlis, err = listenTCP("-debug", cfg.debug); err != nil {
			_ = lis.Close()
			return nil, err
		}
	}
	return in, nil
}

// setup checks the advertised address and makes the server.
func (in *instance) setup(proto string) error {
	if in.cfg.registry != "" || in.cfg.etcd != "" || in.cfg.advertise != "" {
		if err := registry.CheckAddr(in.addr); err != nil {
			return usageError{fmt.Sprintf("address to register %q: %v", in.addr, err)}
		}
	}
	var opts geerpc.ServerOptions
	if in.cfg.verbose {
		opts.Logger = slog.New(slog.NewTextHandler(in.stderr, nil))
	}
	if in.cfg.faults {
		if err := checkFaultsAddr(in.cfg.addr, in.lis.Addr()); err != nil {
			return err
		}
	}
	if in.cfg.faults || in.cfg.serviceTime > 0 {
		faults, ic := newCallFaults(in.cfg.serviceTime, in.stop)
		opts.Interceptor = ic
		if in.cfg.faults {
			in.faults = faults // without -faults no control service drives them
		}
	}
	in.srv = geerpc.NewServerWithOptions(opts)
	name := in.cfg.name
	if name == "" {
		name = in.addr
	}
	if _, err := demo.RegisterAll(in.srv, demo.Config{Instance: name, Latency: in.cfg.latency}); err != nil {
		return err
	}
	if in.cfg.registry != "" {
		in.hb = &heartbeats{url: in.cfg.registry, addr: in.addr, opts: registry.HeartbeatOptions{
			Period: in.cfg.heartbeat, Weight: in.cfg.weight, Token: in.cfg.token,
			Timeout: min(in.cfg.heartbeat, 5*time.Second), Logger: slog.New(slog.NewTextHandler(in.stderr, nil)),
		}}
	}
	if err := in.registerControl(); err != nil {
		return err
	}
	if proto == "http" {
		in.rpc = newHTTPServer(in.srv.Handler())
	}
	return nil
}

// listenRPC listens on a protocol@addr address that serve supports.
func listenRPC(addr string) (proto string, lis net.Listener, err error) {
	proto, a, err := geerpc.ParseAddr(addr)
	if err != nil {
		return "", nil, usageError{fmt.Sprintf("-addr %q: want tcp@host:port, unix@/path.sock or http@host:port", addr)}
	}
	network := proto
	switch proto {
	case "tcp", "tcp4", "tcp6":
	case "http":
		network = "tcp"
	case "unix":
	default:
		return "", nil, usageError{fmt.Sprintf("-addr %q: serve supports tcp@, unix@ and http@ addresses", addr)}
	}
	if lis, err = net.Listen(network, a); err != nil {
		return "", nil, usageError{fmt.Sprintf("-addr %q: %v", addr, err)}
	}
	return proto, lis, nil
}

// start serves the RPC and debug listeners in the background.
func (in *instance) start(ctx context.Context) {
	if in.rpc != nil {
		go func() { in.rpcErr <- in.rpc.Serve(in.lis) }()
	} else {
		go func() { in.rpcErr <- in.srv.Serve(ctx, in.lis) }()
	}
	if in.dlis != nil {
		mux := http.NewServeMux()
		mux.Handle(geerpc.DefaultDebugPath, in.srv.DebugHandler())
		in.debug = newHTTPServer(mux)
		go func() { in.dbgErr <- in.debug.Serve(in.dlis) }()
	}
}

// announce prints the instance's address, debug page and registration.
func (in *instance) announce(stdout io.Writer) {
	fmt.Fprintf(stdout, "serving %s (services Arith, Echo, Work; extra latency %s)\n", in.addr, in.cfg.latency)
	if in.dlis != nil {
		fmt.Fprintf(stdout, "debug page http://%s%s\n", in.dlis.Addr(), geerpc.DefaultDebugPath)
	}
	if in.rpc != nil {
		fmt.Fprintf(stdout, "debug page http://%s%s\n", in.lis.Addr(), geerpc.DefaultDebugPath)
	}
	switch {
	case in.cfg.registry != "":
		fmt.Fprintf(stdout, "heartbeat to %s every %s\n", in.cfg.registry, in.cfg.heartbeat)
	case in.cfg.etcd != "":
		fmt.Fprintf(stdout, "registered in etcd %s, lease TTL %s\n", in.cfg.etcd, 3*in.cfg.heartbeat)
	}
}

// shutdown deregisters the instance, lets the calls in flight finish within
// -grace and closes the listeners.
func (in *instance) shutdown(stdout io.Writer) error {
	var err error
	if in.dereg != nil {
		err = in.dereg()
		fmt.Fprintln(stdout, "deregistered")
	}
	ctx, cancel := context.WithTimeout(context.Background(), in.cfg.grace)
	defer cancel()
	if in.rpc != nil {
		_ = in.rpc.Close() // hijacked connections stay with srv, which drains them
	}
	serr := in.srv.Shutdown(ctx)
	close(in.stop)
	if serr != nil && err == nil {
		err = fmt.Errorf("calls still in flight after -grace %s: %w", in.cfg.grace, serr)
	}
	_ = in.lis.Close()
	if in.debug != nil {
		_ = shutdownHTTP(in.debug, in.dbgErr)
	}
	return err
}

// register starts the heartbeat to the HTTP registry or the etcd
// registration, after checking that the registry answers.
func (in *instance) register(ctx context.Context) error {
	switch {
	case in.cfg.registry != "":
		return in.heartbeatHTTP(ctx)
	case in.cfg.etcd != "":
		return in.registerEtcd(ctx)
	}
	return nil
}

// heartbeatHTTP heartbeats to the HTTP registry in the background; dereg
// stops it and deregisters.
func (in *instance) heartbeatHTTP(ctx context.Context) error {
	if err := registerOnce(ctx, in.cfg.registry, in.addr, in.cfg.weight, in.cfg.token); err != nil {
		return err
	}
	_ = in.hb.StartHeartbeat()
	in.dereg = in.hb.deregister
	return nil
}

// registerEtcd registers the instance in etcd under a lease kept alive in
// the background; dereg revokes it and closes the client.
func (in *instance) registerEtcd(ctx context.Context) error {
	cli, err := newEtcdClient(ctx, in.cfg.etcd)
	if err != nil {
		return err
	}
	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	reg, err := etcdregistry.Register(rctx, cli, "", in.addr, etcdregistry.RegisterOptions{
		TTL: 3 * in.cfg.heartbeat, Weight: in.cfg.weight, Logger: slog.New(slog.NewTextHandler(in.stderr, nil)),
	})
	if err != nil {
		cancel()
		_ = cli.Close()
		return usageError{fmt.Sprintf("-etcd %s: register: %v", in.cfg.etcd, err)}
	}
	in.dereg = func() error {
		defer cli.Close()
		defer cancel()
		dctx, dcancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer dcancel()
		return reg.Deregister(dctx)
	}
	return nil
}

// registerOnce sends one heartbeat within probeTimeout, so that an
// unreachable registry, a wrong token or a full registry are usage errors
// rather than heartbeats retried for ever.
func registerOnce(ctx context.Context, registryURL, addr string, weight int, token string) error {
	pctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(pctx, http.MethodPost, registryURL, nil)
	if err != nil {
		return usageError{fmt.Sprintf("-registry %s: %v", registryURL, oneLine(err))}
	}
	req.Header.Set(registry.ServerHeader, addr)
	req.Header.Set(registry.WeightHeader, strconv.Itoa(weight))
	if token != "" {
		req.Header.Set(registry.TokenHeader, token)
	}
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Do(req)
	if err != nil {
		return usageError{fmt.Sprintf("-registry %s: unreachable: %v", registryURL, oneLine(err))}
	}
	_ = resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusUnauthorized:
		return usageError{fmt.Sprintf("-token: the registry %s refused it (%s)", registryURL, resp.Status)}
	case resp.StatusCode/100 != 2:
		return usageError{fmt.Sprintf("-registry %s: registering %s: %s", registryURL, addr, resp.Status)}
	}
	return nil
}
