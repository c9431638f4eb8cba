package chaos

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/geerpclab/geerpc/chaos/scenario"
	"github.com/geerpclab/geerpc/demo"
	"github.com/geerpclab/geerpc/geerpc/xclient"
	"github.com/geerpclab/geerpc/internal/pause"
	"github.com/geerpclab/geerpc/loadgen"
)

// seqBits is how many low bits of an Echo nonce carry the call's sequence
// number; the bits above carry the variant, so that servers (and their call
// faults) can tell the clients apart.
const seqBits = 40

// variant is one client under test: a balancing mode with a fail mode, its
// own discovery, XClient and records.
type variant struct {
	idx     int
	name    string // e.g. "p2c/failover"
	mode    xclient.SelectMode
	fail    xclient.FailMode
	clk     *clock
	names   map[string]string
	disc    xclient.Discovery
	bal     *recBalancer
	x       *xclient.XClient
	rec     *recorder
	hashKey bool

	summary *loadgen.Metrics // set when its load ended
	loadErr error

	mu      sync.Mutex // protects following
	members []ViewChange
	last    []string
}

var _ loadgen.Invoker = (*variant)(nil)

// newVariants returns a variant per mode and fail mode of s; on error, the
// variants made so far are returned to be closed.
func newVariants(ctx context.Context, s *scenario.Scenario, c *cluster, clk *clock, seed uint64) ([]*variant, error) {
	var vs []*variant
	for _, fm := range s.FailModeNames() {
		for _, m := range s.ModeNames() {
			mode, _ := xclient.ParseSelectMode(m) // validated
			fail, _ := xclient.ParseFailMode(fm)
			disc, err := c.newDiscovery(ctx)
			if err != nil {
				return vs, err
			}
			vs = append(vs, newVariant(len(vs), s, c, clk, mode, fail, seed, disc))
		}
	}
	return vs, nil
}

func newVariant(idx int, s *scenario.Scenario, c *cluster, clk *clock, mode xclient.SelectMode, fail xclient.FailMode, seed uint64, disc xclient.Discovery) *variant {
	v := &variant{idx: idx, name: mode.String() + "/" + fail.String(), mode: mode, fail: fail, clk: clk,
		names: c.names, rec: newRecorder(), hashKey: mode == xclient.ConsistentHashSelect, disc: disc}
	vseed := seed*0x100000001b3 + uint64(idx) + 1
	v.bal = newRecBalancer(balancerFor(mode, vseed), clk, c.names)
	o := xclient.Options{
		Balancer: v.bal, FailMode: fail, MaxAttempts: s.Client.MaxAttempts,
		RetryRatio: s.Client.RetryRatio, Idempotent: s.Client.Idempotent, HedgeDelay: s.Client.HedgeDelay.D(),
		EjectAfter: s.Client.EjectAfter, EjectBase: s.Client.EjectBase.D(), Seed: vseed,
	}
	if fail != xclient.Failfast {
		o.AttemptTimeout = s.Client.AttemptTimeout.D()
	}
	v.x = xclient.NewXClientWithOptions(v.disc, o)
	return v
}

// balancerFor returns the built-in balancer of mode.
func balancerFor(mode xclient.SelectMode, seed uint64) xclient.Balancer {
	switch mode {
	case xclient.RoundRobinSelect:
		return xclient.NewRoundRobinBalancer()
	case xclient.WeightedRoundRobinSelect:
		return xclient.NewWeightedBalancer()
	case xclient.ConsistentHashSelect:
		return xclient.NewConsistentHashBalancer(0)
	case xclient.P2CSelect:
		return xclient.NewP2CBalancer(seed)
	}
	return xclient.NewRandomBalancer(seed)
}

// waitReady waits until the variant's discovery lists n instances.
func (v *variant) waitReady(ctx context.Context, n int) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for {
		addrs, err := v.disc.GetAll()
		if err == nil && len(addrs) == n {
			return nil
		}
		if !pause.For(ctx, 10*time.Millisecond) {
			return fmt.Errorf("geerpc: chaos: %s: discovery lists %d of %d instances: %v", v.name, len(addrs), n, err)
		}
	}
}

// warmUpRounds is how many times a variant calls each instance before the
// load starts.
const warmUpRounds = 3

// warmUp calls every instance until warmUpRounds broadcasts succeeded,
// unrecorded, so that the load's first calls find dialled connections and
// warm servers, as a long-lived client's would: a scenario measures faults,
// not dials and cold processes. A broadcast that fails (an attempt timeout
// on a busy machine) is tried again; an instance that has not answered
// within 10s is an error.
func (v *variant) warmUp(ctx context.Context, payload int) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	tg := v.target(payload)
	for i, ok := uint64(0), 0; ok < warmUpRounds; i++ {
		args, reply := tg.New(1<<seqBits - 1 - i) // nonces the load never reaches
		err := v.x.Broadcast(ctx, tg.Method, args, reply)
		switch {
		case err == nil:
			ok++
		case !pause.For(ctx, 10*time.Millisecond):
			return fmt.Errorf("geerpc: chaos: %s: warm-up: %w", v.name, err)
		}
	}
	return nil
}

// Call implements loadgen.Invoker: it calls through the XClient and records
// how the call ended and which instance its last attempt went to.
func (v *variant) Call(ctx context.Context, method string, args, reply any) error {
	a, _ := args.(demo.EchoArgs)
	var info xclient.CallInfo
	ctx = xclient.WithCallInfo(ctx, &info)
	if v.hashKey {
		ctx = xclient.WithHashKey(ctx, strconv.FormatUint(a.Nonce, 10))
	}
	start := v.clk.now()
	err := v.x.Call(ctx, method, args, reply)
	end := v.clk.now()
	r, _ := reply.(*demo.EchoReply)
	nonceOK := r != nil && r.Nonce == a.Nonce
	v.rec.ended(a.Nonce&(1<<seqBits-1), callRecord{
		start: start, end: end, deadline: deadlineOf(ctx, v.clk),
		instance: v.instanceName(info.Addr), attempts: info.Attempts, class: classify(err, nonceOK),
	}, err)
	return err
}

func (v *variant) instanceName(addr string) string {
	if n, ok := v.names[addr]; ok {
		return n
	}
	return addr
}

// target is the Echo target of the variant: nonce = variant<<seqBits | seq.
func (v *variant) target(payload int) loadgen.Target {
	return loadgen.EchoTargetFrom(payload, uint64(v.idx)<<seqBits)
}

// pollMembers records a change of the discovery's list.
func (v *variant) pollMembers() {
	addrs, _ := v.disc.GetAll()
	names := make([]string, len(addrs))
	for i, a := range addrs {
		names[i] = v.instanceName(a)
	}
	slices.Sort(names)
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.members != nil && slices.Equal(names, v.last) {
		return
	}
	v.last = names
	v.members = append(v.members, ViewChange{At: v.clk.now(), Instances: names})
}

// memberLog returns the discovery changes recorded.
func (v *variant) memberLog() []ViewChange {
	v.mu.Lock()
	defer v.mu.Unlock()
	return slices.Clone(v.members)
}

// close closes the XClient and a discovery that has a Close.
func (v *variant) close() {
	_ = v.x.Close()
	if c, ok := v.disc.(io.Closer); ok {
		_ = c.Close()
	}
}
