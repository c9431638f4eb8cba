package bench

import (
	"context"
	"testing"
	"time"

	"github.com/geerpclab/geerpc/cluster"
	"github.com/geerpclab/geerpc/demo"
	"github.com/geerpclab/geerpc/geerpc/xclient"
)

func TestProcessInstancesAreSlowedThroughToxiproxy(t *testing.T) {
	if testing.Short() {
		t.Skip("builds geerpc and toxiproxy-server")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	bin, err := cluster.Build(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cl, err := StartClusterOn(ctx, ClusterOptions{Backend: cluster.Processes, Binary: bin}, []int{1, 1})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		cl.Close()
		if kids, err := cluster.Children(); err == nil && len(kids) != 0 {
			t.Errorf("children left: %v", kids)
		}
	}()
	if err := cl.SetLatency(ctx, 1, 250*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	x := cl.Client(xclient.RoundRobinSelect)
	defer x.Close()
	took := map[string]time.Duration{}
	for range 6 {
		var reply demo.EchoReply
		start := time.Now()
		if err := x.Call(ctx, "Echo.Echo", demo.EchoArgs{Nonce: 1}, &reply); err != nil {
			t.Fatal(err)
		}
		took[reply.Instance] = max(took[reply.Instance], time.Since(start))
	}
	if took["i2"] < 250*time.Millisecond || len(took) != 2 {
		t.Errorf("slowest call per instance %v; want i2 slowed by at least 250ms", took)
	}
	if err := cl.SetLatency(ctx, 1, 0); err != nil {
		t.Fatal(err)
	}
}
