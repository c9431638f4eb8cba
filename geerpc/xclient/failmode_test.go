package xclient

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/geerpclab/geerpc/geerpc"
)

// quick are options that keep retries fast in tests.
func quick(o Options) Options {
	o.BackoffBase, o.BackoffMax = time.Microsecond, 10*time.Microsecond
	return o
}

func TestFailModes(t *testing.T) {
	sentErr := errors.New("fake: reset after write") // sent: may have run
	for _, tc := range []struct {
		name         string
		mode         FailMode
		idempotent   bool
		refuse       bool  // dials fail: the request is never sent
		callErr      error // the answer of every call
		wantAttempts int
		wantDistinct int // distinct instances tried
		wantIs       error
	}{
		{name: "failfast-not-sent", mode: Failfast, refuse: true, wantAttempts: 1, wantDistinct: 1, wantIs: geerpc.ErrNotSent},
		{name: "failover-not-sent", mode: Failover, refuse: true, wantAttempts: 3, wantDistinct: 3, wantIs: geerpc.ErrNotSent},
		{name: "failtry-not-sent", mode: Failtry, refuse: true, wantAttempts: 3, wantDistinct: 1, wantIs: geerpc.ErrNotSent},
		{name: "failover-sent-not-idempotent", mode: Failover, callErr: sentErr, wantAttempts: 1, wantDistinct: 1, wantIs: sentErr},
		{name: "failover-sent-idempotent", mode: Failover, idempotent: true, callErr: sentErr, wantAttempts: 3, wantDistinct: 3, wantIs: sentErr},
		{name: "failtry-sent-idempotent", mode: Failtry, idempotent: true, callErr: sentErr, wantAttempts: 3, wantDistinct: 1, wantIs: sentErr},
		{name: "server-error-never-retried", mode: Failover, idempotent: true, callErr: geerpc.ServerError("no"), wantAttempts: 1, wantDistinct: 1, wantIs: geerpc.ServerError("no")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, addrs := newFakeNet(4)
			for _, s := range f.servers {
				s.refuse.Store(tc.refuse)
				s.setErr(tc.callErr)
			}
			x, _ := newFakeXClient(t, f, addrs, quick(Options{FailMode: tc.mode, Idempotent: tc.idempotent, EjectAfter: -1}))
			var info CallInfo
			err := x.Call(WithCallInfo(context.Background(), &info), "S.M", 1, new(string))
			if !errors.Is(err, tc.wantIs) {
				t.Fatalf("error %v, want one wrapping %v", err, tc.wantIs)
			}
			if info.Attempts != tc.wantAttempts {
				t.Fatalf("attempts %d, want %d", info.Attempts, tc.wantAttempts)
			}
			if got := distinctTouched(f, tc.refuse); got != tc.wantDistinct {
				t.Fatalf("instances tried %d, want %d", got, tc.wantDistinct)
			}
		})
	}
}

// distinctTouched counts the servers that saw a dial (when dials fail) or a
// call.
func distinctTouched(f *fakeNet, dials bool) int {
	n := 0
	for _, s := range f.servers {
		if (dials && s.dials.Load() > 0) || (!dials && s.calls.Load() > 0) {
			n++
		}
	}
	return n
}

func TestFailoverAroundDeadInstance(t *testing.T) {
	for _, mode := range []SelectMode{RandomSelect, RoundRobinSelect, P2CSelect, WeightedRoundRobinSelect} {
		t.Run(mode.String(), func(t *testing.T) {
			f, addrs := newFakeNet(3)
			dead := addrs[1]
			f.servers[dead].refuse.Store(true)
			x, _ := newFakeXClient(t, f, addrs, quick(Options{Mode: mode, FailMode: Failover, RetryRatio: -1}))
			for i := range 200 {
				var reply string
				if err := x.Call(context.Background(), "S.M", i, &reply); err != nil {
					t.Fatalf("call %d: %v", i, err)
				}
				if reply == dead {
					t.Fatalf("call %d answered by the dead instance", i)
				}
			}
			if f.servers[dead].dials.Load() == 0 {
				t.Fatalf("the dead instance was never tried: the test proves nothing")
			}
		})
	}
}

