package xclient

import (
	"fmt"
	"math/rand/v2"
	"sync"
)

// SelectMode names a built-in balancing mode.
type SelectMode int

// The balancing modes. RandomSelect and RoundRobinSelect are the original's.
const (
	// RandomSelect picks an instance uniformly at random.
	RandomSelect SelectMode = iota
	// RoundRobinSelect picks the instances in turn.
	RoundRobinSelect
	// WeightedRoundRobinSelect is smooth weighted round robin on the weights
	// of a WeightedDiscovery.
	WeightedRoundRobinSelect
	// ConsistentHashSelect routes by the key given with WithHashKey on a
	// ring of virtual nodes.
	ConsistentHashSelect
	// P2CSelect is power of two choices on calls in flight and peak-EWMA
	// latency: it steers traffic away from slow or loaded instances.
	P2CSelect
)

var modeNames = [...]string{"random", "round-robin", "weighted-round-robin", "consistent-hash", "p2c"}

// String returns the mode's name, e.g. "round-robin".
func (m SelectMode) String() string {
	if m < 0 || int(m) >= len(modeNames) {
		return fmt.Sprintf("SelectMode(%d)", int(m))
	}
	return modeNames[m]
}

// Discovery finds the instances of a service. Implementations must be safe
// for concurrent use. An XClient calls GetAll (or GetAllWeighted) on every
// call, so it should answer from a cache.
type Discovery interface {
	// Refresh reloads the instances from their source, if there is one.
	Refresh() error
	// Update sets the instances by hand.
	Update(servers []string) error
	// Get picks one instance by mode (the original's per-call choice; an
	// XClient uses its own Balancer instead).
	Get(mode SelectMode) (string, error)
	// GetAll returns all instances.
	GetAll() ([]string, error)
}

// MultiServersDiscovery is a Discovery over a list of servers set by hand,
// without a registry. Registry discoveries may embed it and set servers
// under mu.
type MultiServersDiscovery struct {
	mu      sync.RWMutex // protects following
	servers []string
	index   int // next round robin position
}

var _ Discovery = (*MultiServersDiscovery)(nil)

// NewMultiServerDiscovery returns a discovery of the given servers.
func NewMultiServerDiscovery(servers []string) *MultiServersDiscovery {
	return &MultiServersDiscovery{servers: servers, index: rand.IntN(1 << 30)}
}

// Refresh does nothing: the servers are set by hand.
func (d *MultiServersDiscovery) Refresh() error { return nil }

// Update replaces the servers.
func (d *MultiServersDiscovery) Update(servers []string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.servers = servers
	return nil
}

// Get returns a server chosen by RandomSelect or RoundRobinSelect, or an
// error wrapping ErrNoInstances when there is none.
func (d *MultiServersDiscovery) Get(mode SelectMode) (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := len(d.servers)
	if n == 0 {
		return "", ErrNoInstances
	}
	switch mode {
	case RandomSelect:
		return d.servers[rand.IntN(n)], nil
	case RoundRobinSelect:
		s := d.servers[d.index%n]
		d.index = (d.index + 1) % n
		return s, nil
	}
	return "", fmt.Errorf("%w %v for MultiServersDiscovery.Get", ErrUnknownMode, mode)
}

// GetAll returns a copy of the servers.
func (d *MultiServersDiscovery) GetAll() ([]string, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return append([]string(nil), d.servers...), nil
}
