package xclient

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/geerpclab/geerpc/geerpc/registry"
)

// defaultUpdateTimeout is the original's name for the default refresh interval.
const defaultUpdateTimeout = 10 * time.Second

// DefaultRefreshInterval is how often at most a GeeRegistryDiscovery asks
// its registry, when nothing else is configured.
const DefaultRefreshInterval = defaultUpdateTimeout

// GeeRegistryDiscoveryOptions configure a GeeRegistryDiscovery. The zero
// value of every field works.
type GeeRegistryDiscoveryOptions struct {
	// Interval is the least time between two requests to the registry.
	// Zero or negative means DefaultRefreshInterval.
	Interval time.Duration
	// RequestTimeout bounds each request. Zero or negative means
	// registry.DefaultRequestTimeout, or Interval when that is shorter.
	RequestTimeout time.Duration
	// Client sends the requests. Nil means a client without keep-alives.
	Client *http.Client
	// Logger receives failed refreshes at debug level. Nil means no logging.
	Logger *slog.Logger
	// Now returns the current time. Nil means time.Now; tests inject a clock.
	Now func() time.Time
	// EmptyHold keeps the last non-empty list in use when the registry
	// suddenly answers an empty one, for up to EmptyHold after the last
	// answer that listed servers. A registry restarted with an empty table
	// answers so until the next heartbeats; set EmptyHold to the registry's
	// TTL, by which every server it listed could have expired. Zero or
	// negative takes an empty answer at once.
	EmptyHold time.Duration
}

// GeeRegistryDiscovery is a Discovery (and WeightedDiscovery) of the servers
// listed by a GeeRPC HTTP registry. It caches the list and asks the registry
// at most once per interval, never holding its lock during the request.
// When the cache is stale, the first caller to notice refreshes it; when the
// cache holds servers, that refresh runs in the background and every caller
// goes on with the cached list, so a slow registry never stalls calls. A
// failed refresh keeps the last known list in use: Refresh reports the
// error, Get and GetAll go on answering.
type GeeRegistryDiscovery struct {
	*MultiServersDiscovery // the cached addresses, for Get
	registry               string
	timeout                time.Duration // refresh interval, the original's name
	reqTimeout             time.Duration
	client                 *http.Client
	log                    *slog.Logger
	now                    func() time.Time
	emptyHold              time.Duration

	mu         sync.Mutex    // protects following
	lastListed time.Time     // when a refresh last listed servers
	instances  []Instance    // the cached list, sorted by address
	lastUpdate time.Time     // when the last refresh ended, success or not
	lastErr    error         // the last refresh's error
	inflight   chan struct{} // non-nil while a refresh runs; closed when it ends
}

var (
	_ Discovery         = (*GeeRegistryDiscovery)(nil)
	_ WeightedDiscovery = (*GeeRegistryDiscovery)(nil)
)

// NewGeeRegistryDiscovery returns a discovery of the servers listed by the
// registry at registerAddr (e.g. "http://127.0.0.1:9999/_geerpc_/registry"),
// refreshed at most every timeout (zero: DefaultRefreshInterval). A
// malformed URL does not panic: every refresh fails with an error wrapping
// registry.ErrBadURL.
func NewGeeRegistryDiscovery(registerAddr string, timeout time.Duration) *GeeRegistryDiscovery {
	return NewGeeRegistryDiscoveryWithOptions(registerAddr, GeeRegistryDiscoveryOptions{Interval: timeout})
}

// NewGeeRegistryDiscoveryWithOptions is like NewGeeRegistryDiscovery but
// configured by opts.
func NewGeeRegistryDiscoveryWithOptions(registryURL string, opts GeeRegistryDiscoveryOptions) *GeeRegistryDiscovery {
	d := &GeeRegistryDiscovery{
		MultiServersDiscovery: NewMultiServerDiscovery(nil),
		registry:              registryURL,
		timeout:               opts.Interval,
		reqTimeout:            opts.RequestTimeout,
		client:                opts.Client,
		log:                   opts.Logger,
		now:                   opts.Now,
		emptyHold:             opts.EmptyHold,
	}
	if d.timeout <= 0 {
		d.timeout = DefaultRefreshInterval
	}
	if d.reqTimeout <= 0 {
		d.reqTimeout = min(registry.DefaultRequestTimeout, d.timeout)
	}
	if d.log == nil {
		d.log = slog.New(slog.DiscardHandler)
	}
	if d.now == nil {
		d.now = time.Now
	}
	return d
}

