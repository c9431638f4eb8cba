package geerpc

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// Dial connects to a GeeRPC server at the network address.
func Dial(network, address string, opts ...*Option) (*Client, error) {
	return DialContext(context.Background(), network, address, opts...)
}

// DialContext is like Dial but gives up when ctx ends.
func DialContext(ctx context.Context, network, address string, opts ...*Option) (*Client, error) {
	return dialWith(ctx, network, address, NewClient, opts...)
}

// DialHTTP connects to a GeeRPC server's HTTP CONNECT endpoint.
func DialHTTP(network, address string, opts ...*Option) (*Client, error) {
	return dialWith(context.Background(), network, address, NewHTTPClient, opts...)
}

// XDial connects to rpcAddr, of the form protocol@addr: tcp@host:port,
// unix@/path/to.sock, http@host:port or tls@host:port.
func XDial(rpcAddr string, opts ...*Option) (*Client, error) {
	return XDialContext(context.Background(), rpcAddr, opts...)
}

// XDialContext is like XDial but gives up when ctx ends.
func XDialContext(ctx context.Context, rpcAddr string, opts ...*Option) (*Client, error) {
	protocol, addr, err := ParseAddr(rpcAddr)
	if err != nil {
		return nil, err
	}
	switch protocol {
	case "http":
		return dialWith(ctx, "tcp", addr, NewHTTPClient, opts...)
	case "tls":
		return dialWith(ctx, "tcp", addr, newTLSClient, opts...)
	}
	return dialWith(ctx, protocol, addr, NewClient, opts...)
}

// ParseAddr splits protocol@addr. The protocol is tcp, tcp4, tcp6, unix,
// http or tls.
func ParseAddr(rpcAddr string) (protocol, addr string, err error) {
	protocol, addr, ok := strings.Cut(rpcAddr, "@")
	if !ok || addr == "" {
		return "", "", fmt.Errorf("%w %q: expected protocol@addr, such as tcp@127.0.0.1:9999", ErrBadAddr, rpcAddr)
	}
	switch protocol {
	case "tcp", "tcp4", "tcp6", "unix", "http", "tls":
		return protocol, addr, nil
	}
	return "", "", fmt.Errorf("%w %q: unknown protocol %q, expected tcp, unix, http or tls", ErrBadAddr, rpcAddr, protocol)
}

type newClientFunc func(conn net.Conn, opt *Option) (*Client, error)

// dialWith dials and runs the handshake within the connect timeout.
func dialWith(ctx context.Context, network, address string, f newClientFunc, opts ...*Option) (*Client, error) {
	opt, err := parseOptions(opts...)
	if err != nil {
		return nil, err
	}
	if opt.ConnectTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, opt.ConnectTimeout)
		defer cancel()
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, network, address)
	if err != nil {
		return nil, dialError(ctx, opt, err)
	}
	deadline, _ := ctx.Deadline()
	_ = conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Now()) })
	client, err := f(conn, &opt)
	if !stop() || err != nil {
		if err == nil {
			_ = client.Close()
		}
		_ = conn.Close()
		return nil, dialError(ctx, opt, err)
	}
	_ = conn.SetDeadline(time.Time{})
	return client, nil
}

// dialError names a connect timeout as one.
func dialError(ctx context.Context, opt Option, err error) error {
	var ne net.Error
	if errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout() {
		return newTimeout("rpc client: connect timeout: expect within %s", opt.ConnectTimeout)
	}
	if ctx.Err() != nil {
		return fmt.Errorf("geerpc: dial: %w", ctx.Err())
	}
	return fmt.Errorf("geerpc: dial: %w", err)
}

// NewHTTPClient makes a client over conn through the server's HTTP CONNECT
// endpoint.
func NewHTTPClient(conn net.Conn, opt *Option) (*Client, error) {
	if _, err := io.WriteString(conn, fmt.Sprintf("CONNECT %s HTTP/1.0\n\n", DefaultRPCPath)); err != nil {
		return nil, fmt.Errorf("geerpc: sending CONNECT: %w", err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: "CONNECT"})
	if err != nil {
		return nil, fmt.Errorf("geerpc: reading CONNECT response: %w", err)
	}
	_ = resp.Body.Close()
	if resp.Status != connected {
		return nil, fmt.Errorf("%w: unexpected HTTP response %q", ErrBadHandshake, resp.Status)
	}
	return NewClient(conn, opt)
}

// newTLSClient runs a TLS handshake on conn, then makes a client.
func newTLSClient(conn net.Conn, opt *Option) (*Client, error) {
	cfg := opt.TLSConfig
	if cfg == nil {
		cfg = &tls.Config{}
	}
	if cfg.ServerName == "" {
		cfg = cfg.Clone()
		cfg.ServerName, _, _ = net.SplitHostPort(conn.RemoteAddr().String())
	}
	tconn := tls.Client(conn, cfg)
	if err := tconn.Handshake(); err != nil {
		return nil, fmt.Errorf("geerpc: TLS handshake: %w", err)
	}
	return NewClient(tconn, opt)
}
