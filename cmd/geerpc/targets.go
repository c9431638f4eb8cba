package main

// The one reading of what load, bench and chaos are pointed at: a -registry
// (host:port or URL), a list of servers, etcd endpoints. Each is checked to
// be on loopback and probed before anything starts, so that a bad or
// unreachable target is a usage error (exit status 2) naming its flag.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/geerpclab/geerpc/geerpc"
	"github.com/geerpclab/geerpc/geerpc/registry"
	"github.com/geerpclab/geerpc/geerpc/registry/etcdregistry"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// probeTimeout bounds the check that a registry, etcd or server answers
// before a command relies on it; tests shorten it.
var probeTimeout = 3 * time.Second

// registryURL normalises a -registry value: the scheme defaults to http and
// an empty path to registry.DefaultPath, so that 127.0.0.1:9999 names the
// registry that geerpc registry serves there.
func registryURL(s string) (string, error) {
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err == nil && (u.Path == "" || u.Path == "/") {
		u.Path = registry.DefaultPath
		s = u.String()
	}
	if err != nil || registry.CheckURL(s) != nil {
		return "", usageError{fmt.Sprintf("-registry %q: want host:port or a URL like http://127.0.0.1:9999%s", s, registry.DefaultPath)}
	}
	return s, nil
}

// loopbackRegistryURL is registryURL that also refuses a registry off
// loopback, unless allowRemote.
func loopbackRegistryURL(s string, allowRemote bool) (string, error) {
	u, err := registryURL(s)
	if err != nil || allowRemote {
		return u, err
	}
	if pu, perr := url.Parse(u); perr != nil || !loopbackHost(pu.Hostname()) {
		return "", usageError{fmt.Sprintf("-registry %s: not on loopback: the lab's load and chaos target loopback only", u)}
	}
	return u, nil
}

// registryServers lists the servers of the HTTP registry at u (normalised)
// and checks that there is at least one, all on loopback unless
// allowRemote.
func registryServers(ctx context.Context, u string, allowRemote bool) ([]string, error) {
	items, err := fetchServers(ctx, u)
	if err != nil {
		return nil, err
	}
	addrs := make([]string, len(items))
	for i, it := range items {
		addrs[i] = it.Addr
	}
	return addrs, checkListed("-registry "+u, addrs, allowRemote)
}

// checkListed checks that a source, named by what, lists servers, all on
// loopback unless allowRemote.
func checkListed(what string, addrs []string, allowRemote bool) error {
	if len(addrs) == 0 {
		return usageError{what + ": lists no servers"}
	}
	return checkLoopbackAll(what, addrs, allowRemote)
}

// parseServers splits a comma-separated list of servers given by flag name,
// trims each address and checks that it can be dialled; the error is a
// usage error naming the flag.
func parseServers(name, list string) ([]string, error) {
	addrs := strings.Split(list, ",")
	for i, a := range addrs {
		addrs[i] = strings.TrimSpace(a)
		if err := checkServerAddr(addrs[i]); err != nil {
			return nil, usageError{fmt.Sprintf("%s: %v", name, err)}
		}
	}
	return addrs, nil
}

// checkLoopbackAll returns a usage error naming what and the first address
// that is not on loopback, unless remote servers are allowed.
func checkLoopbackAll(what string, addrs []string, allowRemote bool) error {
	if allowRemote {
		return nil
	}
	for _, a := range addrs {
		if !isLoopback(a) {
			return usageError{fmt.Sprintf("%s: server %s is not on loopback: the lab's load and chaos target loopback only", what, a)}
		}
	}
	return nil
}

// unreachable probes each address and describes those that do not answer,
// each as "addr (why)".
func unreachable(ctx context.Context, addrs []string) []string {
	var down []string
	for _, a := range addrs {
		if err := probeServer(ctx, a); err != nil {
			down = append(down, fmt.Sprintf("%s (%s)", a, oneLine(err)))
		}
	}
	return down
}

// checkServerAddr checks a protocol@addr that the commands can dial: tcp,
// unix or http.
func checkServerAddr(addr string) error {
	if err := registry.CheckAddr(addr); err != nil {
		return err
	}
	proto, _, _ := strings.Cut(addr, "@")
	switch proto {
	case "tcp", "tcp4", "tcp6", "unix", "http":
		return nil
	}
	return fmt.Errorf("%q: want tcp@, unix@ or http@ addresses", addr)
}

// isLoopback reports whether addr (protocol@host:port or unix@path) is on
// this machine's loopback: a Unix socket, localhost or a loopback IP.
func isLoopback(addr string) bool {
	proto, a, err := geerpc.ParseAddr(addr)
	if err != nil {
		return false
	}
	if proto == "unix" {
		return true
	}
	host, _, err := net.SplitHostPort(a)
	return err == nil && loopbackHost(host)
}

