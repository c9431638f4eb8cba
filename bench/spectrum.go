package bench

import (
	"math"
	"sync"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/geerpclab/geerpc/loadgen"
)

// spectrumShards spreads the recording of concurrent results over locks.
const spectrumShards = 4

// spectrum records the latencies of a cell's measured calls, over all its
// rounds, in HdrHistograms of the loadgen geometry (3 significant digits,
// 100ns to 2 minutes).
type spectrum struct {
	shards [spectrumShards]struct {
		mu sync.Mutex // protects h
		h  *hdr.Histogram
		_  [48]byte // keep shards on their own cache lines
	}
}

func newSpectrum() *spectrum {
	s := &spectrum{}
	for i := range s.shards {
		s.shards[i].h = hdr.New(100, int64(2*time.Minute), 3)
	}
	return s
}

// observer returns a loadgen Observe function that records the results of
// calls due after warmup.
func (s *spectrum) observer(warmup time.Duration) func(loadgen.Result) {
	return func(r loadgen.Result) {
		if r.Due < warmup || r.Outcome == loadgen.OutcomeCanceled {
			return
		}
		v := min(max(int64(r.Latency()), 100), int64(2*time.Minute))
		sh := &s.shards[r.Seq%spectrumShards]
		sh.mu.Lock()
		_ = sh.h.RecordValue(v)
		sh.mu.Unlock()
	}
}

// spectrumPercentiles are the points of a spectrum: HdrHistogram's
// percentile distribution, ever closer to 100% (1 - 10^(-k/4)).
func spectrumPercentiles() []float64 {
	ps := []float64{0}
	for k := 1; k <= 20; k++ {
		ps = append(ps, 100*(1-math.Pow(10, -float64(k)/4)))
	}
	return append(ps, 100)
}

// quantiles returns the merged latency at each spectrum percentile, or nil
// when nothing was recorded.
func (s *spectrum) quantiles() []Quantile {
	all := hdr.New(100, int64(2*time.Minute), 3)
	for i := range s.shards {
		s.shards[i].mu.Lock()
		all.Merge(s.shards[i].h)
		s.shards[i].mu.Unlock()
	}
	if all.TotalCount() == 0 {
		return nil
	}
	var qs []Quantile
	for _, p := range spectrumPercentiles() {
		v := all.ValueAtPercentile(p)
		if p == 100 {
			v = all.Max()
		}
		qs = append(qs, Quantile{Percentile: p, Millis: ms(time.Duration(v))})
	}
	return qs
}

// ms converts a duration to float milliseconds.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
