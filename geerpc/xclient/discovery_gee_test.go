package xclient

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/geerpclab/geerpc/geerpc"
	"github.com/geerpclab/geerpc/geerpc/geerpctest"
	"github.com/geerpclab/geerpc/geerpc/registry"
)

// geeClock is an injected clock that moves only when told.
type geeClock struct {
	mu sync.Mutex // protects following
	t  time.Time
}

func (c *geeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.t.IsZero() {
		c.t = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return c.t
}

func (c *geeClock) Advance(d time.Duration) {
	c.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// geeRegistry is a loopback registry that counts GETs and can be made to
// fail (503) or to hang until released.
type geeRegistry struct {
	reg  *registry.GeeRegistry
	srv  *httptest.Server
	url  string
	gets atomic.Int64
	down atomic.Bool
	wipe atomic.Bool   // answer as a registry restarted with an empty table
	mu   sync.Mutex    // protects following
	gate chan struct{} // non-nil: GETs wait until it is closed
}

func startGeeRegistry(t *testing.T, addrs ...string) *geeRegistry {
	t.Helper()
	g := &geeRegistry{reg: registry.New(0)}
	g.srv = httptest.NewServer(g)
	t.Cleanup(g.srv.Close)
	g.url = g.srv.URL + registry.DefaultPath
	for _, a := range addrs {
		g.register(t, a, 0)
	}
	return g
}

func (g *geeRegistry) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.Method == http.MethodGet {
		defer g.gets.Add(1)
		g.mu.Lock()
		gate := g.gate
		g.mu.Unlock()
		if gate != nil {
			select {
			case <-gate:
			case <-req.Context().Done():
				return
			}
		}
	}
	if g.down.Load() {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	if g.wipe.Load() {
		registry.New(0).ServeHTTP(w, req)
		return
	}
	g.reg.ServeHTTP(w, req)
}

// register POSTs addr (with weight when not 0) straight to the handler.
func (g *geeRegistry) register(t *testing.T, addr string, weight int) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, registry.DefaultPath, nil)
	req.Header.Set(registry.ServerHeader, addr)
	if weight != 0 {
		req.Header.Set(registry.WeightHeader, strconv.Itoa(weight))
	}
	rec := httptest.NewRecorder()
	g.reg.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("registering %s: status %d", addr, rec.Code)
	}
}

// geeWaitFor polls cond, failing after a generous watchdog (no speed assert).
func geeWaitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func mustGetAll(t *testing.T, d Discovery) []string {
	t.Helper()
	got, err := d.GetAll()
	if err != nil {
		t.Fatalf("GetAll: %v", err)
	}
	return got
}

func TestGeeRegistryDiscoveryRefreshInterval(t *testing.T) {
	g := startGeeRegistry(t, "tcp@h:2", "tcp@h:1")
	clock := &geeClock{}
	d := NewGeeRegistryDiscoveryWithOptions(g.url, GeeRegistryDiscoveryOptions{Interval: 10 * time.Second, Now: clock.Now})
	steps := []struct {
		name     string
		advance  time.Duration
		register string // registered before the step
		wantGets int64
		want     []string
	}{
		{name: "first use asks", wantGets: 1, want: []string{"tcp@h:1", "tcp@h:2"}},
		{name: "cached within the interval", advance: 9 * time.Second, register: "tcp@h:3", wantGets: 1,
			want: []string{"tcp@h:1", "tcp@h:2"}},
		{name: "asks again after the interval", advance: time.Second, wantGets: 2,
			want: []string{"tcp@h:1", "tcp@h:2", "tcp@h:3"}},
		{name: "cached again", advance: 9 * time.Second, wantGets: 2, want: []string{"tcp@h:1", "tcp@h:2", "tcp@h:3"}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if st.register != "" {
				g.register(t, st.register, 0)
			}
			clock.Advance(st.advance)
			for range 5 {
				mustGetAll(t, d) // a stale warm cache refreshes in the background
			}
			geeWaitFor(t, "the refresh", func() bool {
				return g.gets.Load() == st.wantGets && reflect.DeepEqual(mustGetAll(t, d), st.want)
			})
			if err := d.Refresh(); err != nil || g.gets.Load() != st.wantGets {
				t.Fatalf("Refresh: %v after %d GETs, want nil after %d", err, g.gets.Load(), st.wantGets)
			}
		})
	}
}

