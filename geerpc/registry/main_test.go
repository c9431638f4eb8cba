package registry

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/geerpclab/geerpc/geerpc/internal/leakcheck"
)

func TestMain(m *testing.M) {
	leakcheck.VerifyTestMain(m)
}

// fakeClock is an injected Options.Now that moves only when told.
type fakeClock struct {
	mu sync.Mutex // protects following
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// serve calls h directly with a request of the given method and headers,
// which lets tests send what an HTTP client would refuse to.
func serve(h http.Handler, method string, hdr map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, DefaultPath, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// post registers addr on h and fails the test unless it is accepted.
func post(t *testing.T, h http.Handler, addr string) {
	t.Helper()
	if rec := serve(h, http.MethodPost, map[string]string{ServerHeader: addr}); rec.Code != http.StatusOK {
		t.Fatalf("POST %q: status %d, want 200", addr, rec.Code)
	}
}

// listed returns the ServersHeader of a GET on h.
func listed(h http.Handler) string {
	return serve(h, http.MethodGet, nil).Header().Get(ServersHeader)
}

// waitFor polls cond until it holds, failing the test after a generous
// watchdog (a deadlock guard, not a speed assertion).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}
