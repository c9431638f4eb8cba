package geerpc

import (
	"bytes"
	"testing"
	"time"

	"github.com/geerpclab/geerpc/geerpc/codec"
)

// Counter counts the calls of its method.
type Counter struct{ n int }

func (c *Counter) Inc(_ int, reply *int) error { c.n++; *reply = c.n; return nil }

// A request whose deadline passed while it waited for a worker (on a busy
// machine, a scheduling delay) is answered ErrDeadlinePassed unrun.
func TestRequestExpiredInTheQueueDoesNotRun(t *testing.T) {
	srv, c := NewServer(), &Counter{}
	if err := srv.Register(c); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	sc := newServerConn(srv, bufRWC{Reader: &bytes.Buffer{}, Writer: &out})
	sc.cc = codec.NewGobCodec(sc.rwc)
	sc.w = newMsgWriter(sc.cc)
	for _, expired := range []bool{true, false} {
		req := getRequest()
		req.h = codec.Header{ServiceMethod: "Counter.Inc", Seq: 1, Deadline: time.Now().Add(time.Hour).UnixNano()}
		if expired {
			req.h.Deadline = time.Now().Add(-time.Millisecond).UnixNano()
		}
		var err error
		if req.svc, req.mtype, err = srv.findService(req.h.ServiceMethod); err != nil {
			t.Fatal(err)
		}
		req.argv, req.replyv, req.start = req.mtype.newArgv(), req.mtype.newReplyv(), time.Now()
		sc.handlers.Add(1)
		sc.inflight.Add(1)
		srv.inflight.Add(1)
		sc.handle(req)
	}
	sc.close()
	if c.n != 1 {
		t.Fatalf("the method ran %d times, want once (for the request still in time)", c.n)
	}
	dec := codec.NewGobCodec(bufRWC{Reader: &out, Writer: &bytes.Buffer{}})
	var h codec.Header
	if err := dec.ReadHeader(&h); err != nil || h.Error != ErrDeadlinePassed.Error() {
		t.Fatalf("first reply: %+v, %v; want %q", h, err, ErrDeadlinePassed)
	}
}