// Update sets the servers by hand, each of weight 1, as a successful
// refresh would.
func (d *GeeRegistryDiscovery) Update(servers []string) error {
	insts := make([]Instance, len(servers))
	for i, s := range servers {
		insts[i] = Instance{Addr: s, Weight: registry.DefaultWeight}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(insts) == 0 {
		d.lastListed = time.Time{} // emptied by hand: not held
	}
	d.setLocked(insts, nil)
	return nil
}

// Refresh asks the registry for its servers unless the last refresh is
// younger than the interval (or waits for the one running). It returns the
// error of that refresh, wrapping a registry sentinel such as
// registry.ErrUnreachable; after a failure the last known servers stay in use.
func (d *GeeRegistryDiscovery) Refresh() error {
	d.mu.Lock()
	for d.inflight != nil {
		ch := d.inflight
		d.mu.Unlock()
		<-ch
		d.mu.Lock()
	}
	if d.freshLocked() {
		err := d.lastErr
		d.mu.Unlock()
		return err
	}
	done := d.startLocked()
	d.mu.Unlock()
	return d.fetch(done)
}

// Get returns a server chosen by RandomSelect or RoundRobinSelect from the
// cached list, refreshed as described on GeeRegistryDiscovery. With no
// servers the error wraps ErrNoInstances (and the last refresh's error, if any).
func (d *GeeRegistryDiscovery) Get(mode SelectMode) (string, error) {
	if _, err := d.cached(); err != nil {
		return "", err
	}
	return d.MultiServersDiscovery.Get(mode)
}

// GetAll returns the cached servers, sorted; see Get for errors.
func (d *GeeRegistryDiscovery) GetAll() ([]string, error) {
	insts, err := d.cached()
	if err != nil {
		return nil, err
	}
	addrs := make([]string, len(insts))
	for i, in := range insts {
		addrs[i] = in.Addr
	}
	return addrs, nil
}

// GetAllWeighted returns the cached servers with the weights they registered
// with; see Get for errors.
func (d *GeeRegistryDiscovery) GetAllWeighted() ([]Instance, error) {
	insts, err := d.cached()
	if err != nil {
		return nil, err
	}
	return slices.Clone(insts), nil
}

// cached returns the cached instances (not a copy), refreshing them first
// when stale: in the background when some are cached, else in the caller.
func (d *GeeRegistryDiscovery) cached() ([]Instance, error) {
	d.mu.Lock()
	if d.inflight == nil && !d.freshLocked() && len(d.instances) > 0 {
		go d.fetch(d.startLocked())
	}
	insts := d.instances
	d.mu.Unlock()
	if len(insts) > 0 {
		return insts, nil
	}
	err := d.Refresh()
	d.mu.Lock()
	insts = d.instances
	d.mu.Unlock()
	switch {
	case len(insts) > 0:
		return insts, nil
	case err != nil:
		return nil, fmt.Errorf("%w: %w", ErrNoInstances, err)
	}
	return nil, ErrNoInstances
}

// freshLocked reports whether the last refresh is younger than the interval.
func (d *GeeRegistryDiscovery) freshLocked() bool {
	return !d.lastUpdate.IsZero() && d.now().Sub(d.lastUpdate) < d.timeout
}

// startLocked marks a refresh as running and returns the channel fetch
// closes when it ends.
func (d *GeeRegistryDiscovery) startLocked() chan struct{} {
	d.inflight = make(chan struct{})
	return d.inflight
}

// fetch asks the registry, without d.mu held, records the outcome and
// closes done.
func (d *GeeRegistryDiscovery) fetch(done chan struct{}) error {
	ctx, cancel := context.WithTimeout(context.Background(), d.reqTimeout)
	items, err := registry.FetchServers(ctx, d.client, d.registry)
	cancel()
	if err != nil {
		d.log.Debug("xclient: registry refresh failed, keeping the known servers", "registry", d.registry, "err", err)
	}
	insts := make([]Instance, len(items))
	for i, it := range items {
		insts[i] = Instance{Addr: it.Addr, Weight: it.Weight}
	}
	d.mu.Lock()
	d.setLocked(insts, err)
	d.inflight = nil
	d.mu.Unlock()
	close(done)
	return err
}

// setLocked records the outcome of a refresh; a failed one keeps the list,
// and so does an empty one within emptyHold of the last non-empty one.
func (d *GeeRegistryDiscovery) setLocked(insts []Instance, err error) {
	now := d.now()
	d.lastUpdate, d.lastErr = now, err
	if err != nil {
		return
	}
	if len(insts) > 0 {
		d.lastListed = now
	} else if len(d.instances) > 0 && now.Sub(d.lastListed) < d.emptyHold {
		d.log.Debug("xclient: registry listed no server, keeping the known servers", "registry", d.registry)
		return
	}
	d.instances = insts
	addrs := make([]string, len(insts))
	for i, in := range insts {
		addrs[i] = in.Addr
	}
	_ = d.MultiServersDiscovery.Update(addrs)
}
