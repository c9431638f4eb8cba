package xclient

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/geerpclab/geerpc/geerpc"
)

// Svc is the test service; each server's instance knows its address.
type Svc struct {
	addr string
	fail atomic.Bool // Work answers an error
}

// Args is the argument of Svc's methods.
type Args struct{ N, SleepMS int }

// Reply is the answer of Svc's methods.
type Reply struct {
	Addr string
	N    int
}

// Work answers the server's address, after the asked sleep.
func (s *Svc) Work(ctx context.Context, args Args, reply *Reply) error {
	if s.fail.Load() {
		return fmt.Errorf("svc %s refuses %d", s.addr, args.N)
	}
	if args.SleepMS > 0 {
		t := time.NewTimer(time.Duration(args.SleepMS) * time.Millisecond)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
		}
	}
	reply.Addr, reply.N = s.addr, args.N
	return nil
}

// trackingListener records accepted connections so that tests can break
// them.
type trackingListener struct {
	net.Listener
	mu    sync.Mutex // protects following
	conns []net.Conn
}

func (l *trackingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.mu.Lock()
		l.conns = append(l.conns, c)
		l.mu.Unlock()
	}
	return c, err
}

func (l *trackingListener) accepted() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.conns)
}

func (l *trackingListener) breakAll() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, c := range l.conns {
		_ = c.Close()
	}
}

// testServer is one running server of Svc.
type testServer struct {
	addr string
	svc  *Svc
	lis  *trackingListener
}

// startServer runs a server over protocol ("tcp" or "http") on a loopback
// port until the test ends.
func startServer(t *testing.T, protocol string) *testServer {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{addr: protocol + "@" + lis.Addr().String(), lis: &trackingListener{Listener: lis}}
	ts.svc = &Svc{addr: ts.addr}
	srv := geerpc.NewServer()
	if err := srv.Register(ts.svc); err != nil {
		t.Fatal(err)
	}
	stop := serve(srv, ts.lis, protocol)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		stop()
	})
	return ts
}

// serve runs srv on lis and returns a func that waits for it to stop.
func serve(srv *geerpc.Server, lis net.Listener, protocol string) func() {
	done := make(chan struct{})
	if protocol == "http" {
		hs := &http.Server{Handler: srv}
		go func() { defer close(done); _ = hs.Serve(lis) }()
		return func() { _ = hs.Close(); <-done }
	}
	go func() { defer close(done); _ = srv.Serve(context.Background(), lis) }()
	return func() { _ = lis.Close(); <-done }
}

func startServers(t *testing.T, protocol string, n int) ([]*testServer, []string) {
	servers := make([]*testServer, n)
	addrs := make([]string, n)
	for i := range servers {
		servers[i] = startServer(t, protocol)
		addrs[i] = servers[i].addr
	}
	return servers, addrs
}

// deadAddr returns a loopback address nobody listens on.
func deadAddr(t *testing.T) string {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	_ = lis.Close()
	return "tcp@" + addr
}

func TestIntegrationModes(t *testing.T) {
	for _, protocol := range []string{"tcp", "http"} {
		for _, tc := range []struct {
			mode    SelectMode
			key     string
			exact   bool // every instance gets exactly a third
			spreads bool // every instance gets some calls
		}{
			{mode: RandomSelect, spreads: true},
			{mode: RoundRobinSelect, exact: true, spreads: true},
			{mode: WeightedRoundRobinSelect, exact: true, spreads: true},
			{mode: ConsistentHashSelect, key: "user-1"},
			{mode: P2CSelect, spreads: true},
		} {
			t.Run(protocol+"/"+tc.mode.String(), func(t *testing.T) {
				_, addrs := startServers(t, protocol, 3)
				x := NewXClient(NewMultiServerDiscovery(addrs), tc.mode, nil)
				defer x.Close()
				counts := integrationCalls(t, x, tc.key, 90)
				checkShares(t, counts, addrs, tc.exact, tc.spreads, tc.key != "")
			})
		}
	}
}

