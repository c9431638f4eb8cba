package geerpc

import (
	"log/slog"
	"math"
	"time"
)

// ServerOptions tune a Server. The zero value works: every limit has a safe
// default, and a negative value turns a limit off.
type ServerOptions struct {
	// Logger receives the reasons connections are closed. Nil means no logs.
	Logger *slog.Logger
	// HandshakeTimeout bounds the wait for a connection's preamble.
	// Zero means 10 seconds.
	HandshakeTimeout time.Duration
	// IdleTimeout closes a connection that has no call in flight and has
	// sent no request for this long. Zero means 5 minutes.
	IdleTimeout time.Duration
	// MaxMessageSize bounds one header or body read from a connection; a
	// larger one closes it. Zero means 4 MiB.
	MaxMessageSize int64
	// MaxConns bounds the connections served at once; more are closed at
	// once. Zero means 10,000.
	MaxConns int
	// MaxRequestsPerConn bounds the calls in flight on one connection; more
	// are answered with ErrOverloaded without running. Zero means 16,384.
	MaxRequestsPerConn int
	// MaxRequests bounds the calls in flight on the whole server, as
	// MaxRequestsPerConn does for one connection. Zero means 65,536.
	MaxRequests int
	// Interceptor, when set, runs around every call the server executes
	// (middleware: logging, auth, fault injection). Nil means none.
	Interceptor Interceptor
}

func (o ServerOptions) withDefaults() ServerOptions {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	o.HandshakeTimeout = durationOr(o.HandshakeTimeout, 10*time.Second)
	o.IdleTimeout = durationOr(o.IdleTimeout, 5*time.Minute)
	o.MaxConns = limitOr(o.MaxConns, 10_000)
	o.MaxRequestsPerConn = limitOr(o.MaxRequestsPerConn, 16_384)
	o.MaxRequests = limitOr(o.MaxRequests, 65_536)
	return o
}

// durationOr maps zero to def and a negative duration to "no limit" (0).
func durationOr(d, def time.Duration) time.Duration {
	switch {
	case d == 0:
		return def
	case d < 0:
		return 0
	}
	return d
}

// limitOr maps zero to def and a negative count to "no limit".
func limitOr(n, def int) int {
	switch {
	case n == 0:
		return def
	case n < 0:
		return math.MaxInt32
	}
	return n
}

// startIdleTimer arms the idle timer; it costs nothing per request: it
// wakes once per IdleTimeout and looks at when the last request came.
func (sc *serverConn) startIdleTimer() {
	d := sc.srv.opts.IdleTimeout
	if d <= 0 {
		return
	}
	sc.lastRead.Store(time.Now().UnixNano())
	sc.idle.Store(time.AfterFunc(d, sc.checkIdle))
}

func (sc *serverConn) checkIdle() {
	select {
	case <-sc.closed:
		return
	default:
	}
	d := sc.srv.opts.IdleTimeout
	quiet := time.Since(time.Unix(0, sc.lastRead.Load()))
	if sc.inflight.Load() == 0 && quiet >= d {
		sc.srv.opts.Logger.Info("geerpc: closing idle connection", "idle", quiet)
		sc.close()
		return
	}
	sc.idle.Load().Reset(max(d-quiet, d/10))
}
