package geerpc

import (
	"math/bits"
	"sync/atomic"
	"time"
)

// subBucketBits sets the latency buckets per power of two to
// 1<<subBucketBits (8): about 9% resolution, plenty for a debug page.
const subBucketBits = 3

const latencyBuckets = 64 << subBucketBits

// methodStats counts one method's calls, errors and latencies without locks.
// Every outcome of a call (ok, error, refused, timed out) is counted here,
// by record, once: calls before errors, so that a reader loading errors
// first never sees more errors than calls.
type methodStats struct {
	calls   atomic.Uint64
	errors  atomic.Uint64
	latency [latencyBuckets]atomic.Uint64
}

// record adds one finished call.
func (st *methodStats) record(d time.Duration, failed bool) {
	st.calls.Add(1)
	if failed {
		st.errors.Add(1)
	}
	st.latency[bucketOf(d)].Add(1)
}

// bucketOf maps a duration to a log-linear bucket.
func bucketOf(d time.Duration) int {
	v := uint64(max(d, 1))
	exp := bits.Len64(v) - 1
	if exp < subBucketBits {
		return int(v)
	}
	sub := (v >> (exp - subBucketBits)) & (1<<subBucketBits - 1)
	return (exp-subBucketBits+1)<<subBucketBits | int(sub)
}

// bucketUpper is the largest duration that falls in bucket i.
func bucketUpper(i int) time.Duration {
	if i < 1<<subBucketBits {
		return time.Duration(i)
	}
	exp := i>>subBucketBits + subBucketBits - 1
	sub := uint64(i & (1<<subBucketBits - 1))
	base := uint64(1)<<exp | sub<<(exp-subBucketBits)
	return time.Duration(base + 1<<(exp-subBucketBits) - 1)
}

// quantile returns the latency below which a share q of recorded calls fell,
// and the number of recorded calls.
func (st *methodStats) quantile(q float64) (time.Duration, uint64) {
	var counts [latencyBuckets]uint64
	var total uint64
	for i := range st.latency {
		counts[i] = st.latency[i].Load()
		total += counts[i]
	}
	if total == 0 {
		return 0, 0
	}
	rank := uint64(q*float64(total) + 0.5)
	rank = min(max(rank, 1), total)
	var seen uint64
	for i, c := range counts {
		seen += c
		if seen >= rank {
			return bucketUpper(i), total
		}
	}
	return bucketUpper(latencyBuckets - 1), total
}