// integrationCalls runs n calls from 3 goroutines and counts them per
// answering address, checking CallInfo against the reply.
func integrationCalls(t *testing.T, x *XClient, key string, n int) map[string]int {
	t.Helper()
	var mu sync.Mutex
	counts := map[string]int{}
	var wg sync.WaitGroup
	for w := range 3 {
		wg.Go(func() {
			for i := range n / 3 {
				ctx := context.Background()
				if key != "" {
					ctx = WithHashKey(ctx, key)
				}
				var info CallInfo
				var reply Reply
				if err := x.Call(WithCallInfo(ctx, &info), "Svc.Work", Args{N: w*1000 + i}, &reply); err != nil {
					t.Error(err)
					return
				}
				if reply.N != w*1000+i || info.Addr != reply.Addr {
					t.Errorf("reply %+v, info %+v", reply, info)
				}
				mu.Lock()
				counts[reply.Addr]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return counts
}

func checkShares(t *testing.T, counts map[string]int, addrs []string, exact, spreads, single bool) {
	t.Helper()
	total := 0
	for _, c := range counts {
		total += c
	}
	for _, a := range addrs {
		switch {
		case exact && counts[a] != total/len(addrs):
			t.Fatalf("shares %v, want exactly %d each", counts, total/len(addrs))
		case spreads && counts[a] == 0:
			t.Fatalf("shares %v: %s got nothing", counts, a)
		}
	}
	if single && len(counts) != 1 {
		t.Fatalf("one key went to %d instances: %v", len(counts), counts)
	}
}

func TestIntegrationFailoverAroundDeadInstance(t *testing.T) {
	_, addrs := startServers(t, "tcp", 2)
	dead := deadAddr(t)
	d := NewMultiServerDiscovery(append(addrs, dead))
	x := NewXClientWithOptions(d, Options{Mode: RoundRobinSelect, FailMode: Failover, RetryRatio: -1})
	defer x.Close()
	for i := range 60 {
		var reply Reply
		if err := x.Call(context.Background(), "Svc.Work", Args{N: i}, &reply); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	ff := NewXClient(NewMultiServerDiscovery([]string{dead}), RandomSelect, nil)
	defer ff.Close()
	err := ff.Call(context.Background(), "Svc.Work", Args{}, &Reply{})
	if !errors.Is(err, geerpc.ErrNotSent) {
		t.Fatalf("a refused dial must fail as not sent: %v", err)
	}
}

func TestIntegrationRedialAfterBrokenConnection(t *testing.T) {
	servers, addrs := startServers(t, "tcp", 1)
	x := NewXClient(NewMultiServerDiscovery(addrs), RandomSelect, nil)
	defer x.Close()
	if err := x.Call(context.Background(), "Svc.Work", Args{}, &Reply{}); err != nil {
		t.Fatal(err)
	}
	e := x.view.Load().eps[0]
	old := e.client.Load().c
	servers[0].lis.breakAll()
	waitFor(t, "the client to notice the broken connection", func() bool { return !old.IsAvailable() })
	var reply Reply
	if err := x.Call(context.Background(), "Svc.Work", Args{N: 5}, &reply); err != nil || reply.N != 5 {
		t.Fatalf("call after the break: %v %+v", err, reply)
	}
	if n := servers[0].lis.accepted(); n != 2 {
		t.Fatalf("%d connections accepted, want a redial", n)
	}
	if e.client.Load().c == old {
		t.Fatal("the broken client was reused")
	}
}

func TestIntegrationBroadcast(t *testing.T) {
	servers, addrs := startServers(t, "tcp", 3)
	x := NewXClient(NewMultiServerDiscovery(addrs), RandomSelect, nil)
	defer x.Close()
	var reply Reply
	if err := x.Broadcast(context.Background(), "Svc.Work", Args{N: 1}, &reply); err != nil || reply.N != 1 {
		t.Fatalf("broadcast: %v %+v", err, reply)
	}
	servers[1].svc.fail.Store(true)
	reply = Reply{}
	err := x.Broadcast(context.Background(), "Svc.Work", Args{N: 2, SleepMS: 300}, &reply)
	var be *BroadcastError
	var se geerpc.ServerError
	if !errors.As(err, &be) || !errors.As(err, &se) || be.Failed[0].Addr != addrs[1] || be.Cancelled != 2 {
		t.Fatalf("broadcast error %v (%+v), want %s's refusal and the sleepers cancelled", err, be, addrs[1])
	}
}

func TestIntegrationEviction(t *testing.T) {
	servers, addrs := startServers(t, "tcp", 2)
	d := NewMultiServerDiscovery(addrs)
	x := NewXClient(d, RoundRobinSelect, nil)
	defer x.Close()
	for range 4 {
		if err := x.Call(context.Background(), "Svc.Work", Args{}, &Reply{}); err != nil {
			t.Fatal(err)
		}
	}
	gone := x.view.Load().byAddr[addrs[0]].client.Load().c
	_ = d.Update(addrs[1:])
	var reply Reply
	if err := x.Call(context.Background(), "Svc.Work", Args{}, &reply); err != nil || reply.Addr != addrs[1] {
		t.Fatalf("after eviction: %v %+v", err, reply)
	}
	if gone.IsAvailable() {
		t.Fatal("the client of an instance that left discovery is still open")
	}
	_ = servers
}

// blackhole accepts connections and never answers.
func blackhole(t *testing.T) string {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var conns []net.Conn
	var mu sync.Mutex
	wg.Go(func() {
		for {
			c, err := lis.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	})
	t.Cleanup(func() {
		_ = lis.Close()
		wg.Wait()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	return "tcp@" + lis.Addr().String()
}

func TestIntegrationBlackholeEjected(t *testing.T) {
	_, addrs := startServers(t, "tcp", 2)
	hole := blackhole(t)
	x := NewXClientWithOptions(NewMultiServerDiscovery(append(addrs, hole)), Options{
		Mode: RoundRobinSelect, EjectAfter: 3, EjectBase: time.Minute,
	})
	defer x.Close()
	timeouts := 0
	for i := range 60 {
		// 1s: long enough that a healthy call never times out on a busy machine.
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := x.Call(ctx, "Svc.Work", Args{N: i}, &Reply{})
		cancel()
		if err != nil {
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("call %d: %v", i, err)
			}
			timeouts++
		}
	}
	if timeouts != 3 {
		t.Fatalf("%d calls timed out on the blackhole, want EjectAfter=3 then none", timeouts)
	}
}

func TestIntegrationGo(t *testing.T) {
	_, addrs := startServers(t, "tcp", 2)
	x := NewXClient(NewMultiServerDiscovery(addrs), RoundRobinSelect, nil)
	defer x.Close()
	done := make(chan *geerpc.Call, 10)
	replies := make([]Reply, 10)
	for i := range replies {
		x.Go(context.Background(), "Svc.Work", Args{N: i}, &replies[i], done)
	}
	for range replies {
		if c := <-done; c.Error != nil || !c.Sent {
			t.Fatalf("Go: %v sent %v", c.Error, c.Sent)
		}
	}
	for i, r := range replies {
		if r.N != i {
			t.Fatalf("reply %d = %+v", i, r)
		}
	}
}

// benchCallers is the number of concurrent callers of the call benchmarks.
const benchCallers = 100

func BenchmarkXClientCall(b *testing.B) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := "tcp@" + lis.Addr().String()
	srv := geerpc.NewServer()
	if err := srv.Register(&Svc{addr: addr}); err != nil {
		b.Fatal(err)
	}
	stop := serve(srv, lis, "tcp")
	defer func() { _ = srv.Shutdown(context.Background()); stop() }()
	direct, err := geerpc.XDial(addr)
	if err != nil {
		b.Fatal(err)
	}
	defer direct.Close()
	x := NewXClientWithOptions(NewMultiServerDiscovery([]string{addr}), Options{Mode: P2CSelect})
	defer x.Close()
	for _, bc := range []struct {
		name string
		call func(ctx context.Context, method string, args, reply any) error
	}{
		{name: "direct", call: direct.Call},
		{name: "xclient", call: x.Call},
	} {
		b.Run(bc.name, func(b *testing.B) {
			runParallelCalls(b, bc.call)
		})
	}
}

// runParallelCalls runs b.N calls from benchCallers goroutines.
func runParallelCalls(b *testing.B, call func(ctx context.Context, method string, args, reply any) error) {
	b.ReportAllocs()
	procs := runtime.GOMAXPROCS(0)
	b.SetParallelism((benchCallers + procs - 1) / procs)
	b.RunParallel(func(pb *testing.PB) {
		var reply Reply
		for pb.Next() {
			if err := call(context.Background(), "Svc.Work", Args{N: 1}, &reply); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func TestIntegrationCustomDial(t *testing.T) {
	_, addrs := startServers(t, "tcp", 2)
	var dials atomic.Int32
	dial := func(ctx context.Context, addr string) (*geerpc.Client, error) {
		dials.Add(1)
		return geerpc.XDialContext(ctx, addr, &geerpc.Option{CodecType: "application/json"})
	}
	x := NewXClientWithOptions(NewMultiServerDiscovery(addrs), Options{Mode: RoundRobinSelect, Dial: dial})
	defer x.Close()
	for i := range 6 {
		var reply Reply
		if err := x.Call(context.Background(), "Svc.Work", Args{N: i}, &reply); err != nil || reply.N != i {
			t.Fatalf("call %d over JSON: %v %+v", i, err, reply)
		}
	}
	if n := dials.Load(); n != 2 {
		t.Fatalf("%d dials, want one per instance", n)
	}
}
