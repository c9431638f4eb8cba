package geerpc_test

import (
	"bytes"
	"context"
	"encoding/gob"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/rpc"
	"net/rpc/jsonrpc"
	"strings"
	"testing"
	"time"

	"github.com/geerpclab/geerpc/geerpc"
	"github.com/geerpclab/geerpc/geerpc/codec"
)

// rawConn dials addr ("tcp@host:port") without any protocol.
func rawConn(t *testing.T, addr string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(addr, "tcp@"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// preambleAndRequest is an Option followed by one request, as one buffer.
func preambleAndRequest(t *testing.T, ct codec.Type, h codec.Header, body any) []byte {
	t.Helper()
	var buf bytes.Buffer
	o := geerpc.Option{MagicNumber: geerpc.MagicNumber, CodecType: ct}
	if err := json.NewEncoder(&buf).Encode(&o); err != nil {
		t.Fatal(err)
	}
	cc := codec.New(ct, nopCloser{&buf}, codec.Options{})
	if err := cc.Write(&h, body); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

type nopCloser struct{ io.ReadWriter }

func (nopCloser) Close() error { return nil }

// readReply reads one reply from a raw connection.
func readReply(t *testing.T, conn net.Conn, ct codec.Type, reply any) codec.Header {
	t.Helper()
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	cc := codec.New(ct, conn, codec.Options{})
	var h codec.Header
	if err := cc.ReadHeader(&h); err != nil {
		t.Fatalf("reading reply header: %v", err)
	}
	if err := cc.ReadBody(reply); err != nil {
		t.Fatalf("reading reply body: %v", err)
	}
	return h
}

func TestOptionAndRequestInOneWriteLoseNothing(t *testing.T) {
	for _, ct := range codecs {
		t.Run(string(ct), func(t *testing.T) {
			srv, _ := newFooServer(t, geerpc.ServerOptions{})
			addr := transports[0].listen(t, srv)
			for i := range 100 {
				conn := rawConn(t, addr)
				msg := preambleAndRequest(t, ct, codec.Header{ServiceMethod: "Foo.Sum", Seq: 1}, Args{i, 1})
				if _, err := conn.Write(msg); err != nil {
					t.Fatal(err)
				}
				var sum int
				if h := readReply(t, conn, ct, &sum); h.Error != "" || h.Seq != 1 || sum != i+1 {
					t.Fatalf("reply %+v sum %d, want seq 1 and %d", h, sum, i+1)
				}
				_ = conn.Close()
			}
		})
	}
}

func TestLookupErrorsKeepTheConnection(t *testing.T) {
	tests := []struct {
		method, want string
	}{
		{method: "Nope.Sum", want: "rpc server: can't find service Nope"},
		{method: "Foo.Nope", want: "rpc server: can't find method Nope"},
		{method: "NoDot", want: "rpc server: service/method request ill-formed: NoDot"},
		{method: "Foo.Sum", want: ""},
	}
	for _, ct := range codecs {
		t.Run(string(ct), func(t *testing.T) {
			srv, _ := newFooServer(t, geerpc.ServerOptions{})
			c := dial(t, transports[0].listen(t, srv), opt(ct))
			for _, tt := range tests {
				err := c.Call(context.Background(), tt.method, Args{1, 2}, new(int))
				var se geerpc.ServerError
				if tt.want == "" && err != nil || tt.want != "" && (!errors.As(err, &se) || string(se) != tt.want) {
					t.Fatalf("%s: err = %v, want %q", tt.method, err, tt.want)
				}
			}
		})
	}
}

func TestUndecodableArgsGetAnErrorReply(t *testing.T) {
	srv, _ := newFooServer(t, geerpc.ServerOptions{})
	c := dial(t, transports[0].listen(t, srv), opt(codec.JsonType))
	err := c.Call(context.Background(), "Foo.Sum", "not an Args", new(int))
	var se geerpc.ServerError
	if !errors.As(err, &se) || !strings.Contains(string(se), "read argv") {
		t.Fatalf("err = %v, want a read argv ServerError", err)
	}
	callSum(t, c, 3, 4)
}

func TestBadInputClosesOnlyThatConnection(t *testing.T) {
	gobGarbage := append(preambleAndRequest(t, codec.GobType, codec.Header{}, 0)[:0:0],
		`{"MagicNumber":3927900,"CodecType":"application/gob"}`+"\n\x05\xff\xff\xff\xff\xff"...)
	tests := []struct {
		name  string
		bytes string
	}{
		{name: "wrong magic", bytes: `{"MagicNumber":1,"CodecType":"application/gob"}` + "\n"},
		{name: "unknown codec", bytes: `{"MagicNumber":3927900,"CodecType":"application/xml"}` + "\n"},
		{name: "malformed option", bytes: `{"MagicNumber":3927900,"CodecType":}` + "\n"},
		{name: "neither option nor JSON-RPC", bytes: `{"hello":1}` + "\n"},
		{name: "garbage gob frame", bytes: string(gobGarbage)},
		{name: "garbage JSON frame", bytes: `{"MagicNumber":3927900,"CodecType":"application/json"}` + "\n{]]]\n"},
		{name: "huge gob length", bytes: `{"MagicNumber":3927900}` + "\n\xfc\x7f\xff\xff\xff"},
	}
	srv, _ := newFooServer(t, geerpc.ServerOptions{})
	addr := transports[0].listen(t, srv)
	good := dial(t, addr, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn := rawConn(t, addr)
			if _, err := io.WriteString(conn, tt.bytes); err != nil {
				t.Fatal(err)
			}
			_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			if n, err := io.Copy(io.Discard, conn); err != nil {
				t.Fatalf("server did not close the connection: read %d bytes, %v", n, err)
			}
			callSum(t, good, 2, 2)
		})
	}
}

func TestHandshakeTimeoutClosesConnection(t *testing.T) {
	srv, _ := newFooServer(t, geerpc.ServerOptions{HandshakeTimeout: 50 * time.Millisecond})
	conn := rawConn(t, transports[0].listen(t, srv))
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.Copy(io.Discard, conn); err != nil {
		t.Fatalf("silent connection not closed by the handshake timeout: %v", err)
	}
}

func TestMessageLimit(t *testing.T) {
	srv, _ := newFooServer(t, geerpc.ServerOptions{MaxMessageSize: 1 << 10})
	addr := transports[0].listen(t, srv)
	for _, ct := range codecs {
		t.Run(string(ct), func(t *testing.T) {
			big := dial(t, addr, opt(ct))
			var out []byte
			err := big.Call(context.Background(), "Foo.Echo", make([]byte, 4<<10), &out)
			if !errors.Is(err, geerpc.ErrShutdown) {
				t.Fatalf("oversized request: err = %v, want the connection closed", err)
			}
			callSum(t, dial(t, addr, opt(ct)), 1, 1)
		})
	}
	t.Run("client limit", func(t *testing.T) {
		o := opt(codec.GobType)
		o.MaxMessageSize = 100
		c := dial(t, addr, o)
		var out []byte
		if err := c.Call(context.Background(), "Foo.Echo", make([]byte, 500), &out); !errors.Is(err, codec.ErrMessageTooLarge) {
			t.Fatalf("oversized reply: err = %v, want ErrMessageTooLarge", err)
		}
		<-c.Closed() // the stream is unusable after a refused message
	})
}

func TestHandleTimeout(t *testing.T) {
	srv, _ := newFooServer(t, geerpc.ServerOptions{})
	o := opt(codec.GobType)
	o.HandleTimeout = 50 * time.Millisecond
	c := dial(t, transports[0].listen(t, srv), o)
	for _, method := range []string{"Foo.BlockingSleep", "Foo.Sleep"} {
		err := c.Call(context.Background(), method, Args{Num1: 300}, new(int))
		var se geerpc.ServerError
		if !errors.As(err, &se) || !strings.Contains(string(se), "request handle timeout: expect within 50ms") {
			t.Fatalf("%s: err = %v, want a handle timeout", method, err)
		}
	}
	callSum(t, c, 5, 5)
	time.Sleep(300 * time.Millisecond) // BlockingSleep ignores contexts: let it end
}

func TestDeadlineReachesTheHandler(t *testing.T) {
	srv, _ := newFooServer(t, geerpc.ServerOptions{})
	c := dial(t, transports[0].listen(t, srv), nil)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var left int
	if err := c.Call(ctx, "Foo.Deadline", Args{}, &left); err != nil {
		t.Fatal(err)
	}
	if left <= 0 || left > 2000 {
		t.Fatalf("handler saw %dms left, want within (0, 2000]", left)
	}
	if err := c.Call(context.Background(), "Foo.Deadline", Args{}, &left); err != nil || left != -1 {
		t.Fatalf("without a deadline the handler saw %d (%v), want -1", left, err)
	}
}

func TestExpiredRequestIsNotExecuted(t *testing.T) {
	srv, foo := newFooServer(t, geerpc.ServerOptions{})
	conn := rawConn(t, transports[0].listen(t, srv))
	past := time.Now().Add(-time.Second).UnixNano()
	msg := preambleAndRequest(t, codec.GobType, codec.Header{ServiceMethod: "Foo.Sleep", Seq: 7, Deadline: past}, Args{Num1: 1})
	if _, err := conn.Write(msg); err != nil {
		t.Fatal(err)
	}
	h := readReply(t, conn, codec.GobType, nil)
	if h.Seq != 7 || !strings.Contains(h.Error, "deadline exceeded") {
		t.Fatalf("reply %+v, want a deadline error for seq 7", h)
	}
	if n := foo.sleeps.Load(); n != 0 {
		t.Fatalf("expired request executed %d times", n)
	}
}

func TestPanicBecomesAnErrorReply(t *testing.T) {
	srv, _ := newFooServer(t, geerpc.ServerOptions{})
	c := dial(t, transports[0].listen(t, srv), nil)
	err := c.Call(context.Background(), "Foo.Panic", Args{}, new(int))
	var se geerpc.ServerError
	if !errors.As(err, &se) || !strings.Contains(string(se), "panicked: boom") {
		t.Fatalf("err = %v, want a panic ServerError", err)
	}
	callSum(t, c, 1, 2)
}

func TestStockNetRPCClients(t *testing.T) {
	srv, _ := newFooServer(t, geerpc.ServerOptions{})
	addr := strings.TrimPrefix(transports[0].listen(t, srv), "tcp@")
	dialers := []struct {
		name string
		dial func() (*rpc.Client, error)
	}{
		{name: "net/rpc", dial: func() (*rpc.Client, error) { return rpc.Dial("tcp", addr) }},
		{name: "net/rpc/jsonrpc", dial: func() (*rpc.Client, error) { return jsonrpc.Dial("tcp", addr) }},
	}
	for _, d := range dialers {
		t.Run(d.name, func(t *testing.T) {
			c, err := d.dial()
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			for i := range 20 {
				var sum int
				if err := c.Call("Foo.Sum", Args{i, 1}, &sum); err != nil || sum != i+1 {
					t.Fatalf("Foo.Sum = %d, %v", sum, err)
				}
			}
			if err := c.Call("Foo.Fail", "nope", new(int)); err == nil || err.Error() != "nope" {
				t.Fatalf("Foo.Fail err = %v", err)
			}
		})
	}
}

func TestClientCallsStockNetRPCServer(t *testing.T) {
	rs := rpc.NewServer()
	if err := rs.Register(&Foo{}); err != nil {
		t.Fatal(err)
	}
	lis := listenTCP(t)
	go func() { // rs.Accept would log when lis closes
		for {
			conn, err := lis.Accept()
			if err != nil {
				return
			}
			go rs.ServeConn(conn)
		}
	}()
	defer lis.Close()
	c := dial(t, "tcp@"+lis.Addr().String(), &geerpc.Option{NetRPC: true})
	callSum(t, c, 20, 22)
}

func TestShutdownLetsInFlightCallsFinish(t *testing.T) {
	srv, _ := newFooServer(t, geerpc.ServerOptions{})
	addr := transports[0].listen(t, srv)
	c := dial(t, addr, nil)
	var reply int
	call := c.Go("Foo.BlockingSleep", Args{Num1: 100}, &reply, nil)
	time.Sleep(20 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	<-call.Done
	if call.Error != nil || reply != 100 {
		t.Fatalf("in-flight call = %d, %v; want its reply", reply, call.Error)
	}
	if _, err := geerpc.XDial(addr, &geerpc.Option{ConnectTimeout: time.Second}); err == nil {
		t.Fatal("dial after Shutdown succeeded")
	}
}

func TestRegisterErrors(t *testing.T) {
	srv := geerpc.NewServer()
	if err := srv.Register(&Foo{}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		reg  func() error
	}{
		{name: "duplicate", reg: func() error { return srv.Register(&Foo{}) }},
		{name: "no methods", reg: func() error { return srv.Register(new(int)) }},
		{name: "unexported name", reg: func() error { return srv.RegisterName("foo", &Foo{}) }},
		{name: "nil", reg: func() error { return srv.Register(nil) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.reg(); !errors.Is(err, geerpc.ErrRegister) {
				t.Fatalf("err = %v, want ErrRegister", err)
			}
		})
	}
}

func TestJSONKeepsIntegerPrecision(t *testing.T) {
	srv, _ := newFooServer(t, geerpc.ServerOptions{})
	c := dial(t, transports[0].listen(t, srv), opt(codec.JsonType))
	const n = int64(1)<<62 + 1
	var got int64
	if err := c.Call(context.Background(), "Foo.Big", n, &got); err != nil || got != n {
		t.Fatalf("Foo.Big = %d, %v; want %d", got, err, n)
	}
}

func TestDebugPageAndHTTPEndpoints(t *testing.T) {
	srv, _ := newFooServer(t, geerpc.ServerOptions{})
	c := dial(t, transports[0].listen(t, srv), nil)
	for range 3 {
		callSum(t, c, 1, 1)
	}
	_ = c.Call(context.Background(), "Foo.Fail", "x", new(int))
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	resp, err := http.Get(hs.URL + geerpc.DefaultDebugPath)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	for _, want := range []string{"Service Foo", "Sum(geerpc_test.Args, *int) error", `<td align="right">3</td>`} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("debug page lacks %q", want)
		}
	}
	st := srv.Stats()[0].Methods
	for _, m := range st {
		if m.Name == "Fail" && (m.Calls != 1 || m.Errors != 1) || m.Name == "Sum" && (m.Calls != 3 || m.P99 <= 0) {
			t.Errorf("stats of %s = %+v", m.Name, m)
		}
	}
	resp, err = http.Get(hs.URL + geerpc.DefaultRPCPath)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("GET on the RPC path = %d, want 405", resp.StatusCode)
	}
}

