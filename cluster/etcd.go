package cluster

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"

	"github.com/geerpclab/geerpc/geerpc/registry/etcdregistry"
	"github.com/geerpclab/geerpc/internal/embedetcd"
)

// ErrNotRegistered is wrapped when an instance has no key in etcd.
var ErrNotRegistered = errors.New("geerpc: cluster: instance not registered in etcd")

// etcdTimeout bounds each request the harness makes to etcd, and the
// first connection of a client: generous, as a busy machine is slow.
const etcdTimeout = 5 * time.Second

// Etcd is the cluster's etcd registry: one embedded in this process, or a
// user's running on loopback. Instances register under
// etcdregistry.DefaultPrefix, each key on a lease of the cluster's TTL, each
// through a relay of its own to the first endpoint, which LoseLease holds;
// Etcd's own client lists the keys and revokes leases.
type Etcd struct {
	opts      Options
	endpoints []string
	cli       *clientv3.Client
	srv       *embed.Etcd // nil for a user's etcd
	dir       string      // the embedded etcd's data, removed on close

	mu     sync.Mutex        // protects following
	relays map[string]*relay // by instance address
}

// startEtcd connects to the etcd of opts, embedding one when opts name
// none; on error nothing is left running.
func startEtcd(ctx context.Context, opts Options) (*Etcd, error) {
	e := &Etcd{opts: opts, endpoints: opts.Etcd, relays: map[string]*relay{}}
	if len(e.endpoints) == 0 {
		if err := e.embed(); err != nil {
			return nil, err
		}
	} else if err := checkLoopback(e.endpoints); err != nil {
		return nil, err
	}
	cli, err := newEtcdClient(ctx, e.endpoints)
	if err != nil {
		e.stopEmbedded()
		return nil, err
	}
	e.cli = cli
	return e, nil
}

// embed starts an etcd in this process on free loopback ports.
func (e *Etcd) embed() error {
	dir, err := os.MkdirTemp("", "geerpc-cluster-etcd-")
	if err != nil {
		return fmt.Errorf("geerpc: cluster: etcd: %w", err)
	}
	srv, err := embedetcd.Start(dir, "127.0.0.1:0", "127.0.0.1:0")
	if err != nil {
		_ = os.RemoveAll(dir)
		return fmt.Errorf("geerpc: cluster: %w", err)
	}
	e.srv, e.dir, e.endpoints = srv, dir, []string{srv.Clients[0].Addr().String()}
	return nil
}

// checkLoopback refuses an endpoint that is not a loopback host:port.
func checkLoopback(endpoints []string) error {
	for _, ep := range endpoints {
		host, _, err := net.SplitHostPort(ep)
		ip := net.ParseIP(host)
		if err != nil || (host != "localhost" && (ip == nil || !ip.IsLoopback())) {
			return fmt.Errorf("%w: etcd endpoint %q: want a loopback host:port", ErrBadOptions, ep)
		}
	}
	return nil
}

// DialEtcd connects to the etcd at endpoints, which must be loopback
// host:port, and checks within 5s that it answers; the caller closes the
// client.
func DialEtcd(ctx context.Context, endpoints []string) (*clientv3.Client, error) {
	if err := checkLoopback(endpoints); err != nil {
		return nil, err
	}
	return newEtcdClient(ctx, endpoints)
}

// newEtcdClient connects to endpoints and checks that etcd answers.
func newEtcdClient(ctx context.Context, endpoints []string) (*clientv3.Client, error) {
	cli, err := clientv3.New(clientv3.Config{Endpoints: endpoints, DialTimeout: etcdTimeout, Logger: zap.NewNop()})
	if err != nil {
		return nil, fmt.Errorf("geerpc: cluster: etcd %s: %w", strings.Join(endpoints, ","), err)
	}
	ctx, cancel := context.WithTimeout(ctx, etcdTimeout)
	defer cancel()
	if _, err := cli.Get(ctx, etcdregistry.DefaultPrefix, clientv3.WithCountOnly()); err != nil {
		_ = cli.Close()
		return nil, fmt.Errorf("geerpc: cluster: etcd %s unreachable: %w", strings.Join(endpoints, ","), err)
	}
	return cli, nil
}

// Endpoints returns the etcd's client endpoints, host:port.
func (e *Etcd) Endpoints() []string { return e.endpoints }

// Client returns the harness's etcd client, for discoveries; it is closed
// with the cluster.
func (e *Etcd) Client() *clientv3.Client { return e.cli }

// Prefix returns the key prefix the instances register under.
func (e *Etcd) Prefix() string { return etcdregistry.DefaultPrefix }

// Embedded reports whether the etcd runs in this process.
func (e *Etcd) Embedded() bool { return e.srv != nil }

// key returns the etcd key of addr.
func (e *Etcd) key(addr string) string { return e.Prefix() + "/" + addr }

