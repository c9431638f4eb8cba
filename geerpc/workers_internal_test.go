package geerpc

import (
	"testing"
	"time"
)

// fakeClock is a workerPool clock the test moves by hand.
type fakeClock struct{ t int64 }

func (c *fakeClock) now() int64 { return c.t }

func TestWorkerPoolLetsGoOfWorkersIdleTooLong(t *testing.T) {
	clock := &fakeClock{t: time.Now().UnixNano()}
	p := workerPool{now: clock.now}
	defer p.close()
	older, old := make(chan struct{}, 1), make(chan struct{}, 1)
	p.mu.Lock()
	p.park(older)
	clock.t++
	p.park(old)
	armed := p.armed
	p.mu.Unlock()
	if !armed {
		t.Fatal("parking a worker did not arm the reaper")
	}
	// With no request at all, the reaper alone lets both go once they
	// have waited idleWorkerTimeout.
	clock.t += int64(idleWorkerTimeout)
	p.reap()
	for _, ch := range []chan struct{}{older, old} {
		if _, open := <-ch; open {
			t.Fatal("a worker idle too long was not let go")
		}
	}
	if p.armed || len(p.idle) != 0 {
		t.Fatalf("after reaping every worker: armed %v, %d idle", p.armed, len(p.idle))
	}
	fresh := make(chan struct{}, 1)
	p.mu.Lock()
	p.park(fresh)
	p.mu.Unlock()
	clock.t += int64(idleWorkerTimeout) / 2
	p.reap()
	if got, _ := p.push(new(request)); got != fresh {
		t.Fatal("a worker idle for half the timeout was let go, or not woken")
	}
	p.close()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.park(make(chan struct{}, 1)) {
		t.Fatal("a closed pool parked a worker")
	}
}

func TestWorkerPoolBoundsWokenWorkers(t *testing.T) {
	var p workerPool
	defer p.close()
	idle := make(chan struct{}, 1)
	p.park(idle)
	n := maxWaking + 3
	for i := range n {
		ch, start := p.push(new(request))
		switch {
		case i == 0 && (ch != idle || !start):
			t.Fatal("the first request did not wake the idle worker")
		case i > 0 && i < maxWaking && (ch != nil || !start):
			t.Fatalf("request %d did not start a worker", i)
		case i >= maxWaking && (ch != nil || start):
			t.Fatalf("request %d woke a worker beyond the %d on their way", i, maxWaking)
		}
	}
	// A woken worker takes a request: its slot frees, and since requests
	// still wait, it wakes one more before running its own.
	if req, _, start, _ := p.next(idle, true); req == nil || !start {
		t.Fatal("a woken worker that took a request did not wake another for the queue")
	}
	// A worker done with its request takes the next one; every slot is
	// taken, so it wakes nobody, down to the last request.
	for i := 1; i < n; i++ {
		if req, _, start, _ := p.next(idle, false); req == nil || start {
			t.Fatalf("take %d: request %v, woke a worker %v", i, req != nil, start)
		}
	}
	if req, _, _, exit := p.next(idle, false); req != nil || exit {
		t.Fatal("a worker with nothing to do did not park")
	}
	if p.spawned != maxWaking {
		t.Fatalf("started %d goroutines, want %d", p.spawned, maxWaking)
	}
}
