package xclienttest

import (
	"context"
	"net"
	"testing"

	"github.com/geerpclab/geerpc/geerpc/xclient"
	"github.com/geerpclab/geerpc/internal/testserver"
	"github.com/geerpclab/geerpc/loadgen"
	"go.uber.org/goleak"
)

var _ loadgen.Invoker = (*xclient.XClient)(nil)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func serve(t *testing.T) string {
	t.Helper()
	addr, _ := testserver.StartDemo(t, "")
	return addr
}

// TestXClientShares drives an XClient over two instances: every nonce comes
// back exactly once, and the per-instance shares, by the instance each call
// went to, add up to the total and split it evenly under round robin.
func TestXClientShares(t *testing.T) {
	addrs := []string{serve(t), serve(t)}
	xc := xclient.NewXClient(xclient.NewMultiServerDiscovery(addrs), xclient.RoundRobinSelect, nil)
	t.Cleanup(func() { _ = xc.Close() })
	const n = 2000
	seen := make([]int, n)
	ch := make(chan uint64, n)
	m, err := loadgen.Run(context.Background(), xc, loadgen.Options{
		Targets: []loadgen.Target{loadgen.EchoTarget(581)}, Concurrency: 4, InFlight: 2, Count: n,
		Observe: func(r loadgen.Result) {
			if r.Outcome == loadgen.OutcomeOK {
				ch <- r.Seq
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	close(ch)
	for seq := range ch {
		seen[seq]++
	}
	for seq, k := range seen {
		if k != 1 {
			t.Fatalf("nonce %d came back %d times", seq, k)
		}
	}
	checkShares(t, m, addrs)
}

// checkShares asserts that the instances are addrs, that their calls add up
// to the total and that each has about half.
func checkShares(t *testing.T, m *loadgen.Metrics, addrs []string) {
	t.Helper()
	var calls int64
	for _, g := range m.Instances {
		calls += g.Calls
		if g.Share < 0.4 || g.Share > 0.6 {
			t.Errorf("instance %s has share %v", g.Name, g.Share)
		}
	}
	if len(m.Instances) != len(addrs) || calls != m.Calls || m.OK != m.Calls {
		t.Fatalf("instances %+v of %v: %d calls of %d, %d ok", m.Instances, addrs, calls, m.Calls, m.OK)
	}
}

// TestXClientErrorsCountUnderTheirInstance drives Arith.Add, whose replies
// name no instance, over a live instance and a dead one (connections
// refused, as after a kill): every call counts under the instance round
// robin sent it to, the dead one's as errors, none under "".
func TestXClientErrorsCountUnderTheirInstance(t *testing.T) {
	live := serve(t)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "tcp@" + lis.Addr().String()
	_ = lis.Close()
	d := xclient.NewMultiServerDiscovery([]string{live, dead})
	xc := xclient.NewXClientWithOptions(d, xclient.Options{Mode: xclient.RoundRobinSelect, EjectAfter: -1})
	t.Cleanup(func() { _ = xc.Close() })
	const n = 200
	m, err := loadgen.Run(context.Background(), xc, loadgen.Options{Targets: []loadgen.Target{loadgen.AddTarget()}, Concurrency: 2, Count: n})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]loadgen.GroupStats{}
	for _, g := range m.Instances {
		got[g.Name] = g
	}
	l, x := got[live], got[dead]
	if len(got) != 2 || l.Calls+x.Calls != n || l.Outcomes[loadgen.OutcomeOK] != l.Calls || x.Calls == 0 || x.Outcomes[loadgen.OutcomeOK] != 0 {
		t.Fatalf("instances %+v: want %s all ok and %s all failed, %d calls in all", m.Instances, live, dead, n)
	}
}
