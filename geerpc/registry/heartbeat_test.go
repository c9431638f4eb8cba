package registry

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

const hbAddr = "tcp@127.0.0.1:9999"

// flaky wraps a registry: it counts POSTs (after they are handled) and,
// while down, fails every request with a 503 or by dropping the connection.
type flaky struct {
	next  http.Handler
	drop  bool // when down: drop the connection instead of answering 503
	down  atomic.Bool
	posts atomic.Int64 // every POST seen, failed or not
	ok    atomic.Int64 // POSTs handled while up
}

func (f *flaky) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.Method == http.MethodPost {
		defer f.posts.Add(1)
	}
	if !f.down.Load() {
		f.next.ServeHTTP(w, req)
		if req.Method == http.MethodPost {
			f.ok.Add(1)
		}
		return
	}
	if !f.drop {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
		conn.Close()
	}
}

// startHeartbeat runs HeartbeatContext in the background; stop cancels it
// and returns its result, failing the test if it does not return.
func startHeartbeat(t *testing.T, url string, opts HeartbeatOptions) (stop func() error) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- HeartbeatContext(ctx, url, hbAddr, opts) }()
	return func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(10 * time.Second): // watchdog
			t.Fatal("HeartbeatContext did not return after its ctx ended")
			return nil
		}
	}
}

// TestHeartbeatKeepsInstanceAlive moves the registry's clock well past its
// TTL while heartbeats flow, then stops them and lets the instance expire.
func TestHeartbeatKeepsInstanceAlive(t *testing.T) {
	clock := newFakeClock()
	reg := NewWithOptions(Options{TTL: time.Minute, Now: clock.Now})
	f := &flaky{next: reg}
	srv := httptest.NewServer(f)
	defer srv.Close()
	stop := startHeartbeat(t, srv.URL, HeartbeatOptions{Period: 50 * time.Millisecond})
	waitFor(t, "registration", func() bool { return listed(reg) == hbAddr })
	for range 4 { // 160s of registry time, more than twice the TTL
		clock.Advance(40 * time.Second)
		n := f.ok.Load()
		// The second POST after the move surely read the new time.
		waitFor(t, "two heartbeats after the clock moved", func() bool { return f.ok.Load() >= n+2 })
		if got := listed(reg); got != hbAddr {
			t.Fatalf("listed %q while heartbeating, want %q", got, hbAddr)
		}
	}
	if err := stop(); err != nil {
		t.Fatalf("HeartbeatContext returned %v", err)
	}
	clock.Advance(59 * time.Second)
	if got := listed(reg); got != hbAddr {
		t.Fatalf("listed %q before the TTL ran out, want %q", got, hbAddr)
	}
	clock.Advance(2 * time.Second)
	if got := listed(reg); got != "" {
		t.Fatalf("listed %q a TTL after the heartbeats stopped, want none", got)
	}
}

// TestHeartbeatRetriesWhileRegistryDown starts heartbeats against a failing
// registry with an hour's period: only retries can reach it once it is up.
func TestHeartbeatRetriesWhileRegistryDown(t *testing.T) {
	tests := []struct {
		name string
		drop bool
	}{
		{name: "503 answers", drop: false},
		{name: "dropped connections", drop: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := New(DefaultTimeout)
			f := &flaky{next: reg, drop: tt.drop}
			f.down.Store(true)
			srv := httptest.NewServer(f)
			defer srv.Close()
			stop := startHeartbeat(t, srv.URL, HeartbeatOptions{Period: time.Hour, Backoff: 2 * time.Millisecond})
			defer stop()
			waitFor(t, "three failed attempts", func() bool { return f.posts.Load() >= 3 })
			if got := listed(reg); got != "" {
				t.Fatalf("listed %q while down", got)
			}
			f.down.Store(false)
			waitFor(t, "registration after the registry came up", func() bool { return listed(reg) == hbAddr })
		})
	}
}

func TestHeartbeatDeregistersOnStop(t *testing.T) {
	tests := []struct {
		name       string
		deregister bool
		want       string
	}{
		{name: "deregister", deregister: true, want: ""},
		{name: "leave to expire", deregister: false, want: hbAddr},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := NewWithOptions(Options{Token: "tok"})
			srv := httptest.NewServer(reg)
			defer srv.Close()
			stop := startHeartbeat(t, srv.URL, HeartbeatOptions{Period: time.Hour, Token: "tok", Deregister: tt.deregister})
			waitFor(t, "registration", func() bool { return listed(reg) == hbAddr })
			if err := stop(); err != nil {
				t.Fatalf("HeartbeatContext returned %v", err)
			}
			if got := listed(reg); got != tt.want {
				t.Fatalf("listed %q after stop, want %q", got, tt.want)
			}
		})
	}
}

func TestHeartbeatDeregisterErrorReturned(t *testing.T) {
	f := &flaky{next: New(DefaultTimeout)}
	srv := httptest.NewServer(f)
	defer srv.Close()
	stop := startHeartbeat(t, srv.URL, HeartbeatOptions{Period: time.Hour, Deregister: true})
	waitFor(t, "registration", func() bool { return f.ok.Load() == 1 })
	f.down.Store(true)
	if err := stop(); !errors.Is(err, ErrStatus) {
		t.Fatalf("HeartbeatContext returned %v, want an error wrapping ErrStatus", err)
	}
}

