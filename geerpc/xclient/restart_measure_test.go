package xclient

import (
	"context"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/geerpclab/geerpc/geerpc"
)

// TestMeasureRestartRecovery measures, with the original API, how P2C lets
// an instance back in after it was down for 2s and restarted on its
// address: 30 callers, three equal instances with a 1ms handler. It is a
// measurement, not part of make test: it runs only when
// GEERPC_MEASURE_RESTART names how long to watch after the restart
// (e.g. 45s), prints the figures, and fails when the targets are missed.
func TestMeasureRestartRecovery(t *testing.T) {
	watch, err := time.ParseDuration(os.Getenv("GEERPC_MEASURE_RESTART"))
	if err != nil {
		t.Skip("set GEERPC_MEASURE_RESTART=45s to measure")
	}
	servers, addrs := startServers(t, "tcp", 3)
	x := NewXClient(NewMultiServerDiscovery(addrs), P2CSelect, nil)
	defer x.Close()
	m := newShareMeter(addrs[2])
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for range 30 {
		wg.Go(func() { m.callLoop(ctx, x) })
	}
	time.Sleep(3 * time.Second)
	restartAfter(t, servers[2], 2*time.Second)
	m.mark()
	sampleCosts(t, x, watch)
	stop()
	wg.Wait()
	report := m.report(watch)
	t.Log("\n" + report.text)
	if !report.met {
		t.Error("targets missed")
	}
}

// sampleCosts logs each instance's latency estimate and calls in flight
// every second for watch.
func sampleCosts(t *testing.T, x *XClient, watch time.Duration) {
	for s := range int(watch / time.Second) {
		time.Sleep(time.Second)
		var parts []string
		for _, e := range x.view.Load().eps {
			parts = append(parts, fmt.Sprintf("%v/%d/%v", e.Latency().Round(10*time.Microsecond), e.InFlight(), e.ejected.Load()))
		}
		t.Logf("+%ds %s", s+1, strings.Join(parts, " "))
	}
}

// restartAfter stops ts's server, waits down, and serves again on its
// address.
func restartAfter(t *testing.T, ts *testServer, down time.Duration) {
	_ = ts.lis.Close()
	ts.lis.breakAll()
	time.Sleep(down)
	hostport := strings.TrimPrefix(ts.addr, "tcp@")
	lis, err := net.Listen("tcp", hostport)
	if err != nil {
		t.Fatalf("listen again on %s: %v", hostport, err)
	}
	srv := geerpc.NewServer()
	if err := srv.Register(&Svc{addr: ts.addr}); err != nil {
		t.Fatal(err)
	}
	tl := &trackingListener{Listener: lis}
	stopServe := serve(srv, tl, "tcp")
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		stopServe()
	})
}

// shareMeter counts successful calls per second after a mark, by whether
// the watched instance answered them.
type shareMeter struct {
	watched string
	mu      sync.Mutex // protects following
	t0      time.Time  // the mark; zero before it
	first   time.Duration
	bins    [][2]int // per second after the mark: calls to watched, all calls
}

func newShareMeter(watched string) *shareMeter { return &shareMeter{watched: watched, first: -1} }

func (m *shareMeter) mark() {
	m.mu.Lock()
	m.t0 = time.Now()
	m.mu.Unlock()
}

func (m *shareMeter) callLoop(ctx context.Context, x *XClient) {
	for ctx.Err() == nil {
		cctx, cancel := context.WithTimeout(ctx, time.Second)
		var reply Reply
		err := x.Call(cctx, "Svc.Work", Args{SleepMS: 1}, &reply)
		cancel()
		if err == nil {
			m.record(reply.Addr == m.watched)
		}
	}
}

func (m *shareMeter) record(watched bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.t0.IsZero() {
		return
	}
	at := time.Since(m.t0)
	s := int(at / time.Second)
	for len(m.bins) <= s {
		m.bins = append(m.bins, [2]int{})
	}
	m.bins[s][1]++
	if watched {
		m.bins[s][0]++
		if m.first < 0 {
			m.first = at
		}
	}
}

