package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// Prefix is the etcd key prefix agents register under: an agent called
// name is the key Prefix+name, whose value is its Endpoint as JSON.
const Prefix = "/geerpc/agents/"

// DefaultTTL is the lease TTL of an agent's key when none is given.
const DefaultTTL = 5 * time.Second

// Registration is an agent's leased key in etcd. A goroutine keeps the lease
// alive; when the lease is lost it calls lost (the agent ends its run) and
// registers again, so that the agent can take part in later runs.
type Registration struct {
	cli    *clientv3.Client
	ep     Endpoint
	ttl    int64
	lost   func()
	cancel context.CancelFunc
	done   chan struct{} // closed when the keepalive goroutine returns

	mu    sync.Mutex // protects lease
	lease clientv3.LeaseID
}

// Register puts ep under Prefix+ep.Name on a lease of ttl (zero means
// DefaultTTL) and keeps it alive until Deregister. A name already
// registered is refused. lost is called whenever the lease is lost.
func Register(ctx context.Context, cli *clientv3.Client, ep Endpoint, ttl time.Duration, lost func()) (*Registration, error) {
	if ep.Name == "" || strings.Contains(ep.Name, "/") {
		return nil, fmt.Errorf("%w: agent name %q (want a non-empty name without /)", ErrBadPlan, ep.Name)
	}
	r := &Registration{cli: cli, ep: ep, ttl: int64(max(ttl, time.Second) / time.Second), lost: lost, done: make(chan struct{})}
	if ttl == 0 {
		r.ttl = int64(DefaultTTL / time.Second)
	}
	lease, err := r.put(ctx)
	if err != nil {
		return nil, err
	}
	r.lease = lease
	kctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	r.cancel = cancel
	go r.keep(kctx)
	return r, nil
}

// Key returns the registration's key.
func (r *Registration) Key() string { return Prefix + r.ep.Name }

// Lease returns the lease the key is attached to now.
func (r *Registration) Lease() clientv3.LeaseID {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lease
}

// put grants a lease and creates the key on it, unless the key exists.
func (r *Registration) put(ctx context.Context) (clientv3.LeaseID, error) {
	value, err := json.Marshal(r.ep)
	if err != nil {
		return 0, err
	}
	g, err := r.cli.Grant(ctx, r.ttl)
	if err != nil {
		return 0, fmt.Errorf("geerpc: agent: etcd lease: %w", err)
	}
	key := r.Key()
	resp, err := r.cli.Txn(ctx).
		If(clientv3.Compare(clientv3.CreateRevision(key), "=", 0)).
		Then(clientv3.OpPut(key, string(value), clientv3.WithLease(g.ID))).Commit()
	if err == nil && !resp.Succeeded {
		err = fmt.Errorf("%w: an agent called %q is registered", ErrNameTaken, r.ep.Name)
	}
	if err != nil {
		_, _ = r.cli.Revoke(context.WithoutCancel(ctx), g.ID)
		return 0, fmt.Errorf("geerpc: agent: register %s: %w", key, err)
	}
	return g.ID, nil
}

// keep keeps the lease alive until ctx ends; a lost lease calls lost and
// registers again, once a second until it succeeds.
func (r *Registration) keep(ctx context.Context) {
	defer close(r.done)
	for {
		r.mu.Lock()
		lease := r.lease
		r.mu.Unlock()
		if ch, err := r.cli.KeepAlive(ctx, lease); err == nil {
			for range ch {
			}
		}
		if ctx.Err() != nil {
			return
		}
		r.lost()
		if !r.again(ctx) {
			return
		}
	}
}

// again registers anew, retrying every second; false when ctx ends first.
func (r *Registration) again(ctx context.Context) bool {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		lease, err := r.put(pctx)
		cancel()
		if err == nil {
			r.mu.Lock()
			r.lease = lease
			r.mu.Unlock()
			return true
		}
		select {
		case <-t.C:
		case <-ctx.Done():
			return false
		}
	}
}

// Deregister stops the keepalive and revokes the lease, which deletes the
// key at once.
func (r *Registration) Deregister(ctx context.Context) error {
	r.cancel()
	<-r.done
	r.mu.Lock()
	lease := r.lease
	r.mu.Unlock()
	if _, err := r.cli.Revoke(ctx, lease); err != nil {
		return fmt.Errorf("geerpc: agent: deregister %s: %w", r.Key(), err)
	}
	return nil
}

// List returns the agents registered now, sorted by name.
func List(ctx context.Context, cli *clientv3.Client) ([]Endpoint, error) {
	resp, err := cli.Get(ctx, Prefix, clientv3.WithPrefix())
	if err != nil {
		return nil, fmt.Errorf("geerpc: agent: list %s: %w", Prefix, err)
	}
	var eps []Endpoint
	for _, kv := range resp.Kvs {
		var ep Endpoint
		if json.Unmarshal(kv.Value, &ep) == nil && ep.Addr != "" {
			eps = append(eps, ep)
		}
	}
	slices.SortFunc(eps, func(a, b Endpoint) int { return strings.Compare(a.Name, b.Name) })
	return eps, nil
}

// Find waits until at least n agents are registered and returns the first n
// by name. After wait it fails with ErrTooFewAgents, saying how many it
// found.
func Find(ctx context.Context, cli *clientv3.Client, n int, wait time.Duration) ([]Endpoint, error) {
	deadline := time.Now().Add(wait)
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		eps, err := List(ctx, cli)
		if err != nil {
			return nil, err
		}
		if len(eps) >= n {
			return eps[:n], nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%w: found %d of %d under %s after %s%s", ErrTooFewAgents, len(eps), n, Prefix, wait, names(eps))
		}
		select {
		case <-t.C:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// names lists the agents' names for a message.
func names(eps []Endpoint) string {
	if len(eps) == 0 {
		return ""
	}
	var s []string
	for _, ep := range eps {
		s = append(s, ep.Name)
	}
	return " (" + strings.Join(s, ", ") + ")"
}