// loopbackHost reports whether host is localhost or a loopback IP.
func loopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// probeServer dials addr within probeTimeout and hangs up.
func probeServer(ctx context.Context, addr string) error {
	pctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	cl, err := geerpc.XDialContext(pctx, addr)
	if err != nil {
		return err
	}
	return cl.Close()
}

// checkLoopbackURL refuses a URL whose host is not a loopback address.
func checkLoopbackURL(flagName, raw string) error {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" || !loopbackHost(u.Hostname()) {
		return usageError{fmt.Sprintf("%s %q: want a loopback URL such as http://127.0.0.1:8474", flagName, raw)}
	}
	return nil
}

// probeToxiproxy checks within probeTimeout that the Toxiproxy server at
// raw, given by flag name, answers its API (GET /version).
func probeToxiproxy(ctx context.Context, name, raw string) error {
	pctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(pctx, http.MethodGet, strings.TrimSuffix(raw, "/")+"/version", nil)
	if err != nil {
		return usageError{fmt.Sprintf("%s %s: %v", name, raw, oneLine(err))}
	}
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Do(req)
	if err != nil {
		return usageError{fmt.Sprintf("%s %s: unreachable: %v", name, raw, oneLine(err))}
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return usageError{fmt.Sprintf("%s %s: not a Toxiproxy server: GET /version: %s", name, raw, resp.Status)}
	}
	return nil
}

// fetchServers lists the servers of the HTTP registry within probeTimeout;
// failures are usage errors.
func fetchServers(ctx context.Context, registryURL string) ([]registry.ServerItem, error) {
	pctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	items, err := registry.FetchServers(pctx, nil, registryURL)
	if err != nil {
		return nil, usageError{fmt.Sprintf("-registry %s: %v", registryURL, oneLine(err))}
	}
	return items, nil
}

// newEtcdClient connects to comma-separated etcd endpoints and checks
// within probeTimeout that they answer; failures are usage errors.
func newEtcdClient(ctx context.Context, endpoints string) (*clientv3.Client, error) {
	eps := strings.Split(endpoints, ",")
	for _, ep := range eps {
		if strings.TrimSpace(ep) == "" {
			return nil, usageError{fmt.Sprintf("-etcd %q: want comma-separated host:port endpoints", endpoints)}
		}
	}
	cli, err := clientv3.New(clientv3.Config{Endpoints: eps, DialTimeout: probeTimeout, Logger: zap.NewNop()})
	if err != nil {
		return nil, usageError{fmt.Sprintf("-etcd %s: %v", endpoints, oneLine(err))}
	}
	pctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	if _, err = cli.Get(pctx, etcdregistry.DefaultPrefix, clientv3.WithPrefix(), clientv3.WithCountOnly()); err != nil {
		_ = cli.Close()
		if errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("no answer within %s", probeTimeout)
		}
		return nil, usageError{fmt.Sprintf("-etcd %s: unreachable: %v", endpoints, oneLine(err))}
	}
	return cli, nil
}

// oneLine keeps an error's message on one line.
func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}

// loopbackEndpoints splits comma-separated etcd endpoints and checks that
// each is a loopback host:port; the error is a usage error naming -etcd.
func loopbackEndpoints(endpoints string) ([]string, error) {
	eps := strings.Split(endpoints, ",")
	for i, ep := range eps {
		eps[i] = strings.TrimSpace(ep)
		host, _, err := net.SplitHostPort(eps[i])
		if err != nil || !loopbackHost(host) {
			return nil, usageError{fmt.Sprintf("-etcd %q: want loopback host:port endpoints such as 127.0.0.1:2379", endpoints)}
		}
	}
	return eps, nil
}

// etcdServers checks within probeTimeout that the etcd at endpoints
// answers and lists servers, all on loopback; failures are usage errors
// naming -etcd.
func etcdServers(ctx context.Context, endpoints string) error {
	cli, err := newEtcdClient(ctx, endpoints)
	if err != nil {
		return err
	}
	defer cli.Close()
	pctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	prefix := etcdregistry.DefaultPrefix + "/"
	resp, err := cli.Get(pctx, prefix, clientv3.WithPrefix(), clientv3.WithKeysOnly())
	if err != nil {
		return usageError{fmt.Sprintf("-etcd %s: list %s: %v", endpoints, prefix, oneLine(err))}
	}
	addrs := make([]string, len(resp.Kvs))
	for i, kv := range resp.Kvs {
		addrs[i] = strings.TrimPrefix(string(kv.Key), prefix)
	}
	return checkListed("-etcd "+endpoints, addrs, false)
}
