package etcdregistry_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"

	"github.com/geerpclab/geerpc/geerpc/registry/etcdregistry"
)

func Example() {
	endpoint, stop := exampleEtcd()
	defer stop()
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{endpoint}, Logger: zap.NewNop()})
	if err != nil {
		panic(err)
	}
	defer cli.Close()
	ctx := context.Background()

	// A server announces itself; the lease keepalive is its heartbeat.
	reg, err := etcdregistry.Register(ctx, cli, "/demo", "tcp@127.0.0.1:9999",
		etcdregistry.RegisterOptions{TTL: 5 * time.Second, Weight: 2})
	if err != nil {
		panic(err)
	}
	// A client lists and watches the same prefix; pass d to xclient.NewXClient.
	d, err := etcdregistry.NewDiscovery(ctx, cli, "/demo", etcdregistry.DiscoveryOptions{})
	if err != nil {
		panic(err)
	}
	defer d.Close()
	fmt.Println(d.GetAllWeighted())

	changed := d.Changed()
	reg.Deregister(ctx)
	<-changed // the watch saw the key go
	fmt.Println(d.GetAll())
	// Output:
	// [{tcp@127.0.0.1:9999 2}] <nil>
	// [] geerpc: no available servers under /demo/
}

// exampleEtcd starts an embedded etcd on loopback ports in a temporary
// directory and returns its client URL and a function that removes it all.
func exampleEtcd() (endpoint string, stop func()) {
	dir, err := os.MkdirTemp("", "etcdregistry-example")
	if err != nil {
		panic(err)
	}
	cfg := embed.NewConfig()
	cu, pu := url.URL{Scheme: "http", Host: "127.0.0.1:0"}, url.URL{Scheme: "http", Host: "127.0.0.1:0"}
	cfg.Dir = dir
	cfg.ListenClientUrls, cfg.AdvertiseClientUrls = []url.URL{cu}, []url.URL{cu}
	cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = []url.URL{pu}, []url.URL{pu}
	cfg.InitialCluster = cfg.Name + "=" + pu.String()
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(zap.NewNop())
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		panic(err)
	}
	<-e.Server.ReadyNotify()
	return e.Clients[0].Addr().String(), func() { e.Close(); os.RemoveAll(dir) }
}