func TestGeeRegistryDiscoveryDefaults(t *testing.T) {
	d := NewGeeRegistryDiscovery("http://127.0.0.1:1/_geerpc_/registry", 0)
	if d.timeout != DefaultRefreshInterval || d.reqTimeout != registry.DefaultRequestTimeout {
		t.Fatalf("interval %v, request timeout %v", d.timeout, d.reqTimeout)
	}
	d = NewGeeRegistryDiscovery("http://127.0.0.1:1/_geerpc_/registry", time.Second)
	if d.timeout != time.Second || d.reqTimeout != time.Second {
		t.Fatalf("interval %v, request timeout %v; want 1s, 1s", d.timeout, d.reqTimeout)
	}
}

// TestGeeRegistryDiscoveryKeepsLastKnownList breaks the registry after a
// successful refresh: Refresh reports it, Get and GetAll go on.
func TestGeeRegistryDiscoveryKeepsLastKnownList(t *testing.T) {
	tests := []struct {
		name    string
		breakIt func(g *geeRegistry)
		wantErr error
	}{
		{name: "registry answers 503", breakIt: func(g *geeRegistry) { g.down.Store(true) }, wantErr: registry.ErrStatus},
		{name: "registry gone", breakIt: func(g *geeRegistry) { g.srv.Close() }, wantErr: registry.ErrUnreachable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := startGeeRegistry(t, "tcp@h:1", "tcp@h:2")
			clock := &geeClock{}
			d := NewGeeRegistryDiscoveryWithOptions(g.url, GeeRegistryDiscoveryOptions{Now: clock.Now})
			want := mustGetAll(t, d)
			tt.breakIt(g)
			clock.Advance(DefaultRefreshInterval)
			if err := d.Refresh(); !errors.Is(err, tt.wantErr) {
				t.Fatalf("Refresh: %v, want an error wrapping %v", err, tt.wantErr)
			}
			if got := mustGetAll(t, d); !reflect.DeepEqual(got, want) {
				t.Fatalf("GetAll after a failed refresh: %v, want %v", got, want)
			}
			first, err1 := d.Get(RoundRobinSelect)
			second, err2 := d.Get(RoundRobinSelect)
			if err1 != nil || err2 != nil || first == second {
				t.Fatalf("Get: %q %v, %q %v; want both servers in turn", first, err1, second, err2)
			}
			gets := g.gets.Load()
			if err := d.Refresh(); !errors.Is(err, tt.wantErr) || g.gets.Load() != gets {
				t.Fatalf("Refresh within the interval: %v after %d more GETs; want the same error, no GET", err, g.gets.Load()-gets)
			}
		})
	}
}

// TestGeeRegistryDiscoveryEmptyHold restarts the registry with an empty
// table: with EmptyHold the known servers stay in use until the hold since
// the last listing has passed; without it the empty list is taken at once.
func TestGeeRegistryDiscoveryEmptyHold(t *testing.T) {
	const hold = 3 * DefaultRefreshInterval
	for _, tt := range []struct {
		name string
		hold time.Duration
		kept int // refreshes answered empty that keep the known servers
	}{
		{name: "held", hold: hold, kept: 2},
		{name: "not held", kept: 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			g := startGeeRegistry(t, "tcp@h:1", "tcp@h:2")
			clock := &geeClock{}
			d := NewGeeRegistryDiscoveryWithOptions(g.url, GeeRegistryDiscoveryOptions{Now: clock.Now, EmptyHold: tt.hold})
			want := mustGetAll(t, d)
			g.wipe.Store(true)
			for i := range 3 {
				clock.Advance(DefaultRefreshInterval)
				if err := d.Refresh(); err != nil {
					t.Fatalf("Refresh %d: %v", i, err)
				}
				got, err := d.GetAll()
				if i < tt.kept && !reflect.DeepEqual(got, want) {
					t.Fatalf("refresh %d after the wipe: GetAll %v, %v; want %v held", i, got, err, want)
				}
				if i >= tt.kept && !errors.Is(err, ErrNoInstances) {
					t.Fatalf("refresh %d after the wipe: GetAll %v, %v; want ErrNoInstances", i, got, err)
				}
			}
			g.wipe.Store(false)
			clock.Advance(DefaultRefreshInterval)
			if got := mustGetAll(t, d); !reflect.DeepEqual(got, want) {
				t.Fatalf("GetAll once the servers are listed again: %v, want %v", got, want)
			}
		})
	}
}

