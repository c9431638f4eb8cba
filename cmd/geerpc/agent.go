package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"

	"github.com/geerpclab/geerpc/geerpc"
	"github.com/geerpclab/geerpc/loadgen/agent"
	clientv3 "go.etcd.io/etcd/client/v3"
)

func init() {
	commands["agent"] = command{
		summary: "serve load runs to a coordinating geerpc load -agents, found through etcd",
		about: "Serves the agents' control service over geerpc, registers it in etcd under a leased key\n" +
			"/geerpc/agents/NAME and waits for runs: geerpc load -etcd ENDPOINTS -agents N gives each agent its\n" +
			"share and merges their results. Ctrl-C or SIGTERM deregisters it; a lost lease ends the run it is in.\n" +
			"Servers off loopback are refused unless -allow-remote.",
		example: "geerpc agent -etcd 127.0.0.1:2379 -name a1",
		usage:   "agent -etcd ENDPOINTS [-name NAME] [-listen 127.0.0.1:0] [-advertise ADDR] [-allow-remote]",
		run:     runAgent,
	}
}

// agentConfig is the command line of geerpc agent.
type agentConfig struct {
	etcd, name, listen, advertise string
	ttl                           time.Duration
	allowRemote                   bool
}

// parseAgentFlags parses and checks the command line of geerpc agent.
func parseAgentFlags(args []string, stderr io.Writer) (*agentConfig, error) {
	c := &agentConfig{}
	host, _ := os.Hostname()
	fs := flag.NewFlagSet("agent", flag.ContinueOnError)
	fs.StringVar(&c.etcd, "etcd", "", "comma-separated etcd endpoints to register in, e.g. 127.0.0.1:2379")
	fs.StringVar(&c.name, "name", fmt.Sprintf("%s-%d", host, os.Getpid()), "the agent's name, unique among the agents")
	fs.StringVar(&c.listen, "listen", "127.0.0.1:0", "host:port the control service listens on")
	fs.StringVar(&c.advertise, "advertise", "", "the address coordinators dial, tcp@host:port (default: the address listened on)")
	fs.DurationVar(&c.ttl, "ttl", agent.DefaultTTL, "lease TTL of the agent's key: how long it outlives a crash")
	fs.BoolVar(&c.allowRemote, "allow-remote", false, "accept runs whose servers are not on loopback (never on the lab's shared machines)")
	if err := parseFlags(fs, args, stderr); err != nil {
		return nil, err
	}
	switch {
	case c.etcd == "":
		return nil, usageError{"give -etcd ENDPOINTS, where the agent registers"}
	case c.name == "" || strings.Contains(c.name, "/"):
		return nil, usageError{fmt.Sprintf("-name %q: want a non-empty name without /", c.name)}
	case c.ttl < time.Second:
		return nil, usageError{fmt.Sprintf("-ttl %s: want at least 1s", c.ttl)}
	}
	if c.advertise != "" && !strings.Contains(c.advertise, "@") {
		c.advertise = "tcp@" + c.advertise
	}
	return c, nil
}

// runAgent serves the control service, registers it and waits until ctx
// ends, then deregisters and ends any run.
func runAgent(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseAgentFlags(args, stderr)
	if err != nil {
		return err
	}
	cli, err := newEtcdClient(ctx, cfg.etcd)
	if err != nil {
		return err
	}
	defer cli.Close()
	lis, err := net.Listen("tcp", cfg.listen)
	if err != nil {
		return usageError{fmt.Sprintf("-listen %s: %v", cfg.listen, err)}
	}
	a := agent.New(cfg.name, agentBuilder(cfg.allowRemote, cfg.name, stderr))
	srv := geerpc.NewServer()
	if err := srv.RegisterName(agent.ServiceName, a.Control()); err != nil {
		return err
	}
	sctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	served := make(chan error, 1)
	go func() { served <- srv.Serve(sctx, lis) }()
	defer func() { stop(); <-served; shutdown(srv) }()
	defer a.Close()
	ep := agent.Endpoint{Name: cfg.name, Addr: cmp.Or(cfg.advertise, "tcp@"+lis.Addr().String())}
	reg, err := register(ctx, cli, ep, cfg.ttl, func() {
		fmt.Fprintf(stderr, "agent %s: etcd lease lost: ending the run, registering again\n", cfg.name)
		a.LeaseLost()
	})
	if err != nil {
		return usageError{fmt.Sprintf("-etcd %s: %s", cfg.etcd, oneLine(err))}
	}
	fmt.Fprintf(stdout, "agent %s: serving %s, registered as %s\n", cfg.name, ep.Addr, reg.Key())
	<-ctx.Done()
	dctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := reg.Deregister(dctx); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "agent %s: deregistered\n", cfg.name)
	return nil
}

// register registers ep; while its name is taken it tries again every
// 500ms for up to two TTLs, so that an agent restarted after a crash waits
// for its old key's lease to expire.
func register(ctx context.Context, cli *clientv3.Client, ep agent.Endpoint, ttl time.Duration, lost func()) (*agent.Registration, error) {
	deadline := time.Now().Add(2 * ttl)
	for {
		reg, err := agent.Register(ctx, cli, ep, ttl, lost)
		if !errors.Is(err, agent.ErrNameTaken) || time.Now().After(deadline) {
			return reg, err
		}
		select {
		case <-time.After(500 * time.Millisecond):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// shutdown closes srv's connections, giving calls in flight 5s.
func shutdown(srv *geerpc.Server) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(ctx)
}

// agentBuilder makes an agent's job from the coordinator's load command
// line, as geerpc load would: the same flags, discovery and balancing. Off
// loopback servers are refused unless the agent allows them, whatever the
// coordinator's -allow-remote.
func agentBuilder(allowRemote bool, name string, stderr io.Writer) agent.Builder {
	return func(ctx context.Context, p agent.Plan) (*agent.Job, error) {
		cfg, err := parseLoadFlags(p.Args, io.Discard)
		if err != nil {
			return nil, fmt.Errorf("the plan's load flags: %w", err)
		}
		cfg.allowRemote, cfg.agents = allowRemote, 0
		if cfg.registry != "" || cfg.servers != "" {
			cfg.etcd = "" // -etcd found the agents; the servers come from elsewhere
		}
		src, err := cfg.discover(ctx, io.Discard)
		if err != nil {
			return nil, err
		}
		xc := cfg.newXClient(src)
		fmt.Fprintf(stderr, "agent %s: run of %s on %d server(s) from %s\n", name, cfg.method, len(src.addrs), src.what)
		return &agent.Job{
			Invoker: cfg.invoker(xc), Options: cfg.options(),
			Close: func() { _ = xc.Close(); src.close() },
		}, nil
	}
}
