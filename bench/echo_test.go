package bench

import (
	"context"
	"fmt"
	"testing"

	"github.com/geerpclab/geerpc/geerpc/codec"
)

// BenchmarkEcho compares geerpc with net/rpc on the 581-byte Echo, client
// and server in one process on loopback, one connection.
func BenchmarkEcho(b *testing.B) {
	for _, callers := range []int{1, 100, 10000} {
		for _, p := range []Peer{GeeRPC(codec.GobType), NetRPC} {
			b.Run(fmt.Sprintf("callers=%d/peer=%s", callers, p.Name), func(b *testing.B) {
				benchEcho(b, p, callers)
			})
		}
	}
}

func benchEcho(b *testing.B, p Peer, callers int) {
	ctx := context.Background()
	c, stop, err := p.Start(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer stop()
	if _, err := Echo(ctx, c, 1, 10, PayloadSize); err != nil { // warm the connection
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	r, err := Echo(ctx, c, callers, b.N, PayloadSize)
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(r.Throughput(), "calls/s")
	b.ReportMetric(float64(r.P99.Microseconds()), "p99-us")
}
