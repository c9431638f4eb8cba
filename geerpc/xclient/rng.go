package xclient

import (
	"math/bits"
	"math/rand/v2"
	"sync"
	"time"
)

// rng is a source of random numbers safe for concurrent use. Without a seed
// it uses the runtime's per-thread generator (no lock); with a seed it is a
// PCG behind a mutex, so tests replay.
type rng struct {
	mu  sync.Mutex // protects following
	pcg *rand.PCG  // nil means the runtime generator
}

func newRNG(seed uint64) *rng {
	if seed == 0 {
		return &rng{}
	}
	return &rng{pcg: rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)}
}

func (r *rng) uint64() uint64 {
	if r.pcg == nil {
		return rand.Uint64()
	}
	r.mu.Lock()
	v := r.pcg.Uint64()
	r.mu.Unlock()
	return v
}

// intN returns a number in [0, n); n must be > 0.
func (r *rng) intN(n int) int {
	hi, _ := bits.Mul64(r.uint64(), uint64(n))
	return int(hi)
}

// epoch anchors nanotime so that it is monotonic.
var epoch = time.Now()

// nanotime returns monotonic nanoseconds since the package was loaded.
func nanotime() int64 { return int64(time.Since(epoch)) }
