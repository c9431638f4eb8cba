package geerpc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Server serves the methods of registered receivers over GeeRPC, net/rpc
// and net/rpc/jsonrpc connections.
type Server struct {
	opts       ServerOptions
	inflight   atomic.Int64  // requests read and not yet answered, all connections
	serviceMap sync.Map      // string -> *service
	done       chan struct{} // closed when Shutdown starts
	drained    chan struct{} // closed when Shutdown saw the last connection end

	mu        sync.Mutex // protects following
	listeners map[net.Listener]struct{}
	conns     map[*serverConn]struct{}
	shutdown  bool
	isDrained bool
}

// NewServer returns a new Server.
func NewServer() *Server { return NewServerWithOptions(ServerOptions{}) }

// NewServerWithOptions is like NewServer but takes options.
func NewServerWithOptions(opts ServerOptions) *Server {
	return &Server{
		opts:      opts.withDefaults(),
		done:      make(chan struct{}),
		drained:   make(chan struct{}),
		listeners: make(map[net.Listener]struct{}),
		conns:     make(map[*serverConn]struct{}),
	}
}

// DefaultServer is the default instance of *Server.
var DefaultServer = NewServer()

// Register publishes in the server the methods of rcvr that satisfy the
// rules of the package documentation, under the name of rcvr's type.
func (s *Server) Register(rcvr any) error { return s.RegisterName("", rcvr) }

// RegisterName is like Register but uses name for the service.
func (s *Server) RegisterName(name string, rcvr any) error {
	svc, err := newService(name, rcvr)
	if err != nil {
		return err
	}
	if _, dup := s.serviceMap.LoadOrStore(svc.name, svc); dup {
		return fmt.Errorf("%w: service already defined: %s", ErrRegister, svc.name)
	}
	return nil
}

// Register publishes rcvr's methods in DefaultServer.
func Register(rcvr any) error { return DefaultServer.Register(rcvr) }

// findService resolves "Service.Method".
func (s *Server) findService(serviceMethod string) (*service, *methodType, error) {
	dot := strings.LastIndex(serviceMethod, ".")
	if dot < 0 {
		return nil, nil, errors.New("rpc server: service/method request ill-formed: " + serviceMethod)
	}
	serviceName, methodName := serviceMethod[:dot], serviceMethod[dot+1:]
	svci, ok := s.serviceMap.Load(serviceName)
	if !ok {
		return nil, nil, errors.New("rpc server: can't find service " + serviceName)
	}
	svc := svci.(*service)
	mtype := svc.method[methodName]
	if mtype == nil {
		return nil, nil, errors.New("rpc server: can't find method " + methodName)
	}
	return svc, mtype, nil
}

// Accept accepts connections on lis and serves each in its own goroutine.
// It returns when lis fails or the server shuts down.
func (s *Server) Accept(lis net.Listener) {
	_ = s.acceptLoop(lis)
}

// Accept accepts connections on lis for DefaultServer.
func Accept(lis net.Listener) { DefaultServer.Accept(lis) }

// Serve accepts connections on lis until ctx ends, then closes lis and
// returns nil. Connections already accepted keep being served until
// Shutdown. It returns ErrServerClosed after Shutdown, or the error of lis.
func (s *Server) Serve(ctx context.Context, lis net.Listener) error {
	stop := context.AfterFunc(ctx, func() { _ = lis.Close() })
	defer stop()
	err := s.acceptLoop(lis)
	if ctx.Err() != nil {
		return nil
	}
	return err
}

func (s *Server) acceptLoop(lis net.Listener) error {
	if !s.trackListener(lis, true) {
		_ = lis.Close()
		return ErrServerClosed
	}
	defer s.trackListener(lis, false)
	var backoff time.Duration
	for {
		conn, err := lis.Accept()
		if err == nil {
			backoff = 0
			go s.ServeConn(conn)
			continue
		}
		if s.isShutdown() {
			return ErrServerClosed
		}
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			s.opts.Logger.Warn("geerpc: accept error, retrying", "err", err, "delay", backoff)
			if !s.sleep(backoff) {
				return ErrServerClosed
			}
			continue
		}
		return fmt.Errorf("geerpc: accept: %w", err)
	}
}

// sleep waits d or until shutdown; it reports whether d passed.
func (s *Server) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.done:
		return false
	}
}

func (s *Server) trackListener(lis net.Listener, add bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !add {
		delete(s.listeners, lis)
		return true
	}
	if s.shutdown {
		return false
	}
	s.listeners[lis] = struct{}{}
	return true
}

func (s *Server) trackConn(c *serverConn, add bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !add {
		delete(s.conns, c)
		s.checkDrained()
		return true
	}
	if s.shutdown {
		return false
	}
	if len(s.conns) >= s.opts.MaxConns {
		s.opts.Logger.Warn("geerpc: refusing connection", "reason", ErrTooManyConns, "limit", s.opts.MaxConns)
		return false
	}
	s.conns[c] = struct{}{}
	return true
}

// checkDrained closes drained once shut down with no connection left.
// s.mu must be held.
func (s *Server) checkDrained() {
	if s.shutdown && len(s.conns) == 0 && !s.isDrained {
		s.isDrained = true
		close(s.drained)
	}
}

func (s *Server) isShutdown() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.shutdown
}

// Shutdown stops accepting, stops reading new requests, lets the calls in
// flight finish and their replies flush, then closes every connection. If
// ctx ends first, it closes the connections at once and returns ctx's error.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	if !s.shutdown {
		s.shutdown = true
		close(s.done)
	}
	for lis := range s.listeners {
		_ = lis.Close()
	}
	for c := range s.conns {
		c.stopReading()
	}
	s.checkDrained()
	s.mu.Unlock()
	select {
	case <-s.drained:
		return nil
	case <-ctx.Done():
		s.closeConns()
		<-s.drained
		return ctx.Err()
	}
}

func (s *Server) closeConns() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		c.close()
	}
}

// ServeConn serves one connection until the client hangs up. It tells the
// protocol from the first bytes: a GeeRPC Option, a JSON-RPC request, or a
// net/rpc gob stream.
func (s *Server) ServeConn(conn io.ReadWriteCloser) {
	sc := newServerConn(s, conn)
	if !s.trackConn(sc, true) {
		_ = conn.Close()
		return
	}
	defer s.trackConn(sc, false)
	if err := sc.handshake(); err != nil {
		s.opts.Logger.Info("geerpc: closing connection", "reason", err)
		sc.close()
		return
	}
	sc.serve()
}
