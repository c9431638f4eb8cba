package chaos

import (
	"context"
	"fmt"
	"time"

	"github.com/geerpclab/geerpc/chaos/scenario"
	geecluster "github.com/geerpclab/geerpc/cluster"
	"github.com/geerpclab/geerpc/geerpc/registry/etcdregistry"
	"github.com/geerpclab/geerpc/geerpc/xclient"
)

// registryKind returns the cluster package's kind of the scenario's
// registry (validated).
func registryKind(r scenario.RegistrySpec) geecluster.RegistryKind {
	if r.Etcd() {
		return geecluster.EtcdRegistry
	}
	return geecluster.HTTPRegistry
}

// etcdNotApplicable says why fault type t cannot be applied to s's etcd
// registry on backend b, or "".
func etcdNotApplicable(s *scenario.Scenario, t scenario.FaultType, b geecluster.Backend) string {
	if s.Registry.Etcd() && b == geecluster.Processes && t == scenario.FaultDeadHeartbeat {
		return "a geerpc serve child's etcd client keeps its lease alive by itself; use lease_loss or freeze"
	}
	return ""
}

// dialEtcd connects to the etcd of a user's deployment, when co names one.
func (c *cluster) dialEtcd(ctx context.Context, co ClusterOptions) error {
	if len(co.Etcd) == 0 {
		return nil
	}
	cli, err := geecluster.DialEtcd(ctx, co.Etcd)
	if err != nil {
		return fmt.Errorf("geerpc: chaos: %w", err)
	}
	c.etcd = cli
	return nil
}

// newDiscovery returns a variant's own discovery of the cluster's registry:
// the HTTP registry's, refreshed every refresh interval, or etcd's,
// watching (an io.Closer).
func (c *cluster) newDiscovery(ctx context.Context) (xclient.Discovery, error) {
	r := c.s.Registry
	if c.etcd == nil {
		return xclient.NewGeeRegistryDiscoveryWithOptions(c.regURL, xclient.GeeRegistryDiscoveryOptions{
			Interval: r.RefreshOrDefault(), EmptyHold: r.TTLOrDefault()}), nil
	}
	d, err := etcdregistry.NewDiscovery(ctx, c.etcd, etcdregistry.DefaultPrefix, etcdregistry.DiscoveryOptions{
		OpTimeout: 5 * time.Second, MinBackoff: 50 * time.Millisecond, MaxBackoff: time.Second})
	if err != nil {
		return nil, fmt.Errorf("geerpc: chaos: etcd discovery: %w", err)
	}
	return d, nil
}
