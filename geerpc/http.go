package geerpc

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
)

// HTTP paths and the CONNECT answer of the GeeRPC HTTP transport.
const (
	connected = "200 Connected to Gee RPC"
	// DefaultRPCPath is where HandleHTTP serves CONNECT requests (the
	// original's spelling).
	DefaultRPCPath = "/_geeprc_"
	// DefaultDebugPath is where HandleHTTP serves the debug page.
	DefaultDebugPath = "/debug/geerpc"
)

// ServeHTTP answers an HTTP CONNECT request and then serves GeeRPC on the
// hijacked connection. Other methods get 405.
func (s *Server) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodConnect {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusMethodNotAllowed)
		_, _ = io.WriteString(w, "405 must CONNECT\n")
		return
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		http.Error(w, "geerpc: connection cannot be hijacked", http.StatusInternalServerError)
		return
	}
	conn, buf, err := hj.Hijack()
	if err != nil {
		s.opts.Logger.Info("geerpc: hijacking", "remote", req.RemoteAddr, "err", err)
		return
	}
	if _, err := io.WriteString(conn, "HTTP/1.0 "+connected+"\n\n"); err != nil {
		_ = conn.Close()
		return
	}
	s.ServeConn(withBuffered(conn, buf.Reader))
}

// readerConn is a net.Conn that first reads what a bufio.Reader holds.
type readerConn struct {
	net.Conn
	r io.Reader
}

func (c *readerConn) Read(p []byte) (int, error) { return c.r.Read(p) }

func withBuffered(conn net.Conn, br *bufio.Reader) net.Conn {
	if br == nil || br.Buffered() == 0 {
		return conn
	}
	return &readerConn{Conn: conn, r: io.MultiReader(io.LimitReader(br, int64(br.Buffered())), conn)}
}

// Handler returns a handler serving CONNECT at DefaultRPCPath and the debug
// page at DefaultDebugPath, to mount on a mux of the caller's choice.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle(DefaultRPCPath, s)
	mux.Handle(DefaultDebugPath, s.DebugHandler())
	return mux
}

var (
	defaultMuxOnce   sync.Once
	defaultMuxServer atomic.Pointer[Server]
)

// HandleHTTP registers the server's CONNECT handler and debug page on
// http.DefaultServeMux, as the original did. Calling it again, for this or
// another server, does not panic: the paths then serve the latest caller.
func (s *Server) HandleHTTP() {
	defaultMuxServer.Store(s)
	defaultMuxOnce.Do(func() {
		http.Handle(DefaultRPCPath, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defaultMuxServer.Load().ServeHTTP(w, r)
		}))
		http.Handle(DefaultDebugPath, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defaultMuxServer.Load().DebugHandler().ServeHTTP(w, r)
		}))
	})
}

// HandleHTTP is a shortcut for DefaultServer.HandleHTTP.
func HandleHTTP() { DefaultServer.HandleHTTP() }
