package registry

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// putServer registers addr or refreshes its heartbeat. A new server is
// refused with ErrRegistryFull when the registry holds its maximum even
// after sweeping the expired ones.
func (r *GeeRegistry) putServer(addr string, weight int) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	if r.ttl > 0 && now.Sub(r.lastSweep) >= r.ttl {
		r.sweepLocked(now)
	}
	if s, ok := r.servers[addr]; ok {
		s.start, s.Weight = now, weight
		return nil
	}
	if len(r.servers) >= r.max {
		r.sweepLocked(now)
	}
	if len(r.servers) >= r.max {
		return fmt.Errorf("%w: %d instances", ErrRegistryFull, r.max)
	}
	r.servers[addr] = &ServerItem{Addr: addr, Weight: weight, start: now}
	r.log.Debug("geerpc registry: server registered", "addr", addr, "weight", weight)
	return nil
}

func (r *GeeRegistry) deleteServer(addr string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.servers[addr]; ok {
		delete(r.servers, addr)
		r.log.Debug("geerpc registry: server deregistered", "addr", addr)
	}
}

// alive sweeps the expired servers and returns the others sorted by address.
func (r *GeeRegistry) alive() []ServerItem {
	r.mu.Lock()
	r.sweepLocked(r.now())
	items := make([]ServerItem, 0, len(r.servers))
	for _, s := range r.servers {
		items = append(items, *s)
	}
	r.mu.Unlock()
	slices.SortFunc(items, func(a, b ServerItem) int { return strings.Compare(a.Addr, b.Addr) })
	return items
}

// sweepLocked deletes the expired servers; r.mu must be held.
func (r *GeeRegistry) sweepLocked(now time.Time) {
	r.lastSweep = now
	if r.ttl <= 0 {
		return
	}
	for addr, s := range r.servers {
		if !s.start.Add(r.ttl).After(now) {
			delete(r.servers, addr)
			r.log.Debug("geerpc registry: server expired", "addr", addr)
		}
	}
}

// handled maps each path HandleHTTP served on http.DefaultServeMux to its registry.
var handled sync.Map

// HandleHTTP registers r on http.DefaultServeMux at registryPath. Calling it
// again for the same path does nothing (the original panicked); a second
// registry for a path already served is not registered and is logged.
// Registries are never put on a mux unless this is called: to serve one
// elsewhere, pass it to your own mux as any http.Handler.
func (r *GeeRegistry) HandleHTTP(registryPath string) {
	if prev, loaded := handled.LoadOrStore(registryPath, r); loaded {
		if prev != r {
			r.log.Error("geerpc registry: path already served by another registry", "path", registryPath)
		}
		return
	}
	http.Handle(registryPath, r)
	r.log.Info("geerpc registry: serving", "path", registryPath)
}

// HandleHTTP serves DefaultGeeRegister on http.DefaultServeMux at DefaultPath.
func HandleHTTP() {
	DefaultGeeRegister.HandleHTTP(defaultPath)
}
