package geerpc

import (
	"testing"
	"time"
)

func TestWorkerPoolLetsGoOfWorkersIdleTooLong(t *testing.T) {
	var p workerPool
	start := time.Now().UnixNano()
	old, older, fresh := make(chan struct{}, 1), make(chan struct{}, 1), make(chan struct{}, 1)
	p.park(older, start)
	p.park(old, start+1)
	p.park(fresh, start+int64(idleWorkerTimeout)+2) // both have now waited too long
	for _, ch := range []chan struct{}{older, old} {
		if _, open := <-ch; open {
			t.Fatal("a worker idle too long was not let go")
		}
	}
	if got, _ := p.push(new(request)); got != fresh {
		t.Fatal("the fresh worker is not the one woken")
	}
	p.close()
	if p.park(make(chan struct{}, 1), start) {
		t.Fatal("a closed pool parked a worker")
	}
}

func TestWorkerPoolBoundsWokenWorkers(t *testing.T) {
	var p workerPool
	idle := make(chan struct{}, 1)
	p.park(idle, 0)
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
	if req, _, start, _ := p.next(idle, true, 0); req == nil || !start {
		t.Fatal("a woken worker that took a request did not wake another for the queue")
	}
	// A worker done with its request takes the next one; every slot is
	// taken, so it wakes nobody, down to the last request.
	for i := 1; i < n; i++ {
		if req, _, start, _ := p.next(idle, false, 0); req == nil || start {
			t.Fatalf("take %d: request %v, woke a worker %v", i, req != nil, start)
		}
	}
	if req, _, _, exit := p.next(idle, false, 0); req != nil || exit {
		t.Fatal("a worker with nothing to do did not park")
	}
	if p.spawned != maxWaking {
		t.Fatalf("started %d goroutines, want %d", p.spawned, maxWaking)
	}
}