// relay returns the relay of addr's link to etcd, started on first use.
func (e *Etcd) relay(addr string) (*relay, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.relays == nil {
		return nil, fmt.Errorf("geerpc: cluster: etcd relay of %s: %w", addr, net.ErrClosed)
	}
	if r := e.relays[addr]; r != nil {
		return r, nil
	}
	r, err := newRelay(e.endpoints[0])
	if err != nil {
		return nil, fmt.Errorf("geerpc: cluster: etcd relay of %s: %w", addr, err)
	}
	e.relays[addr] = r
	return r, nil
}

func (e *Etcd) serveArgs(addr string) ([]string, error) {
	r, err := e.relay(addr)
	if err != nil {
		return nil, err
	}
	// geerpc serve's lease TTL is three heartbeats: a third of the TTL,
	// rounded down so that it rounds up to the same whole seconds.
	return []string{"-etcd", r.Addr(), "-heartbeat", (e.opts.leaseTTL() / 3).String()}, nil
}

// heartbeat registers addr through an etcd client of its own, so that stop
// can end its keepalives without revoking its lease (closing the client):
// the key then stays until the lease expires, as when a process dies.
func (e *Etcd) heartbeat(ctx context.Context, addr string, weight int) (func(), <-chan struct{}, error) {
	r, err := e.relay(addr)
	if err != nil {
		return nil, nil, err
	}
	cli, err := newEtcdClient(ctx, []string{r.Addr()})
	if err != nil {
		return nil, nil, err
	}
	rctx := context.WithoutCancel(ctx)
	reg, err := etcdregistry.Register(rctx, cli, e.Prefix(), addr, etcdregistry.RegisterOptions{
		TTL: e.opts.leaseTTL(), Weight: weight, OpTimeout: etcdTimeout,
		MinBackoff: 50 * time.Millisecond, MaxBackoff: time.Second,
	})
	if err != nil {
		_ = cli.Close()
		return nil, nil, fmt.Errorf("geerpc: cluster: %w", err)
	}
	return func() { _ = cli.Close() }, reg.Done(), nil
}

// deregister revokes the lease of addr's key, which deletes it at once.
func (e *Etcd) deregister(ctx context.Context, addr string) error {
	_, err := e.RevokeLease(ctx, addr)
	if errors.Is(err, ErrNotRegistered) {
		return nil
	}
	return err
}

// listed returns the addresses registered under the prefix.
func (e *Etcd) listed(ctx context.Context) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, etcdTimeout)
	defer cancel()
	resp, err := e.cli.Get(ctx, e.Prefix()+"/", clientv3.WithPrefix(), clientv3.WithKeysOnly())
	if err != nil {
		return nil, fmt.Errorf("geerpc: cluster: list etcd: %w", err)
	}
	addrs := make([]string, len(resp.Kvs))
	for i, kv := range resp.Kvs {
		addrs[i] = strings.TrimPrefix(string(kv.Key), e.Prefix()+"/")
	}
	return addrs, nil
}

// Lease returns the lease addr's key is on, or an error wrapping
// ErrNotRegistered.
func (e *Etcd) Lease(ctx context.Context, addr string) (clientv3.LeaseID, error) {
	ctx, cancel := context.WithTimeout(ctx, etcdTimeout)
	defer cancel()
	resp, err := e.cli.Get(ctx, e.key(addr))
	if err != nil {
		return 0, fmt.Errorf("geerpc: cluster: etcd: get %s: %w", e.key(addr), err)
	}
	if len(resp.Kvs) == 0 {
		return 0, fmt.Errorf("%w: no key %s", ErrNotRegistered, e.key(addr))
	}
	return clientv3.LeaseID(resp.Kvs[0].Lease), nil
}

// RevokeLease revokes the lease of addr's key, deleting the key at once,
// and returns the lease revoked.
func (e *Etcd) RevokeLease(ctx context.Context, addr string) (clientv3.LeaseID, error) {
	lease, err := e.Lease(ctx, addr)
	if err != nil {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(ctx, etcdTimeout)
	defer cancel()
	if _, err := e.cli.Revoke(ctx, lease); err != nil {
		return 0, fmt.Errorf("geerpc: cluster: etcd: revoke lease %x of %s: %w", int64(lease), addr, err)
	}
	return lease, nil
}

// stopEmbedded stops an embedded etcd and removes its data.
func (e *Etcd) stopEmbedded() {
	if e.srv != nil {
		e.srv.Close()
		_ = os.RemoveAll(e.dir)
	}
}

// close revokes the leases of addrs in a user's etcd (best effort, so that
// it keeps no key of a closed cluster until its lease expires), closes the
// client and the relays and stops an embedded etcd, removing its data. It
// may be called more than once.
func (e *Etcd) close(addrs []string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.relays == nil {
		return
	}
	for _, addr := range addrs {
		if !e.Embedded() {
			_ = e.deregister(context.Background(), addr)
		}
	}
	_ = e.cli.Close()
	for _, r := range e.relays {
		r.close()
	}
	e.relays = nil
	e.stopEmbedded()
}
