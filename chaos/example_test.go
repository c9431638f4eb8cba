package chaos_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/geerpclab/geerpc/chaos"
)

// A scenario is rejected before anything starts, with the field named.
func ExampleDecode() {
	_, err := chaos.Decode(strings.NewReader(`{
		"name": "x",
		"instances": [{"name": "a"}, {"name": "b"}],
		"load": {"rate": 100, "duration": "30s", "timeout": "1s"},
		"faults": [{"type": "latency", "instances": ["b"], "start": "10s", "end": "40s", "latency": "50ms"}]
	}`))
	fmt.Println(err)
	// Output: chaos: scenario "x": faults[0].window: ends at 40s, after the run's 30s
}

// Call faults decide per call from a seed, so a run replays: the same seed
// aborts the same calls.
func ExampleCallInjector() {
	aborts := func(seed uint64) int {
		inj := chaos.NewCallInjector(seed)
		_ = inj.Set(0, chaos.CallFault{Type: chaos.FaultAbort, Fraction: 0.05})
		n := 0
		for nonce := range uint64(10000) {
			if err := inj.Do(context.Background(), nonce, true, nil, func() error { return nil }); err != nil {
				n++
			}
		}
		return n
	}
	fmt.Println(aborts(7) == aborts(7), aborts(7) > 400 && aborts(7) < 600)
	// Output: true true
}
