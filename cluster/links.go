//go:build unix

package cluster

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	toxiproxy "github.com/Shopify/toxiproxy/v2"
	toxiclient "github.com/Shopify/toxiproxy/v2/client"
	"github.com/gorilla/mux"
	"github.com/rs/zerolog"
)

// ErrLink is wrapped by the errors of Links.
var ErrLink = errors.New("geerpc: cluster: toxiproxy")

// LinkTimeout bounds every call to the Toxiproxy API: removing a toxic can
// block while data is pending on its link.
const LinkTimeout = 5 * time.Second

// Links drives the proxies of a Toxiproxy server over its HTTP API, through
// Toxiproxy's own client package: a server the harness serves itself (the
// module's Toxiproxy server package on a loopback port of this process) or
// one a user runs. Proxies are named after the instance they front.
// Links is safe for concurrent use.
type Links struct {
	url        string
	client     *toxiclient.Client
	stopServer func() // stops the server this Links started
	owned      bool   // whether this Links serves the server

	mu      sync.Mutex // protects following
	created []string   // proxies this Links created, deleted on Close
}

// StartLinks connects to the Toxiproxy server at url (http://host:port), or
// with an empty url serves one in this process on a free 127.0.0.1 port.
func StartLinks(ctx context.Context, url string) (*Links, error) {
	l := &Links{url: url, stopServer: func() {}}
	if url == "" {
		if err := l.startServer(); err != nil {
			return nil, err
		}
	}
	l.client = toxiclient.NewClient(l.url)
	err := l.call(ctx, func() error { _, err := l.client.Proxies(); return err })
	if err != nil {
		l.Close()
		return nil, fmt.Errorf("%w at %s: %w", ErrLink, l.url, err)
	}
	return l, nil
}

// startServer serves Toxiproxy's HTTP API, from the module's Toxiproxy
// server package, on a free 127.0.0.1 port of this process.
func (l *Links) startServer() error {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("%w: %w", ErrLink, err)
	}
	api := toxiproxy.NewServer(toxiproxy.NewMetricsContainer(nil), zerolog.Nop())
	hs := &http.Server{Handler: apiRoutes(api), ReadHeaderTimeout: 5 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = hs.Serve(lis)
	}()
	l.url, l.owned = "http://"+lis.Addr().String(), true
	l.stopServer = func() {
		_ = hs.Close()
		<-done
		_ = api.Collection.Clear()
	}
	return nil
}

// apiRoutes routes Toxiproxy's API paths to the server's handlers, which
// read their path variables through gorilla/mux.
func apiRoutes(api *toxiproxy.ApiServer) http.Handler {
	r := mux.NewRouter()
	r.HandleFunc("/reset", api.ResetState).Methods(http.MethodPost)
	r.HandleFunc("/version", api.Version).Methods(http.MethodGet)
	r.HandleFunc("/proxies", api.ProxyIndex).Methods(http.MethodGet)
	r.HandleFunc("/proxies", api.ProxyCreate).Methods(http.MethodPost)
	r.HandleFunc("/proxies/{proxy}", api.ProxyShow).Methods(http.MethodGet)
	r.HandleFunc("/proxies/{proxy}", api.ProxyUpdate).Methods(http.MethodPost)
	r.HandleFunc("/proxies/{proxy}", api.ProxyDelete).Methods(http.MethodDelete)
	r.HandleFunc("/proxies/{proxy}/toxics", api.ToxicIndex).Methods(http.MethodGet)
	r.HandleFunc("/proxies/{proxy}/toxics", api.ToxicCreate).Methods(http.MethodPost)
	r.HandleFunc("/proxies/{proxy}/toxics/{toxic}", api.ToxicShow).Methods(http.MethodGet)
	r.HandleFunc("/proxies/{proxy}/toxics/{toxic}", api.ToxicUpdate).Methods(http.MethodPost)
	r.HandleFunc("/proxies/{proxy}/toxics/{toxic}", api.ToxicDelete).Methods(http.MethodDelete)
	return http.TimeoutHandler(r, 25*time.Second, "")
}

// URL returns the Toxiproxy API's URL.
func (l *Links) URL() string { return l.url }

