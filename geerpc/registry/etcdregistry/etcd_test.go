package etcdregistry

import (
	"net"
	"net/url"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	grpcbackoff "google.golang.org/grpc/backoff"
)

// testEtcd is a single-member etcd embedded in the test process, listening
// on free loopback ports, that can be stopped and started again on the same
// ports and data directory.
type testEtcd struct {
	t   *testing.T
	cfg *embed.Config
	e   *embed.Etcd // nil while stopped
}

// startEtcd starts an embedded etcd that the test's cleanup stops.
func startEtcd(t *testing.T) *testEtcd {
	t.Helper()
	cu, pu := freeURL(t), freeURL(t)
	te := &testEtcd{t: t, cfg: etcdConfig(t.TempDir(), cu, pu)}
	te.start()
	t.Cleanup(te.stop)
	return te
}

// etcdConfig configures a quiet one-member etcd in dir, serving clients on
// cu and peers on pu.
func etcdConfig(dir string, cu, pu url.URL) *embed.Config {
	cfg := embed.NewConfig()
	cfg.Name = "geerpc-test"
	cfg.Dir = dir
	cfg.ListenClientUrls, cfg.AdvertiseClientUrls = []url.URL{cu}, []url.URL{cu}
	cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = []url.URL{pu}, []url.URL{pu}
	cfg.InitialCluster = cfg.Name + "=" + pu.String()
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(zap.NewNop())
	cfg.TickMs, cfg.ElectionMs = 20, 200 // a one-member cluster elects itself fast
	return cfg
}

// freeURL returns an http URL on a loopback port that was free a moment ago.
func freeURL(t *testing.T) url.URL {
	t.Helper()
	u, err := freeLoopbackURL()
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// freeLoopbackURL returns an http URL on a loopback port that was free a
// moment ago.
func freeLoopbackURL() (url.URL, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return url.URL{}, err
	}
	defer l.Close()
	return url.URL{Scheme: "http", Host: l.Addr().String()}, nil
}

// start starts (or restarts) the server and waits until it serves.
func (te *testEtcd) start() {
	te.t.Helper()
	var err error
	for range 50 { // a restart may find its ports still held for a moment
		if te.e, err = embed.StartEtcd(te.cfg); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		te.t.Fatalf("start embedded etcd: %v", err)
	}
	select {
	case <-te.e.Server.ReadyNotify():
	case <-time.After(20 * time.Second):
		te.e.Close()
		te.t.Fatal("embedded etcd not ready after 20s")
	}
}

// stop stops the server; stopping a stopped server does nothing.
func (te *testEtcd) stop() {
	if te.e != nil {
		te.e.Close()
		te.e = nil
	}
}

// endpoint returns the client URL.
func (te *testEtcd) endpoint() string { return te.cfg.ListenClientUrls[0].String() }

// client returns a client of the server that the test's cleanup closes. It
// reconnects within a second after an outage.
func (te *testEtcd) client(t *testing.T) *clientv3.Client {
	t.Helper()
	cli, err := clientv3.New(clientv3.Config{
		Endpoints:   []string{te.endpoint()},
		DialTimeout: 5 * time.Second,
		Logger:      zap.NewNop(),
		DialOptions: []grpc.DialOption{grpc.WithConnectParams(grpc.ConnectParams{
			Backoff:           grpcbackoff.Config{BaseDelay: 50 * time.Millisecond, Multiplier: 1.6, MaxDelay: 500 * time.Millisecond},
			MinConnectTimeout: time.Second,
		})},
	})
	if err != nil {
		t.Fatalf("etcd client: %v", err)
	}
	t.Cleanup(func() { cli.Close() })
	return cli
}
