package chaos_test

import (
	"context"
	"fmt"

	"github.com/geerpclab/geerpc/chaos"
	"github.com/geerpclab/geerpc/chaos/scenario"
)

// Call faults decide per call from a seed, so a run replays: the same seed
// aborts the same calls.
func ExampleCallInjector() {
	aborts := func(seed uint64) int {
		inj := chaos.NewCallInjector(seed)
		_ = inj.Set(0, chaos.CallFault{Type: scenario.FaultAbort, Fraction: 0.05})
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