func TestHeartbeatMalformedArguments(t *testing.T) {
	tests := []struct {
		name    string
		url     string
		addr    string
		weight  int
		wantErr error
	}{
		{name: "empty URL", url: "", addr: hbAddr, wantErr: ErrBadURL},
		{name: "no scheme", url: "localhost:9999/_geerpc_/registry", addr: hbAddr, wantErr: ErrBadURL},
		{name: "bad escape", url: "http://127.0.0.1:9999/%zz", addr: hbAddr, wantErr: ErrBadURL},
		{name: "control byte", url: "http://127.0.0.1:9999/\x7f", addr: hbAddr, wantErr: ErrBadURL},
		{name: "no host", url: "http:///_geerpc_/registry", addr: hbAddr, wantErr: ErrBadURL},
		{name: "ftp", url: "ftp://127.0.0.1/registry", addr: hbAddr, wantErr: ErrBadURL},
		{name: "just a colon", url: ":", addr: hbAddr, wantErr: ErrBadURL},
		{name: "bad address", url: "http://127.0.0.1:1/", addr: "127.0.0.1:9999", wantErr: ErrBadAddr},
		{name: "bad weight", url: "http://127.0.0.1:1/", addr: hbAddr, weight: -1, wantErr: ErrBadWeight},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second) // watchdog
			defer cancel()
			err := HeartbeatContext(ctx, tt.url, tt.addr, HeartbeatOptions{Weight: tt.weight})
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("HeartbeatContext returned %v, want an error wrapping %v", err, tt.wantErr)
			}
			if tt.weight == 0 { // Heartbeat takes no weight
				Heartbeat(tt.url, tt.addr, 0) // must not panic nor start anything (goleak)
			}
		})
	}
}

// TestHeartbeatErrors checks what one heartbeat reports for each answer.
func TestHeartbeatErrors(t *testing.T) {
	tests := []struct {
		name    string
		handler http.Handler
		opts    HeartbeatOptions
		wantErr []error
	}{
		{name: "accepted", handler: New(0), wantErr: nil},
		{name: "token missing", handler: NewWithOptions(Options{Token: "t"}),
			wantErr: []error{ErrStatus, ErrUnauthorized}},
		{name: "token given", handler: NewWithOptions(Options{Token: "t"}), opts: HeartbeatOptions{Token: "t"}},
		{name: "registry full", handler: fullRegistry(t), wantErr: []error{ErrStatus, ErrRegistryFull}},
		{name: "server error", handler: http.NotFoundHandler(), wantErr: []error{ErrStatus}},
		{name: "request timeout", opts: HeartbeatOptions{Timeout: 20 * time.Millisecond},
			handler: http.HandlerFunc(func(_ http.ResponseWriter, req *http.Request) { <-req.Context().Done() }),
			wantErr: []error{ErrUnreachable, context.DeadlineExceeded}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			h, err := newHeartbeater(srv.URL, hbAddr, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			err = h.send(context.Background(), http.MethodPost)
			if tt.wantErr == nil && err != nil {
				t.Fatalf("send: %v", err)
			}
			for _, want := range tt.wantErr {
				if !errors.Is(err, want) {
					t.Fatalf("send: %v, want an error wrapping %v", err, want)
				}
			}
		})
	}
}

func fullRegistry(t *testing.T) *GeeRegistry {
	r := NewWithOptions(Options{MaxInstances: 1})
	post(t, r, "tcp@other:1")
	return r
}

func TestHeartbeatSendsWeight(t *testing.T) {
	reg := New(DefaultTimeout)
	srv := httptest.NewServer(reg)
	defer srv.Close()
	stop := startHeartbeat(t, srv.URL, HeartbeatOptions{Period: time.Hour, Weight: 7})
	defer stop()
	waitFor(t, "registration with weight 7", func() bool {
		items := reg.alive()
		return len(items) == 1 && items[0].Weight == 7
	})
}

// TestCompatHeartbeat checks the original's Heartbeat: registered when it
// returns, heartbeating in the background, and (ours) retrying after a
// failed first POST where the original stopped for good.
func TestCompatHeartbeat(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	compatContext = ctx
	defer func() { compatContext = context.Background() }()

	t.Run("registered on return, then beats", func(t *testing.T) {
		reg := New(DefaultTimeout)
		f := &flaky{next: reg}
		srv := httptest.NewServer(f)
		defer srv.Close()
		// Each request may take up to the period: 500ms holds on a busy
		// machine, where a 5ms POST timed out once.
		Heartbeat(srv.URL+DefaultPath, hbAddr, 500*time.Millisecond)
		if got := listed(reg); got != hbAddr {
			t.Fatalf("listed %q when Heartbeat returned, want %q", got, hbAddr)
		}
		waitFor(t, "background heartbeats", func() bool { return f.ok.Load() >= 3 })
	})
	t.Run("retries after a failed first POST", func(t *testing.T) {
		reg := New(DefaultTimeout)
		f := &flaky{next: reg}
		f.down.Store(true)
		srv := httptest.NewServer(f)
		defer srv.Close()
		Heartbeat(srv.URL+DefaultPath, hbAddr, time.Hour)
		f.down.Store(false)
		waitFor(t, "registration after the failed first POST", func() bool { return listed(reg) == hbAddr })
	})
	cancel()
}