func TestGeeRegistryDiscoveryRecovers(t *testing.T) {
	g := startGeeRegistry(t, "tcp@h:1")
	clock := &geeClock{}
	d := NewGeeRegistryDiscoveryWithOptions(g.url, GeeRegistryDiscoveryOptions{Now: clock.Now})
	mustGetAll(t, d)
	g.down.Store(true)
	clock.Advance(DefaultRefreshInterval)
	if err := d.Refresh(); err == nil {
		t.Fatal("Refresh succeeded against a failing registry")
	}
	g.down.Store(false)
	g.register(t, "tcp@h:2", 0)
	clock.Advance(DefaultRefreshInterval)
	if err := d.Refresh(); err != nil {
		t.Fatalf("Refresh after recovery: %v", err)
	}
	if got, want := mustGetAll(t, d), []string{"tcp@h:1", "tcp@h:2"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("GetAll %v, want %v", got, want)
	}
}

func TestGeeRegistryDiscoveryNoInstances(t *testing.T) {
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	tests := []struct {
		name     string
		url      func(t *testing.T) string
		wantErrs []error
	}{
		{name: "empty registry", url: func(t *testing.T) string { return startGeeRegistry(t).url },
			wantErrs: []error{ErrNoInstances}},
		{name: "unreachable registry", url: func(*testing.T) string { return closed.URL },
			wantErrs: []error{ErrNoInstances, registry.ErrUnreachable}},
		{name: "empty URL", url: func(*testing.T) string { return "" },
			wantErrs: []error{ErrNoInstances, registry.ErrBadURL}},
		{name: "no scheme", url: func(*testing.T) string { return "localhost:9999/_geerpc_/registry" },
			wantErrs: []error{ErrNoInstances, registry.ErrBadURL}},
		{name: "bad host", url: func(*testing.T) string { return "http://[::1/_geerpc_/registry" },
			wantErrs: []error{ErrNoInstances, registry.ErrBadURL}},
		{name: "bad escape", url: func(*testing.T) string { return "http://127.0.0.1:1/%zz" },
			wantErrs: []error{ErrNoInstances, registry.ErrBadURL}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := NewGeeRegistryDiscovery(tt.url(t), 0)
			_, errGet := d.Get(RandomSelect)
			_, errAll := d.GetAll()
			_, errW := d.GetAllWeighted()
			for _, err := range []error{errGet, errAll, errW} {
				for _, want := range tt.wantErrs {
					if !errors.Is(err, want) {
						t.Fatalf("error %v, want one wrapping %v", err, want)
					}
				}
			}
		})
	}
}

func TestGeeRegistryDiscoveryWeights(t *testing.T) {
	g := startGeeRegistry(t)
	g.register(t, "tcp@h:1", 3)
	g.register(t, "tcp@h:2", 0)
	original := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set(registry.ServersHeader, "tcp@h:1,tcp@h:2") // header only, as the original
	}))
	defer original.Close()
	tests := []struct {
		name string
		url  string
		want []Instance
	}{
		{name: "ours", url: g.url, want: []Instance{{Addr: "tcp@h:1", Weight: 3}, {Addr: "tcp@h:2", Weight: 1}}},
		{name: "original", url: original.URL, want: []Instance{{Addr: "tcp@h:1", Weight: 1}, {Addr: "tcp@h:2", Weight: 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := NewGeeRegistryDiscovery(tt.url, 0).GetAllWeighted()
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("GetAllWeighted = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

// TestGeeRegistryDiscoveryNeverWaitsOnAHungRegistry holds the registry's
// GET open: with a warm cache, Get, GetAll and Update still answer, so no
// lock is held during the request; a cold Refresh ends at its timeout.
func TestGeeRegistryDiscoveryNeverWaitsOnAHungRegistry(t *testing.T) {
	g := startGeeRegistry(t, "tcp@h:1")
	clock := &geeClock{}
	d := NewGeeRegistryDiscoveryWithOptions(g.url, GeeRegistryDiscoveryOptions{Now: clock.Now, RequestTimeout: time.Hour})
	mustGetAll(t, d)
	gate := make(chan struct{})
	g.mu.Lock()
	g.gate = gate
	g.mu.Unlock()
	defer close(gate)
	clock.Advance(DefaultRefreshInterval)
	answered := make(chan error, 1)
	go func() {
		_, err := d.GetAll() // starts the background refresh, which hangs
		if err == nil {
			_, err = d.Get(RandomSelect)
		}
		if err == nil {
			err = d.Update([]string{"tcp@h:9"})
		}
		answered <- err
	}()
	select {
	case err := <-answered:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second): // watchdog: the GET never ends while gated
		t.Fatal("discovery waited on the hung registry")
	}

	cold := NewGeeRegistryDiscoveryWithOptions(g.url, GeeRegistryDiscoveryOptions{RequestTimeout: 20 * time.Millisecond})
	go func() { answered <- cold.Refresh() }()
	select {
	case err := <-answered:
		if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, registry.ErrUnreachable) {
			t.Fatalf("Refresh of a hung registry: %v, want a timeout", err)
		}
	case <-time.After(10 * time.Second): // watchdog
		t.Fatal("Refresh of a hung registry did not time out")
	}
}

// TestGeeRegistryDiscoveryConcurrent runs readers, Refresh and Update
// together under -race while the cache goes stale again and again.
func TestGeeRegistryDiscoveryConcurrent(t *testing.T) {
	g := startGeeRegistry(t, "tcp@h:1", "tcp@h:2")
	clock := &geeClock{}
	d := NewGeeRegistryDiscoveryWithOptions(g.url, GeeRegistryDiscoveryOptions{Now: clock.Now})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 100 {
				if w == 0 && i%10 == 0 {
					clock.Advance(DefaultRefreshInterval)
				}
				if _, err := d.Get(RoundRobinSelect); err != nil {
					t.Error(err)
					return
				}
				_, _ = d.GetAllWeighted()
				if w == 1 && i%25 == 0 {
					_ = d.Update([]string{"tcp@h:1"})
				}
				_ = d.Refresh()
			}
		})
	}
	wg.Wait()
	clock.Advance(DefaultRefreshInterval)
	if err := d.Refresh(); err != nil {
		t.Fatal(err)
	}
}

