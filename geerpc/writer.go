package geerpc

import (
	"runtime"
	"sync"

	"github.com/geerpclab/geerpc/geerpc/codec"
)

// msgWriter serialises the messages of one connection and coalesces them
// into as few writes as it can. Clients write with write, which blocks
// until the request is encoded; the server writes with enqueue, which never
// waits for another writer: it leaves its reply to the goroutine writing at
// the moment, so handlers do not pile up behind one another under load.
//
// The invariant enqueue keeps, which makes it correct: a message in queue
// always has a goroutine that will encode it, the one holding mu. A sender
// that cannot take mu appends its message and tries mu once more; failing,
// it leaves. The holder, after every unlock, looks at the queue again and,
// if anything waits, takes mu back (or leaves it to whoever took it in
// between, who then owes the same look). A message that went in while mu
// was held is therefore seen by the holder's look after its unlock.
//
// Who owns a server request, at every moment: the reading goroutine, from
// getRequest until dispatch, or while it runs a lone request itself
// (runInline, inline.go); the worker pool's queue (under its mu) until a
// worker takes it; that worker while the method runs; then whichever of
// the goroutine running it and the handle-timeout timer wins req.replied
// (reply); then this writer, from enqueue until it calls sent after
// encoding it (or dropping it after a write error); then the request pool,
// when the request was given up for recycling (replyAndRecycle), or the
// garbage collector when a timer may still refer to it (handle).
type msgWriter struct {
	cc codec.Codec
	bw codec.BatchWriter // nil when the codec cannot batch

	// limit, if set, makes the connection's writes end at the deadline of
	// the message being written (see clientwrite.go); clients set it.
	limit func(deadline int64)

	mu        sync.Mutex // protects following; held while encoding and flushing
	unflushed int
	err       error

	qmu   sync.Mutex // protects following
	queue []queuedMsg
	spare []queuedMsg // the previous queue, kept for reuse
}

// queuedMsg is a message a writer may encode on its sender's behalf.
type queuedMsg interface {
	// message returns the header and body to encode.
	message() (*codec.Header, any)
	// sent is called once the message is encoded or dropped; the writer
	// does not touch it afterwards.
	sent()
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
	w.limitTo(h)
	if w.err != nil || w.bw == nil {
		defer w.mu.Unlock()
		if w.err == nil {
			w.err = w.cc.Write(h, body)
		}
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
	w.mu.Lock()
	defer w.mu.Unlock()
	w.limitTo(h)
	return w.flushLocked()
}

// limitTo makes the writes that follow end at h's deadline. w.mu must be
// held.
func (w *msgWriter) limitTo(h *codec.Header) {
	if w.limit != nil {
		w.limit(h.Deadline)
	}
}

// flushLocked flushes what is buffered. w.mu must be held.
func (w *msgWriter) flushLocked() error {
	if w.err == nil && w.bw != nil {
		w.err = w.bw.Flush()
	}
	w.unflushed = 0
	return w.err
}

// enqueue sends m, or leaves it to the goroutine that is writing now. The
// goroutine that writes also writes every message queued meanwhile, yields
// once first when others may be about to queue theirs (batch), and flushes
// them all together. It returns the connection's write error if this call
// wrote and failed; a message that cannot be written is dropped.
func (w *msgWriter) enqueue(m queuedMsg, batch bool) error {
	if !w.mu.TryLock() {
		w.qmu.Lock()
		w.queue = append(w.queue, m)
		w.qmu.Unlock()
		if !w.mu.TryLock() {
			return nil // the writer checks the queue after it unlocks
		}
	} else {
		w.encode(m)
	}
	for {
		w.drain(batch)
		err := w.flushLocked()
		w.mu.Unlock()
		if !w.queued() || !w.mu.TryLock() {
			return err
		}
	}
}

// drain encodes every queued message, yielding once first if batch.
// w.mu must be held.
func (w *msgWriter) drain(batch bool) {
	if batch {
		runtime.Gosched()
	}
	for {
		w.qmu.Lock()
		q := w.queue
		w.queue, w.spare = w.spare[:0], nil
		w.qmu.Unlock()
		if len(q) == 0 {
			w.keepSpare(q)
			return
		}
		for i, m := range q {
			w.encode(m)
			q[i] = nil
		}
		w.keepSpare(q)
	}
}

// keepSpare keeps an emptied queue for reuse. w.mu must be held.
func (w *msgWriter) keepSpare(q []queuedMsg) {
	w.qmu.Lock()
	if w.spare == nil && cap(q) <= maxIdleWorkers {
		w.spare = q[:0]
	}
	w.qmu.Unlock()
}

// queued reports whether messages wait in the queue.
func (w *msgWriter) queued() bool {
	w.qmu.Lock()
	defer w.qmu.Unlock()
	return len(w.queue) > 0
}

// encode buffers m, or drops it after a write error. w.mu must be held.
func (w *msgWriter) encode(m queuedMsg) {
	defer m.sent()
	if w.err != nil {
		return
	}
	h, body := m.message()
	if w.bw == nil {
		w.err = w.cc.Write(h, body)
		return
	}
	w.err = w.bw.WriteBuffered(h, body)
	w.unflushed++
}
