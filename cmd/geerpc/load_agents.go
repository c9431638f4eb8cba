package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/geerpclab/geerpc/loadgen"
	"github.com/geerpclab/geerpc/loadgen/agent"
)

// addAgentFlags adds the flags of geerpc load that spread the load over
// agents.
func addAgentFlags(fs *flag.FlagSet, c *loadConfig) {
	fs.IntVar(&c.agents, "agents", 0, "drive the load from N agents registered in -etcd (geerpc agent), merged into one report")
	fs.DurationVar(&c.agentWait, "agent-wait", 30*time.Second, "-agents: how long to wait for N agents to register")
}

// checkAgentSource checks the command line of a run over agents: -etcd
// finds the agents; the servers come from -registry or -servers if given,
// else from the same etcd.
func (c *loadConfig) checkAgentSource() error {
	switch {
	case c.agents < 0:
		return usageError{fmt.Sprintf("-agents %d: must not be negative", c.agents)}
	case c.etcd == "":
		return usageError{"-agents needs -etcd ENDPOINTS, where the agents register"}
	case c.registry != "" && c.servers != "":
		return usageError{"-registry and -servers: give only one"}
	case c.agentWait <= 0:
		return usageError{fmt.Sprintf("-agent-wait %s: must be positive", c.agentWait)}
	case c.rate == 0 && c.c < c.agents:
		return usageError{fmt.Sprintf("-c %d: fewer workers than -agents %d", c.c, c.agents)}
	}
	if c.registry != "" {
		u, err := loopbackRegistryURL(c.registry, c.allowRemote)
		c.registry = u
		return err
	}
	return nil
}

// runLoadAgents finds -agents agents in etcd, drives the run through them
// and writes the merged report. A partial run (an agent failed) is an error
// after the report is written.
func runLoadAgents(ctx context.Context, cfg *loadConfig, args []string, stdout, stderr io.Writer) error {
	setup, err := cfg.options().Describe()
	if err != nil {
		return usageError{oneLine(err)}
	}
	eps, err := findAgents(ctx, cfg)
	if err != nil {
		return err
	}
	outs, err := cfg.createOutputs()
	if err != nil {
		return err
	}
	defer outs.close()
	fmt.Fprintf(stderr, "load: %s from %d agents (%s) found in -etcd %s\n", cfg.method, len(eps), agentNames(eps), cfg.etcd)
	var prog *progress
	acfg := agent.Config{Agents: eps, Setup: setup, Plan: agent.Plan{Args: args, Interval: cfg.interval, Warmup: cfg.warmup}}
	if !cfg.quiet && isTerminal(stderr) {
		prog = &progress{w: stderr}
		acfg.OnInterval = prog.interval
	}
	r, err := agent.Coordinate(ctx, acfg)
	prog.finish()
	if err != nil {
		return usageError{oneLine(err)}
	}
	if err := agent.WriteText(stdout, r); err != nil {
		return err
	}
	err = outs.writeFiles(stdout,
		func(w io.Writer) error { return agent.WriteJSON(w, r) },
		func(w io.Writer) error { return loadgen.WriteCSV(w, r.Metrics) })
	if err == nil && r.Partial {
		err = errPartial
	}
	return err
}

// errPartial is the error of a run that an agent did not complete.
var errPartial = errors.New("geerpc: partial run: an agent did not complete its share (see the agents' table)")

// findAgents connects to -etcd and waits for -agents agents; too few is a
// usage error naming how many were found.
func findAgents(ctx context.Context, cfg *loadConfig) ([]agent.Endpoint, error) {
	cli, err := newEtcdClient(ctx, cfg.etcd)
	if err != nil {
		return nil, err
	}
	defer cli.Close()
	eps, err := agent.Find(ctx, cli, cfg.agents, cfg.agentWait)
	if err != nil {
		return nil, usageError{fmt.Sprintf("-agents %d: %s", cfg.agents, oneLine(err))}
	}
	return eps, nil
}

// agentNames lists the agents' names.
func agentNames(eps []agent.Endpoint) string {
	names := make([]string, len(eps))
	for i, ep := range eps {
		names[i] = ep.Name
	}
	return strings.Join(names, ", ")
}
