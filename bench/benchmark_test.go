package bench

import (
	"context"
	"fmt"
	"testing"

	"github.com/geerpclab/geerpc/geerpc/codec"
)

// The go test benchmarks run client and server in one process on loopback.
// Each reports calls/s, p99 (µs) and goroutine wake-ups per call beside
// ns/op and allocations, which count client and server together. Sub-benchmarks with many callers use
// at most b.N of them, so that `-benchtime=1x` (CI) finishes in seconds.

// BenchmarkCall measures one caller's Echo round trip on geerpc by codec,
// payload size and transport.
func BenchmarkCall(b *testing.B) {
	for _, ct := range []codec.Type{codec.GobType, codec.JsonType} {
		for _, size := range []int{16, PayloadSize, 16 << 10} {
			for _, tr := range Transports {
				name := fmt.Sprintf("codec=%s/payload=%d/transport=%s", shortCodec(ct), size, tr)
				b.Run(name, func(b *testing.B) { benchPeer(b, GeeRPCOver(ct, tr), 1, size) })
			}
		}
	}
}

// BenchmarkPeers compares geerpc, with and without a deadline per call,
// with net/rpc, grpc-go, the raw TCP ceiling and (one caller) the raw TCP
// floor on the 581-byte Echo, one connection shared by all callers.
func BenchmarkPeers(b *testing.B) {
	for _, callers := range []int{1, 100, 10_000} {
		for _, p := range Peers() {
			if p.MaxCallers > 0 && callers > p.MaxCallers {
				continue
			}
			b.Run(fmt.Sprintf("callers=%d/peer=%s", callers, p.Name), func(b *testing.B) {
				benchPeer(b, p, callers, PayloadSize)
			})
		}
	}
}

// BenchmarkBalancer measures an XClient over three in-process instances
// found by a registry, per balancing mode, 100 callers calling Echo.
func BenchmarkBalancer(b *testing.B) {
	cl, err := StartCluster(context.Background(), []int{1, 1, 1})
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()
	for _, mode := range AllModes {
		b.Run("mode="+mode.String(), func(b *testing.B) {
			x := cl.Client(mode)
			defer x.Close()
			benchCaller(b, Invoker(x, mode), 100, PayloadSize)
		})
	}
}

// benchPeer starts p and measures it.
func benchPeer(b *testing.B, p Peer, callers, size int) {
	c, stop, err := p.Start(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	defer stop()
	benchCaller(b, c, callers, size)
}

// benchCaller warms c, then makes b.N Echo calls from min(callers, b.N)
// goroutines and reports calls/s and p99.
func benchCaller(b *testing.B, c Caller, callers, size int) {
	ctx := context.Background()
	if _, err := Echo(ctx, c, 1, 10, size); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	wake0 := wakeups()
	r, err := Echo(ctx, c, min(callers, b.N), b.N, size)
	b.StopTimer()
	b.ReportMetric((wakeups()-wake0)/float64(b.N), "wakeups/op")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(r.Throughput(), "calls/s")
	b.ReportMetric(float64(r.P99.Nanoseconds())/1e3, "p99-µs")
}