func TestHandleHTTPTwiceDoesNotPanic(t *testing.T) {
	a, b := geerpc.NewServer(), geerpc.NewServer()
	a.HandleHTTP()
	b.HandleHTTP()
	geerpc.HandleHTTP()
}

func TestGobStreamMatchesNetRPCHeaders(t *testing.T) {
	// Our header must decode as net/rpc's Request: field matching by name.
	var buf bytes.Buffer
	h := codec.Header{ServiceMethod: "Foo.Sum", Seq: 9, Deadline: 42}
	if err := gob.NewEncoder(&buf).Encode(&h); err != nil {
		t.Fatal(err)
	}
	var r rpc.Request
	if err := gob.NewDecoder(&buf).Decode(&r); err != nil || r.ServiceMethod != "Foo.Sum" || r.Seq != 9 {
		t.Fatalf("decoded %+v, %v", r, err)
	}
}

// Handlers that block must not hold up the requests read after them on the
// same connection, however many of them there are.
func TestBlockedHandlersDoNotHoldUpTheConnection(t *testing.T) {
	srv, foo := newFooServer(t, geerpc.ServerOptions{})
	c := dial(t, "tcp@"+serve(t, srv, listenTCP(t)), opt(codec.GobType))
	const blocked = 500
	done := make(chan *geerpc.Call, blocked)
	for range blocked {
		c.Go("Foo.Wait", Args{}, new(int), done)
	}
	callSum(t, c, 2, 3) // read after every Wait: it runs while they all block
	select {
	case call := <-done:
		t.Fatalf("a Wait call ended before the gate opened: %v", call.Error)
	default:
	}
	close(foo.gate)
	for range blocked {
		if call := <-done; call.Error != nil {
			t.Fatalf("Foo.Wait: %v", call.Error)
		}
	}
}
