package loadgen_test

import (
	"context"
	"fmt"
	"time"

	"github.com/geerpclab/geerpc/demo"
	"github.com/geerpclab/geerpc/loadgen"
)

// echoInvoker answers Echo.Echo in memory, as two instances.
var echoInvoker = loadgen.InvokerFunc(func(_ context.Context, _ string, args, reply any) error {
	a, r := args.(demo.EchoArgs), reply.(*demo.EchoReply)
	r.Nonce, r.Payload, r.Instance = a.Nonce, a.Payload, []string{"a", "b"}[a.Nonce%2]
	return nil
})

func ExampleRun() {
	m, err := loadgen.Run(context.Background(), echoInvoker, loadgen.Options{
		Targets:     []loadgen.Target{loadgen.EchoTarget(581)},
		Concurrency: 4,
		Count:       1000,
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(m.Stop, m.Calls, m.Success)
	for _, g := range m.Instances {
		fmt.Println(g.Name, g.Calls, g.Share)
	}
	// Output:
	// count reached 1000 1
	// a 500 0.5
	// b 500 0.5
}

func ExampleMetrics() {
	var m loadgen.Metrics
	for i := range 100 { // latencies 10ms, 10.001ms, ... 10.099ms
		lat := 10*time.Millisecond + time.Duration(i)*time.Microsecond
		m.Add(&loadgen.Result{Method: "Echo.Echo", Outcome: loadgen.OutcomeOK, Done: lat})
	}
	m.Close()
	fmt.Println(m.Calls, m.Latency.P50.Round(time.Microsecond), m.Latency.Max)
	// Output: 100 10.052ms 10.099ms
}
