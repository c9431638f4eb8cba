package bench

import (
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