func TestFailoverWithConsistentHashMovesToNextInstance(t *testing.T) {
	f, addrs := newFakeNet(3)
	x, _ := newFakeXClient(t, f, addrs, quick(Options{Mode: ConsistentHashSelect, FailMode: Failover}))
	ctx := WithHashKey(context.Background(), "user-7")
	var home string
	if err := x.Call(ctx, "S.M", 1, &home); err != nil {
		t.Fatal(err)
	}
	f.servers[home].refuse.Store(true)
	f.servers[home].mu.Lock()
	for _, c := range f.servers[home].clients {
		c.broken.Store(true)
	}
	f.servers[home].mu.Unlock()
	var other string
	if err := x.Call(ctx, "S.M", 1, &other); err != nil {
		t.Fatalf("failover from the key's home: %v", err)
	}
	if other == home {
		t.Fatalf("answered by the broken home %s", home)
	}
}

func TestRetryBudgetCapsRetries(t *testing.T) {
	const calls, burst, ratio = 400, 5, 0.1
	f, addrs := newFakeNet(4)
	for _, s := range f.servers {
		s.refuse.Store(true)
	}
	x, _ := newFakeXClient(t, f, addrs, quick(Options{FailMode: Failover, MaxAttempts: 3, RetryRatio: ratio, RetryBurst: burst}))
	attempts, budgetErrs := 0, 0
	for range calls {
		var info CallInfo
		err := x.Call(WithCallInfo(context.Background(), &info), "S.M", 1, nil)
		if err == nil {
			t.Fatal("a call to refusing instances succeeded")
		}
		if errors.Is(err, ErrRetryBudget) {
			budgetErrs++
		}
		attempts += info.Attempts
	}
	retries := attempts - calls
	limit := burst + int(ratio*calls)
	if retries > limit || retries < limit-burst {
		t.Fatalf("%d retries for %d calls, want at most %d and near it", retries, calls, limit)
	}
	if budgetErrs == 0 {
		t.Fatal("no call reported ErrRetryBudget")
	}
}

func TestRetriesStayWithinDeadline(t *testing.T) {
	const maxAttempts = 1 << 20
	f, addrs := newFakeNet(2)
	for _, s := range f.servers {
		s.hang.Store(true)
	}
	x, _ := newFakeXClient(t, f, addrs, Options{
		FailMode: Failover, Idempotent: true, AttemptTimeout: 20 * time.Millisecond,
		MaxAttempts: maxAttempts, RetryRatio: -1, EjectAfter: -1, BackoffBase: time.Millisecond,
	})
	// The deadline is a hundred attempt timeouts, so that even a machine
	// too busy to run timers on time gets through a few attempts in it.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var info CallInfo
	err := x.Call(WithCallInfo(ctx, &info), "S.M", 1, nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v, want a deadline", err)
	}
	if info.Attempts < 2 || info.Attempts >= maxAttempts {
		t.Fatalf("%d attempts: want a few per-attempt timeouts, bounded by the caller's deadline", info.Attempts)
	}
}

func TestHedgedRequest(t *testing.T) {
	for _, tc := range []struct {
		name       string
		idempotent bool
		wantHedged bool
		wantFrom   int // index of the answering instance
	}{
		{name: "idempotent-hedges", idempotent: true, wantHedged: true, wantFrom: 1},
		{name: "not-idempotent-waits", idempotent: false, wantHedged: false, wantFrom: 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, addrs := newFakeNet(2)
			// The pinned instance answers long after the hedge (a second,
			// not a few ms), so a busy machine cannot make it win the race.
			f.servers[addrs[0]].delay.Store(int64(time.Second))
			x, _ := newFakeXClient(t, f, addrs, Options{Balancer: &pinBalancer{}, HedgeDelay: 10 * time.Millisecond})
			ctx := pin(context.Background(), addrs[0])
			if tc.idempotent {
				ctx = WithIdempotent(ctx)
			}
			var info CallInfo
			var reply string
			if err := x.Call(WithCallInfo(ctx, &info), "S.M", 1, &reply); err != nil {
				t.Fatal(err)
			}
			if info.Hedged != tc.wantHedged || reply != addrs[tc.wantFrom] || info.Addr != reply {
				t.Fatalf("hedged %v, reply %q, info %+v; want hedged %v from %s", info.Hedged, reply, info, tc.wantHedged, addrs[tc.wantFrom])
			}
		})
	}
}
