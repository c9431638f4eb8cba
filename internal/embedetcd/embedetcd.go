// Package embedetcd runs a one-member etcd server inside the process, for tests and demos on loopback.
package embedetcd

import (
	"errors"
	"fmt"
	"net/url"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
)

// ErrNotReady is returned by Start when the server does not serve in time.
var ErrNotReady = errors.New("geerpc: embedded etcd not ready")

// Start starts a quiet one-member etcd keeping its data in dir, serving
// clients on clientAddr and its (unused) peer port on peerAddr, both
// host:port, and waits until it serves. Close the returned server to stop
// it.
func Start(dir, clientAddr, peerAddr string) (*embed.Etcd, error) {
	cu := url.URL{Scheme: "http", Host: clientAddr}
	pu := url.URL{Scheme: "http", Host: peerAddr}
	cfg := embed.NewConfig()
	cfg.Name = "geerpc"
	cfg.Dir = dir
	cfg.ListenClientUrls, cfg.AdvertiseClientUrls = []url.URL{cu}, []url.URL{cu}
	cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = []url.URL{pu}, []url.URL{pu}
	cfg.InitialCluster = cfg.Name + "=" + pu.String()
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(zap.NewNop())
	cfg.TickMs, cfg.ElectionMs = 20, 200 // a one-member cluster elects itself fast
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return nil, fmt.Errorf("geerpc: start embedded etcd: %w", err)
	}
	select {
	case <-e.Server.ReadyNotify():
		return e, nil
	case <-time.After(30 * time.Second):
		e.Close()
		return nil, ErrNotReady
	}
}
