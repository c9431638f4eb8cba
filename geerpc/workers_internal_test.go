package geerpc

import (
	"testing"
	"time"
)

func TestWorkerPoolLetsGoOfWorkersIdleTooLong(t *testing.T) {
	var p workerPool
	start := time.Now().UnixNano()
	old, older, fresh := make(chan *request, 1), make(chan *request, 1), make(chan *request, 1)
	p.put(older, start)
	p.put(old, start+1)
	p.put(fresh, start+int64(idleWorkerTimeout)+2) // both have now waited too long
	for _, ch := range []chan *request{older, old} {
		if _, open := <-ch; open {
			t.Fatal("a worker idle too long was not let go")
		}
	}
	if got := p.get(); got != fresh {
		t.Fatal("the fresh worker is not the one reused")
	}
	if got := p.get(); got != nil {
		t.Fatal("a let-go worker was handed a request")
	}
	p.put(fresh, start)
	p.close()
	if _, open := <-fresh; open {
		t.Fatal("close left an idle worker waiting")
	}
	if p.put(make(chan *request, 1), start) {
		t.Fatal("a closed pool parked a worker")
	}
}