// shareReport is what a measurement found.
type shareReport struct {
	text string
	met  bool
}

// report gives the time to the first call after the restart, the share in
// the second before +5s, +10s and +30s, and the time from the first call to
// the first second within 20% of a fair third.
func (m *shareMeter) report(watch time.Duration) shareReport {
	m.mu.Lock()
	defer m.mu.Unlock()
	var b strings.Builder
	share := func(s int) float64 {
		if s < 0 || s >= len(m.bins) || m.bins[s][1] == 0 {
			return -1
		}
		return float64(m.bins[s][0]) / float64(m.bins[s][1])
	}
	fmt.Fprintf(&b, "first call on the restarted instance: %v after its restart\n", m.first.Round(time.Millisecond))
	for _, at := range []int{5, 10, 30} {
		if at <= int(watch/time.Second) {
			fmt.Fprintf(&b, "share in second %d-%d: %.1f%%\n", at-1, at, share(at-1)*100)
		}
	}
	inBand := func(s float64) bool { return s >= 1.0/3*0.8 && s <= 1.0/3*1.2 }
	fair, within, after := -1, 0, 0
	start := int(max(m.first, 0) / time.Second)
	for s := start; s < len(m.bins)-1 && m.first >= 0; s++ { // the last bin is partial
		if inBand(share(s)) {
			within++
			if fair < 0 {
				fair = s
			}
		}
		after++
	}
	fmt.Fprintf(&b, "first second within 20%% of a third: second %d-%d after the restart; %d of %d seconds from the first call within\n",
		fair, fair+1, within, after)
	var all []string
	for s := range m.bins {
		all = append(all, fmt.Sprintf("%.0f", share(s)*100))
	}
	fmt.Fprintf(&b, "share per second (%%): %s\n", strings.Join(all, " "))
	met := m.first >= 0 && m.first <= 5*time.Second && fair >= 0 &&
		time.Duration(fair+1)*time.Second <= m.first+6*time.Second
	return shareReport{text: b.String(), met: met}
}

// slowSvc is Svc with a fixed delay added to every call.
type slowSvc struct {
	Svc
	delay time.Duration
}

// Work answers after the delay and the asked sleep.
func (s *slowSvc) Work(ctx context.Context, args Args, reply *Reply) error {
	time.Sleep(s.delay)
	return s.Svc.Work(ctx, args, reply)
}

// TestMeasureSlowShare measures, with the original API, the share P2C
// gives an instance slowed by 50ms beside two equal ones: 30 callers, a 1ms
// handler. Like TestMeasureRestartRecovery it runs only when
// GEERPC_MEASURE_SLOW names how long to measure, and fails above 10%.
func TestMeasureSlowShare(t *testing.T) {
	watch, err := time.ParseDuration(os.Getenv("GEERPC_MEASURE_SLOW"))
	if err != nil {
		t.Skip("set GEERPC_MEASURE_SLOW=20s to measure")
	}
	_, addrs := startServers(t, "tcp", 2)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	slow := "tcp@" + lis.Addr().String()
	srv := geerpc.NewServer()
	if err := srv.RegisterName("Svc", &slowSvc{Svc: Svc{addr: slow}, delay: 50 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	stopServe := serve(srv, lis, "tcp")
	defer stopServe()
	x := NewXClient(NewMultiServerDiscovery(append(addrs, slow)), P2CSelect, nil)
	defer x.Close()
	m := newShareMeter(slow)
	m.mark()
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for range 30 {
		wg.Go(func() { m.callLoop(ctx, x) })
	}
	sampleCosts(t, x, watch)
	stop()
	wg.Wait()
	m.mu.Lock()
	defer m.mu.Unlock()
	var n, all int
	for _, b := range m.bins[:len(m.bins)-1] {
		n, all = n+b[0], all+b[1]
	}
	t.Logf("slow instance: %d of %d calls (%.1f%%)", n, all, 100*float64(n)/float64(max(all, 1)))
	if n*10 > all {
		t.Error("above 10%")
	}
}
