package geerpc

import (
	"runtime"
	"sync"

	"github.com/geerpclab/geerpc/geerpc/codec"
)

// msgWriter serialises the messages of one connection and coalesces them:
// the first message of a batch yields once so that other goroutines ready
// to write can add theirs, then flushes them all with one write.
type msgWriter struct {
	cc codec.Codec
	bw codec.BatchWriter // nil when the codec cannot batch

	mu        sync.Mutex // protects following
	unflushed int
	err       error
}

func newMsgWriter(cc codec.Codec) *msgWriter {
	bw, _ := cc.(codec.BatchWriter)
	return &msgWriter{cc: cc, bw: bw}
}

// write sends one message. When others may be about to write (batch), the
// first message of a batch yields before flushing so that they can join it;
// alone, it flushes at once. It returns the first write error of the
// connection; after one, every write fails with it.
func (w *msgWriter) write(h *codec.Header, body any, batch bool) error {
	w.mu.Lock()
	if w.err != nil {
		defer w.mu.Unlock()
		return w.err
	}
	if w.bw == nil {
		defer w.mu.Unlock()
		w.err = w.cc.Write(h, body)
		return w.err
	}
	if w.err = w.bw.WriteBuffered(h, body); w.err != nil {
		defer w.mu.Unlock()
		return w.err
	}
	w.unflushed++
	first := w.unflushed == 1
	w.mu.Unlock()
	if !first {
		return nil
	}
	if batch {
		runtime.Gosched()
	}
	return w.flush()
}

func (w *msgWriter) flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err == nil {
		w.err = w.bw.Flush()
	}
	w.unflushed = 0
	return w.err
}
