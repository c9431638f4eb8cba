package etcdregistry

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/geerpclab/geerpc/geerpc/xclient"
)

// Discovery finds the servers registered under a prefix: it lists the
// prefix once, then watches it from the next revision, so that a server
// whose key is deleted or whose lease expires disappears without polling.
// While etcd is unreachable it keeps serving the last known list, and its
// watch resumes when etcd is back (listing again if the revisions it missed
// were compacted); how soon after etcd's return depends on the etcd client's
// reconnect backoff, which its grpc dial options set. A Discovery is safe for
// concurrent use.
type Discovery struct {
	cli       *clientv3.Client
	dir       string // the prefix with a trailing slash
	opTimeout time.Duration
	bo        *retrier // used by the run goroutine only
	log       *slog.Logger
	rr        *xclient.MultiServersDiscovery // Get's choice over the current list
	cancel    context.CancelFunc
	done      chan struct{}

	mu       sync.RWMutex      // protects following
	records  map[string]record // by address
	rev      int64             // the etcd revision that records reflect
	all      []string          // sorted addresses of records
	weighted []xclient.Instance
	changed  chan struct{} // closed and replaced on each change of records
	closed   bool
}

var (
	_ xclient.Discovery         = (*Discovery)(nil)
	_ xclient.WeightedDiscovery = (*Discovery)(nil)
)

// NewDiscovery lists the servers registered under prefix (DefaultPrefix
// when empty) and watches the prefix in the background until Close is
// called, ctx ends or cli is closed; after the last two the list no longer
// changes, and Close still releases d. It fails when the first list fails.
func NewDiscovery(ctx context.Context, cli *clientv3.Client, prefix string, opts DiscoveryOptions) (*Discovery, error) {
	if cli == nil {
		return nil, ErrNilClient
	}
	d := newDiscovery(cli, prefix, opts)
	if err := d.list(ctx); err != nil {
		return nil, err
	}
	d.start(ctx)
	return d, nil
}

// newDiscovery returns an empty Discovery that is neither listed nor started.
func newDiscovery(cli *clientv3.Client, prefix string, opts DiscoveryOptions) *Discovery {
	return &Discovery{
		cli:       cli,
		dir:       normPrefix(prefix) + "/",
		opTimeout: orDuration(opts.OpTimeout, DefaultOpTimeout),
		bo:        newBackoff(opts.MinBackoff, opts.MaxBackoff),
		log:       orLogger(opts.Logger),
		rr:        xclient.NewMultiServerDiscovery(nil),
		cancel:    func() {},
		done:      make(chan struct{}),
		records:   map[string]record{},
		changed:   make(chan struct{}),
	}
}

// start runs the watch goroutine until ctx ends, Close or cli.Close.
func (d *Discovery) start(ctx context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(d.cli.Ctx(), cancel)
	d.cancel = func() { stop(); cancel() }
	go d.run(ctx)
}

// Close stops the watch and waits for its goroutine to end. Afterwards the
// methods of d return ErrClosed; so does a second Close.
func (d *Discovery) Close() error {
	d.mu.Lock()
	closed := d.closed
	d.closed = true
	d.mu.Unlock()
	if closed {
		return ErrClosed
	}
	d.cancel()
	<-d.done
	return nil
}

// Refresh lists the prefix again. The watch keeps the list current on its
// own, so calling Refresh is never needed; it helps to check that etcd
// answers. An answer older than what d already knows is ignored.
func (d *Discovery) Refresh() error {
	if d.isClosed() {
		return ErrClosed
	}
	return d.list(context.Background())
}

// Update returns ErrReadOnly: the list comes from etcd alone. Register and
// deregister servers instead.
func (d *Discovery) Update(servers []string) error { return ErrReadOnly }

// Get returns a server chosen by xclient.RandomSelect or
// xclient.RoundRobinSelect; the other modes are the XClient's balancers'.
// With no server it returns an error wrapping xclient.ErrNoInstances.
func (d *Discovery) Get(mode xclient.SelectMode) (string, error) {
	d.mu.RLock()
	err := d.availableLocked()
	d.mu.RUnlock()
	if err != nil {
		return "", err
	}
	return d.rr.Get(mode)
}

// GetAll returns the addresses of the registered servers, sorted. With no
// server it returns an error wrapping xclient.ErrNoInstances.
func (d *Discovery) GetAll() ([]string, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if err := d.availableLocked(); err != nil {
		return nil, err
	}
	return slices.Clone(d.all), nil
}

// GetAllWeighted returns the registered servers with the weights they
// registered with, sorted by address. With no server it returns an error
// wrapping xclient.ErrNoInstances.
func (d *Discovery) GetAllWeighted() ([]xclient.Instance, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if err := d.availableLocked(); err != nil {
		return nil, err
	}
	return slices.Clone(d.weighted), nil
}

// Metadata returns a copy of the metadata that addr registered with, and
// whether addr is registered.
func (d *Discovery) Metadata(addr string) (map[string]string, bool) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	rec, ok := d.records[addr]
	return maps.Clone(rec.Metadata), ok
}

// Changed returns a channel that is closed at the next change of the list.
// To follow the list, take the channel, read the list, then wait on it.
func (d *Discovery) Changed() <-chan struct{} {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.changed
}

// availableLocked returns why there is no list to give, if so.
func (d *Discovery) availableLocked() error {
	switch {
	case d.closed:
		return ErrClosed
	case len(d.all) == 0:
		return fmt.Errorf("%w under %s", xclient.ErrNoInstances, d.dir)
	}
	return nil
}

// isClosed reports whether Close was called.
func (d *Discovery) isClosed() bool {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.closed
}
