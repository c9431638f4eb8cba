package agent

import (
	"context"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/geerpclab/geerpc/demo"
	"github.com/geerpclab/geerpc/geerpc"
	"github.com/geerpclab/geerpc/geerpc/geerpctest"
	"github.com/geerpclab/geerpc/internal/embedetcd"
	"github.com/geerpclab/geerpc/loadgen"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/goleak"
	"go.uber.org/zap"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// startServer serves the demo services as instance name on loopback until
// the test ends.
func startServer(t *testing.T, name string) (string, *geerpc.Server) {
	t.Helper()
	srv := geerpc.NewServer()
	if err := demo.New(demo.Config{Instance: name}).Register(srv); err != nil {
		t.Fatal(err)
	}
	return "tcp@" + geerpctest.Serve(t, srv, geerpctest.Listen(t)), srv
}

// echoCalls returns the Echo.Echo calls srv served.
func echoCalls(srv *geerpc.Server) int64 {
	for _, s := range srv.Stats() {
		for _, m := range s.Methods {
			if s.Name == "Echo" && m.Name == "Echo" {
				return int64(m.Calls)
			}
		}
	}
	return 0
}

// rawLatencies collects the latency of every measured result, as a single
// process would see them.
type rawLatencies struct {
	warmup time.Duration
	mu     sync.Mutex // protects lat
	lat    []time.Duration
}

func (r *rawLatencies) observe(res loadgen.Result) {
	if res.Due < r.warmup {
		return
	}
	r.mu.Lock()
	r.lat = append(r.lat, res.Latency())
	r.mu.Unlock()
}

// percentile returns the exact p-th percentile of the raw latencies, by
// HdrHistogram's rule: the value of rank p/100·n rounded to the nearest.
func (r *rawLatencies) percentile(p float64) time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := slices.Clone(r.lat)
	slices.Sort(s)
	rank := min(max(int(p/100*float64(len(s))+0.5), 1), len(s))
	return s[rank-1]
}

// builder makes jobs that call servers round robin with the options o; raw,
// when set, sees every result.
func builder(servers []string, o loadgen.Options, raw *rawLatencies) Builder {
	return func(ctx context.Context, _ Plan) (*Job, error) {
		var clients []*geerpc.Client
		closeAll := func() {
			for _, c := range clients {
				_ = c.Close()
			}
		}
		for _, s := range servers {
			c, err := geerpc.XDialContext(ctx, s)
			if err != nil {
				closeAll()
				return nil, err
			}
			clients = append(clients, c)
		}
		var next atomic.Uint64
		inv := loadgen.InvokerFunc(func(ctx context.Context, method string, args, reply any) error {
			return clients[next.Add(1)%uint64(len(clients))].Call(ctx, method, args, reply)
		})
		jo := o
		if raw != nil {
			jo.Observe = raw.observe
		}
		return &Job{Invoker: inv, Options: jo, Close: closeAll}, nil
	}
}

// testAgent is an agent serving its control service on loopback.
type testAgent struct {
	a      *Agent
	srv    *geerpc.Server
	ep     Endpoint
	cancel context.CancelFunc
	served chan error
	once   sync.Once
}

// startAgent serves an agent called name until the test ends or kill.
func startAgent(t *testing.T, name string, build Builder) *testAgent {
	t.Helper()
	ta := &testAgent{a: New(name, build), srv: geerpc.NewServer(), served: make(chan error, 1)}
	if err := ta.srv.RegisterName(ServiceName, ta.a.Control()); err != nil {
		t.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ta.ep = Endpoint{Name: name, Addr: "tcp@" + lis.Addr().String()}
	ctx, cancel := context.WithCancel(context.Background())
	ta.cancel = cancel
	go func() { ta.served <- ta.srv.Serve(ctx, lis) }()
	t.Cleanup(ta.kill)
	return ta
}

// kill stops the agent as a crash would: its connections close at once.
func (ta *testAgent) kill() {
	ta.once.Do(func() {
		ta.cancel()
		<-ta.served
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_ = ta.srv.Shutdown(ctx)
		ta.a.Close()
	})
}

// startAgents starts n agents sharing build.
func startAgents(t *testing.T, n int, build Builder) ([]*testAgent, []Endpoint) {
	var tas []*testAgent
	var eps []Endpoint
	for i := range n {
		ta := startAgent(t, string(rune('a'+i)), build)
		tas = append(tas, ta)
		eps = append(eps, ta.ep)
	}
	return tas, eps
}

// coordinate runs cfg and fails the test on a setup error.
func coordinate(t *testing.T, ctx context.Context, cfg Config, o loadgen.Options) *Report {
	t.Helper()
	setup, err := o.Describe()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Setup = setup
	cfg.Plan.Interval, cfg.Plan.Warmup = o.Interval, o.Warmup
	r, err := Coordinate(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// startEtcd starts an embedded etcd for the test and returns a client.
func startEtcd(t *testing.T) *clientv3.Client {
	t.Helper()
	e, err := embedetcd.Start(t.TempDir(), "127.0.0.1:0", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	cli, err := clientv3.New(clientv3.Config{
		Endpoints: []string{e.Clients[0].Addr().String()}, DialTimeout: 5 * time.Second, Logger: zap.NewNop(),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cli.Close() })
	return cli
}

// waitFor polls cond every 20ms until it holds or the generous deadline
// passes.
func waitFor(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, d)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
