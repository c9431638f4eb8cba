package etcdregistry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// Registration is one server's key in etcd, attached to a lease that a
// background goroutine keeps alive: the lease keepalive is the heartbeat.
// When the lease is lost (for example after an etcd outage longer than the
// TTL) the goroutine grants a new lease and puts the key again, with backoff.
// A Registration is safe for concurrent use.
type Registration struct {
	cli        *clientv3.Client
	key, value string
	ttl        int64 // lease TTL in seconds
	opTimeout  time.Duration
	bo         *retrier // used by the run goroutine only
	log        *slog.Logger
	cancel     context.CancelFunc
	done       chan struct{}

	mu      sync.Mutex // protects following
	lease   clientv3.LeaseID
	closing bool
}

// Register puts the key prefix/addr, attached to a new lease of opts.TTL,
// and keeps the lease alive in the background until Deregister is called,
// ctx ends or cli is closed. An empty prefix means DefaultPrefix; addr has
// the form protocol@addr, e.g. "tcp@127.0.0.1:9999". The key's value is a
// JSON object carrying the address, the weight and the metadata. The first
// grant and put are bounded by ctx and opts.OpTimeout; if they fail, Register
// returns the error and leaves nothing behind.
//
// When ctx ends the key is deleted (the lease revoked) as by Deregister; when
// cli is closed the key stays until its lease expires, within the TTL.
// Deleting the key by hand (for example with etcdctl) takes the server out of
// discovery until its lease is lost and it registers again. One address
// should have one Registration: two would move the key between their leases.
func Register(ctx context.Context, cli *clientv3.Client, prefix, addr string, opts RegisterOptions) (*Registration, error) {
	if cli == nil {
		return nil, ErrNilClient
	}
	if err := checkAddr(addr); err != nil {
		return nil, err
	}
	r, err := newRegistration(cli, prefix, addr, opts)
	if err != nil {
		return nil, err
	}
	if r.lease, err = r.grantAndPut(ctx); err != nil {
		return nil, err
	}
	runCtx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(cli.Ctx(), cancel)
	r.cancel = func() { stop(); cancel() }
	go r.run(runCtx)
	return r, nil
}

// newRegistration builds an unstarted Registration of addr.
func newRegistration(cli *clientv3.Client, prefix, addr string, opts RegisterOptions) (*Registration, error) {
	value, err := json.Marshal(record{Addr: addr, Weight: opts.Weight, Metadata: opts.Metadata})
	if err != nil {
		return nil, fmt.Errorf("geerpc: etcd registry: encode value of %s: %w", addr, err)
	}
	ttl := orDuration(opts.TTL, DefaultTTL)
	return &Registration{
		cli:       cli,
		key:       keyFor(normPrefix(prefix), addr),
		value:     string(value),
		ttl:       int64((ttl + time.Second - 1) / time.Second),
		opTimeout: orDuration(opts.OpTimeout, DefaultOpTimeout),
		bo:        newBackoff(opts.MinBackoff, opts.MaxBackoff),
		log:       orLogger(opts.Logger),
		done:      make(chan struct{}),
	}, nil
}

// Key returns the etcd key of the registration.
func (r *Registration) Key() string { return r.key }

// Lease returns the lease the key is currently attached to; it changes when
// a lost lease is replaced.
func (r *Registration) Lease() clientv3.LeaseID {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lease
}

// Done returns a channel closed once the registration stopped keeping its
// lease alive: after Deregister, when Register's ctx ended or when the etcd
// client was closed.
func (r *Registration) Done() <-chan struct{} { return r.done }

// Deregister stops the keepalive and revokes the lease, which deletes the
// key at once. It returns ErrClosed when called again, an error wrapping
// ErrClosed when the etcd client was closed (the key then goes when its lease
// expires), and an error wrapping ctx's error if ctx ends first.
func (r *Registration) Deregister(ctx context.Context) error {
	r.mu.Lock()
	closing := r.closing
	r.closing = true
	r.mu.Unlock()
	if closing {
		return ErrClosed
	}
	r.cancel()
	select {
	case <-r.done:
	case <-ctx.Done():
		return fmt.Errorf("geerpc: etcd registry: deregister %s: %w", r.key, ctx.Err())
	}
	return r.revoke(ctx, r.Lease())
}

// grantAndPut grants a lease and puts the key on it, each request bounded by
// opTimeout. A lease whose put failed is revoked.
func (r *Registration) grantAndPut(ctx context.Context) (clientv3.LeaseID, error) {
	ctx, cancel := opContext(ctx, r.cli, r.opTimeout)
	defer cancel()
	g, err := r.cli.Grant(ctx, r.ttl)
	if err != nil {
		return 0, fmt.Errorf("geerpc: etcd registry: grant lease for %s: %w", r.key, err)
	}
	if _, err := r.cli.Put(ctx, r.key, r.value, clientv3.WithLease(g.ID)); err != nil {
		_ = r.revoke(context.WithoutCancel(ctx), g.ID) // best effort: it expires anyway
		return 0, fmt.Errorf("geerpc: etcd registry: put %s: %w", r.key, err)
	}
	return g.ID, nil
}

// revoke revokes lease; a lease already gone counts as revoked.
func (r *Registration) revoke(ctx context.Context, lease clientv3.LeaseID) error {
	if r.cli.Ctx().Err() != nil {
		return fmt.Errorf("%w: etcd client closed, %s stays until its lease expires", ErrClosed, r.key)
	}
	ctx, cancel := opContext(ctx, r.cli, r.opTimeout)
	defer cancel()
	_, err := r.cli.Revoke(ctx, lease)
	if err == nil || errors.Is(err, rpctypes.ErrLeaseNotFound) {
		return nil
	}
	return fmt.Errorf("geerpc: etcd registry: revoke lease of %s: %w", r.key, err)
}
