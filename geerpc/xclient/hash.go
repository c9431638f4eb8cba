package xclient

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"sync/atomic"
)

// DefaultVirtualNodes is the number of ring points per unit of weight used
// by ConsistentHashSelect when Options.VirtualNodes is zero.
const DefaultVirtualNodes = 160

// maxHashWeight caps the weight that multiplies an endpoint's ring points.
const maxHashWeight = 100

// hashBalancer maps a caller-given key onto a ring of virtual nodes.
type hashBalancer struct {
	vnodes int
	ring   atomic.Pointer[ring]
}

// ring is an immutable hash ring: sorted point hashes and their owners.
type ring struct {
	hashes []uint64
	owners []*Endpoint
}

// NewConsistentHashBalancer returns a consistent hashing balancer
// (ConsistentHashSelect) on the key given with WithHashKey. Each endpoint
// has virtualNodes ring points per unit of weight (zero means
// DefaultVirtualNodes), so adding or removing one of N endpoints moves about
// 1/N of the keys, all of them to or from that endpoint.
func NewConsistentHashBalancer(virtualNodes int) Balancer {
	if virtualNodes <= 0 {
		virtualNodes = DefaultVirtualNodes
	}
	return &hashBalancer{vnodes: virtualNodes}
}

type ringPoint struct {
	hash  uint64
	owner *Endpoint
}

// Update implements Balancer.
func (b *hashBalancer) Update(endpoints []*Endpoint) {
	var points []ringPoint
	for _, e := range endpoints {
		n := b.vnodes * min(e.Weight(), maxHashWeight)
		for i := range n {
			h := hashString(e.Addr() + "#" + strconv.Itoa(i))
			points = append(points, ringPoint{hash: h, owner: e})
		}
	}
	slices.SortFunc(points, func(a, b ringPoint) int {
		// equal hashes are ordered by address so that the ring is the same
		// whatever the order of the endpoints
		return cmp.Or(cmp.Compare(a.hash, b.hash), cmp.Compare(a.owner.Addr(), b.owner.Addr()))
	})
	r := &ring{hashes: make([]uint64, len(points)), owners: make([]*Endpoint, len(points))}
	for i, p := range points {
		r.hashes[i], r.owners[i] = p.hash, p.owner
	}
	b.ring.Store(r)
}

// Pick implements Balancer.
func (b *hashBalancer) Pick(ctx context.Context) (*Endpoint, error) {
	r := b.ring.Load()
	if r == nil || len(r.hashes) == 0 {
		return nil, ErrNoInstances
	}
	key, ok := HashKey(ctx)
	if !ok {
		return nil, ErrNoHashKey
	}
	i, _ := slices.BinarySearch(r.hashes, hashString(key))
	if i == len(r.hashes) {
		i = 0
	}
	return r.owners[i], nil
}

// hashString is 64-bit FNV-1a followed by the splitmix64 finaliser, which
// spreads the close inputs of virtual node names over the whole ring.
func hashString(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	h ^= h >> 31
	return h
}
