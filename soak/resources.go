package soak

import (
	"bytes"
	"cmp"
	"context"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Sample is one measurement of the process's resources.
type Sample struct {
	At         time.Time `json:"at"` // when the heap was read
	Goroutines int       `json:"goroutines"`
	Untrimmed  int       `json:"goroutines_untrimmed"` // before the nudge let the servers trim their idle handlers
	FDs        int       `json:"fds"`                  // open file descriptors; -1 where /proc/self/fd is missing
	HeapInuse  uint64    `json:"heap_inuse"`           // runtime.MemStats.HeapInuse after runtime.GC: what the heap check bounds
	HeapAlloc  uint64    `json:"heap_alloc"`           // the live objects' bytes then; HeapInuse less this is span fragmentation
	// The rest of runtime.MemStats then, to tell what moved the heap:
	HeapObjects uint64 `json:"heap_objects"` // live objects
	StackInuse  uint64 `json:"stack_inuse"`  // goroutine stacks (not in HeapInuse)
	MSpanInuse  uint64 `json:"mspan_inuse"`  // span descriptors (not in HeapInuse)
}

// counts samples goroutines and file descriptors.
func counts() Sample {
	fds := -1
	if ents, err := os.ReadDir("/proc/self/fd"); err == nil {
		fds = len(ents) - 1 // the directory being read
	}
	return Sample{Goroutines: runtime.NumGoroutine(), FDs: fds}
}

// restFor is how long the process idles after a phase's load before its
// sample: the goroutines of the calls just ended exit, and every server
// handler goroutine has been idle for longer than geerpc keeps an idle one
// (2s), so the nudge that follows lets it go.
const restFor = 3 * time.Second

// settle polls the counts for up to limit (1s without a target or once ctx
// ended), keeping the sample with the fewest goroutines and stopping early
// once it is at most target's; it then collects garbage twice and reads
// the heap.
func settle(ctx context.Context, limit time.Duration, target *Sample) Sample {
	if target == nil || ctx.Err() != nil {
		limit = min(limit, time.Second)
	}
	best := counts()
	tick, stop := time.NewTicker(25*time.Millisecond), time.NewTimer(limit)
	defer tick.Stop()
	defer stop.Stop()
	for target == nil || best.Goroutines > target.Goroutines || best.FDs > target.FDs {
		select {
		case <-tick.C:
		case <-stop.C:
			return withHeap(best)
		}
		if s := counts(); s.Goroutines < best.Goroutines || (s.Goroutines == best.Goroutines && s.FDs < best.FDs) {
			best = s
		}
	}
	return withHeap(best)
}

// withHeap collects garbage twice (the second empties sync.Pools' victim
// caches) and sets s.HeapInuse.
func withHeap(s Sample) Sample {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	s.HeapInuse, s.HeapAlloc, s.HeapObjects = ms.HeapInuse, ms.HeapAlloc, ms.HeapObjects
	s.StackInuse, s.MSpanInuse = ms.StackInuse, ms.MSpanInuse
	s.At = time.Now()
	return s
}

// StackCount is a number of goroutines parked in one function (the
// innermost frame of the geerpc or third-party code they run).
type StackCount struct {
	Function string `json:"function"`
	Count    int    `json:"count"`
}

// goroutineStacks counts the goroutines by the innermost frame that is not
// the runtime's, the standard library's synchronisation or I/O wait.
func goroutineStacks() map[string]int {
	var b bytes.Buffer
	if err := pprof.Lookup("goroutine").WriteTo(&b, 1); err != nil {
		return nil
	}
	m := map[string]int{}
	n := 0
	for _, line := range strings.Split(b.String(), "\n") {
		if at := strings.Index(line, " @ "); at > 0 {
			n, _ = strconv.Atoi(line[:at])
			continue
		}
		f := strings.Fields(line)
		if n == 0 || len(f) < 3 || f[0] != "#" || strings.HasPrefix(f[2], "runtime.") ||
			strings.HasPrefix(f[2], "internal/") || strings.HasPrefix(f[2], "sync.") || strings.HasPrefix(f[2], "net.") || strings.HasPrefix(f[2], "io.") {
			continue
		}
		name, _, _ := strings.Cut(f[2], "+")
		m[name] += n
		n = 0
	}
	return m
}

// grownStacks returns the n functions whose goroutines grew most from
// before to after.
func grownStacks(before, after map[string]int, n int) []StackCount {
	var g []StackCount
	for f, c := range after {
		if d := c - before[f]; d > 0 {
			g = append(g, StackCount{Function: f, Count: d})
		}
	}
	slices.SortFunc(g, func(a, b StackCount) int { return cmp.Or(b.Count-a.Count, strings.Compare(a.Function, b.Function)) })
	return g[:min(n, len(g))]
}

// heapProfile returns the heap profile (pprof format) as of the last GC.
func heapProfile() []byte {
	var b bytes.Buffer
	if err := pprof.Lookup("heap").WriteTo(&b, 0); err != nil {
		return nil
	}
	return b.Bytes()
}
