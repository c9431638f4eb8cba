package chaos

import (
	"context"
	"os"
	"runtime"
	"time"
)

// Resources are the process's goroutines and file descriptors before the
// run and after it was torn down.
type Resources struct {
	Before ResourceCount `json:"before"`
	After  ResourceCount `json:"after"`
}

// ResourceCount is one sample of the process's resources.
type ResourceCount struct {
	Goroutines int `json:"goroutines"`
	FDs        int `json:"fds"` // open file descriptors; -1 where /proc/self/fd is missing
}

func sampleResources() ResourceCount {
	fds := -1
	if ents, err := os.ReadDir("/proc/self/fd"); err == nil {
		fds = len(ents) - 1 // the directory being read
	}
	return ResourceCount{Goroutines: runtime.NumGoroutine(), FDs: fds}
}

// settle waits up to limit (1s if ctx already ended) for the counts to fall
// back to before, and returns the last sample.
func settle(ctx context.Context, before ResourceCount, limit time.Duration) ResourceCount {
	if ctx.Err() != nil {
		limit = min(limit, time.Second)
	}
	deadline := time.Now().Add(limit)
	for {
		now := sampleResources()
		if (now.Goroutines <= before.Goroutines && now.FDs <= before.FDs) || time.Now().After(deadline) {
			return now
		}
		time.Sleep(20 * time.Millisecond)
	}
}