// call runs f, one call of the Toxiproxy client, and gives up after
// LinkTimeout or when ctx ends; an abandoned call ends by itself within the
// server's own 25s handler timeout.
func (l *Links) call(ctx context.Context, f func() error) error {
	ctx, cancel := context.WithTimeout(ctx, LinkTimeout)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("%w: no answer from %s: %w", ErrLink, l.url, ctx.Err())
	}
}

// Front creates the proxy named after spec's instance in front of listen,
// on a free 127.0.0.1 port, and returns that port's host:port. It suits
// Options.Front.
//
// The port is free when picked, but another process may bind it before
// the server does: then another port is tried, up to frontTries in all.
func (l *Links) Front(spec InstanceSpec, listen string) (string, error) {
	var p *toxiclient.Proxy
	var err error
	for range frontTries {
		var addr string
		if addr, err = freePort(); err != nil {
			return "", err
		}
		err = l.call(context.Background(), func() (err error) {
			p, err = l.client.CreateProxy(spec.Name, addr, listen)
			return err
		})
		if err == nil || !strings.Contains(err.Error(), "address already in use") {
			break
		}
	}
	if err != nil {
		return "", fmt.Errorf("%w: proxy %s: %w", ErrLink, spec.Name, err)
	}
	l.mu.Lock()
	l.created = append(l.created, spec.Name)
	l.mu.Unlock()
	return p.Listen, nil
}

// frontTries bounds the ports Front tries for one proxy.
const frontTries = 5

// Proxy returns the proxy named name as the server knows it.
func (l *Links) Proxy(ctx context.Context, name string) (*toxiclient.Proxy, error) {
	var p *toxiclient.Proxy
	err := l.call(ctx, func() (err error) {
		p, err = l.client.Proxy(name)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("%w: proxy %s: %w", ErrLink, name, err)
	}
	return p, nil
}

// AddToxic adds t to the proxy named proxy.
func (l *Links) AddToxic(ctx context.Context, proxy string, t toxiclient.Toxic) error {
	p, err := l.Proxy(ctx, proxy)
	if err != nil {
		return err
	}
	err = l.call(ctx, func() error {
		_, err := p.AddToxic(t.Name, t.Type, t.Stream, t.Toxicity, t.Attributes)
		return err
	})
	if err != nil {
		return fmt.Errorf("%w: add %s to %s: %w", ErrLink, t.Name, proxy, err)
	}
	return nil
}

// RemoveToxic removes the toxic named toxic from the proxy named proxy.
func (l *Links) RemoveToxic(ctx context.Context, proxy, toxic string) error {
	p, err := l.Proxy(ctx, proxy)
	if err != nil {
		return err
	}
	if err := l.call(ctx, func() error { return p.RemoveToxic(toxic) }); err != nil {
		return fmt.Errorf("%w: remove %s from %s: %w", ErrLink, toxic, proxy, err)
	}
	return nil
}

// SetEnabled enables or disables (stops listening, closes its connections)
// the proxy named proxy.
func (l *Links) SetEnabled(ctx context.Context, proxy string, on bool) error {
	p, err := l.Proxy(ctx, proxy)
	if err != nil {
		return err
	}
	f := p.Disable
	if on {
		f = p.Enable
	}
	if err := l.call(ctx, f); err != nil {
		return fmt.Errorf("%w: enable=%v %s: %w", ErrLink, on, proxy, err)
	}
	return nil
}

// Reset removes every toxic of every proxy and enables them all.
func (l *Links) Reset(ctx context.Context) error {
	if err := l.call(ctx, l.client.ResetState); err != nil {
		return fmt.Errorf("%w: reset: %w", ErrLink, err)
	}
	return nil
}

// Close deletes the proxies it created and, when it serves the server
// itself, resets and stops it; a user's server is otherwise left as it
// was. It may be called more than once.
func (l *Links) Close() {
	if l.client != nil {
		if l.owned {
			_ = l.Reset(context.Background())
		}
		l.mu.Lock()
		names := l.created
		l.created = nil
		l.mu.Unlock()
		for _, name := range names {
			if p, err := l.Proxy(context.Background(), name); err == nil {
				_ = l.call(context.Background(), p.Delete)
			}
		}
	}
	l.stopServer()
	l.stopServer = func() {}
}
