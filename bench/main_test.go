package bench

import (
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestEchoChecksEveryReply(t *testing.T) {
	for _, p := range []Peer{GeeRPC("application/gob"), GeeRPC("application/json"), NetRPC} {
		t.Run(p.Name, func(t *testing.T) {
			c, stop, err := p.Start(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			defer stop()
			r, err := Echo(t.Context(), c, 8, 200, PayloadSize)
			if err != nil || r.Calls != 200 || r.Errors != 0 || r.P99 < r.P50 || r.P50 <= 0 {
				t.Fatalf("Echo = %+v, %v", r, err)
			}
		})
	}
}

func TestCoreTableNamesEveryTarget(t *testing.T) {
	cells, err := Core(t.Context(), CoreOptions{Rounds: 1, Calls: 300, Callers: []int{1, 100, 10_000}})
	if err != nil {
		t.Fatal(err)
	}
	if len(cells) != 6 {
		t.Fatalf("got %d cells, want 6", len(cells))
	}
	var sb strings.Builder
	if err := WriteCoreTable(&sb, cells); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"net/rpc", "geerpc-gob", "throughput >= 2x", "0.7x", "80%", "allocations"} {
		if !strings.Contains(sb.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, sb.String())
		}
	}
}