// GeeEcho is the service of the end-to-end test.
type GeeEcho struct{ addr string }

// Where answers the server's address.
func (e *GeeEcho) Where(_ int, reply *string) error {
	*reply = e.addr
	return nil
}

// startGeeEcho serves GeeEcho on a loopback port until the test ends.
func startGeeEcho(t *testing.T) string {
	t.Helper()
	lis := geerpctest.Listen(t)
	addr := "tcp@" + lis.Addr().String()
	srv := geerpc.NewServer()
	if err := srv.Register(&GeeEcho{addr: addr}); err != nil {
		t.Fatal(err)
	}
	geerpctest.Serve(t, srv, lis)
	return addr
}

// TestGeeRegistryEndToEnd: servers heartbeat into a registry, an XClient
// finds them through it, and a deregistered server stops getting calls.
func TestGeeRegistryEndToEnd(t *testing.T) {
	g := startGeeRegistry(t)
	addrs := []string{startGeeEcho(t), startGeeEcho(t)}
	stops := make([]func(), len(addrs))
	for i, a := range addrs {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			_ = registry.HeartbeatContext(ctx, g.url, a, registry.HeartbeatOptions{Period: time.Hour, Deregister: true})
		}()
		stops[i] = func() { cancel(); <-done }
		defer stops[i]()
	}
	clock := &geeClock{}
	d := NewGeeRegistryDiscoveryWithOptions(g.url, GeeRegistryDiscoveryOptions{Now: clock.Now})
	geeWaitFor(t, "both servers registered", func() bool {
		clock.Advance(DefaultRefreshInterval)
		_ = d.Refresh()
		all, _ := d.GetAll()
		return len(all) == 2
	})
	x := NewXClient(d, RoundRobinSelect, nil)
	defer x.Close()
	seen := map[string]int{}
	for range 4 {
		var where string
		if err := x.Call(context.Background(), "GeeEcho.Where", 0, &where); err != nil {
			t.Fatal(err)
		}
		seen[where]++
	}
	if seen[addrs[0]] != 2 || seen[addrs[1]] != 2 {
		t.Fatalf("calls per server %v, want 2 each", seen)
	}
	stops[0]() // deregisters addrs[0]
	clock.Advance(DefaultRefreshInterval)
	if err := d.Refresh(); err != nil {
		t.Fatal(err)
	}
	for range 4 {
		var where string
		if err := x.Call(context.Background(), "GeeEcho.Where", 0, &where); err != nil || where != addrs[1] {
			t.Fatalf("call after deregistration: %q, %v; want %s", where, err, addrs[1])
		}
	}
}
