package etcdregistry

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// fastRetry makes the package's retries quick enough for tests.
var fastRetry = struct{ min, max time.Duration }{50 * time.Millisecond, 500 * time.Millisecond}

func TestDiscoveryKeepsListThroughOutage(t *testing.T) {
	te := startEtcd(t)
	regCli, discCli := te.client(t), te.client(t)
	var regLog logRecorder
	ropts := RegisterOptions{TTL: testTTL, MinBackoff: fastRetry.min, MaxBackoff: fastRetry.max, Logger: regLog.logger()}
	const a, b, c = "tcp@127.0.0.1:7001", "tcp@127.0.0.1:7002", "tcp@127.0.0.1:7003"
	regA := register(t, regCli, "", a, ropts)
	register(t, regCli, "", b, ropts)
	d := newTestDiscovery(t, discCli, "", DiscoveryOptions{OpTimeout: time.Second, MinBackoff: fastRetry.min, MaxBackoff: fastRetry.max})
	waitList(t, d, listWait, a, b)
	leaseA := regA.Lease()

	te.stop()
	time.Sleep(testTTL + 2*time.Second) // past the TTL and the client's 1s deadline check: keepalives give up
	if err := d.Refresh(); err == nil {
		t.Fatal("Refresh succeeded while etcd is stopped")
	}
	if got, err := d.GetAll(); err != nil || !slices.Equal(got, []string{a, b}) {
		t.Fatalf("during the outage GetAll = %q, %v; want the last list", got, err)
	}
	if _, err := d.Get(0); err != nil {
		t.Fatalf("during the outage Get: %v", err)
	}

	te.start()
	start := time.Now()
	register(t, regCli, "", c, ropts)
	// Generous waits: a loaded machine takes its time to reconnect.
	waitList(t, d, listWait, a, b, c)
	t.Logf("new instance seen %v after etcd was back", time.Since(start))
	eventually(t, listWait, "registration a on a new live lease", func() bool {
		kv := getKey(t, discCli, regA.Key())
		return kv != nil && kv.lease != leaseA && kv.lease == regA.Lease()
	})
	eventually(t, listWait, "re-registrations of both a and b logged", func() bool {
		_, n := regLog.errs("registered again")
		return n >= 2
	})
}

func TestDiscoveryRelistsAfterCompaction(t *testing.T) {
	te := startEtcd(t)
	cli := te.client(t)
	var log logRecorder
	d := newDiscovery(cli, "", DiscoveryOptions{MinBackoff: fastRetry.min, MaxBackoff: fastRetry.max, Logger: log.logger()})
	if err := d.list(context.Background()); err != nil {
		t.Fatalf("list: %v", err)
	}
	const a, b, c = "tcp@127.0.0.1:7001", "tcp@127.0.0.1:7002", "tcp@127.0.0.1:7003"
	register(t, cli, "", a, RegisterOptions{TTL: testTTL})
	putKey(t, cli, keyFor(DefaultPrefix, b), "")
	if _, err := cli.Delete(context.Background(), keyFor(DefaultPrefix, b)); err != nil {
		t.Fatalf("delete: %v", err)
	}
	rev := putKey(t, cli, "/unrelated", "x")
	if _, err := cli.Compact(context.Background(), rev); err != nil {
		t.Fatalf("compact: %v", err)
	}

	d.start(context.Background()) // watches from a compacted revision
	t.Cleanup(func() { d.Close() })
	waitList(t, d, listWait, a)
	errs, _ := log.errs("watch failed")
	if len(errs) == 0 || !errors.Is(errs[0], rpctypes.ErrCompacted) {
		t.Fatalf("logged watch errors %v, want ErrCompacted", errs)
	}
	register(t, cli, "", c, RegisterOptions{TTL: testTTL})
	waitList(t, d, listWait, a, c)
}

// putKey puts key=value and returns the revision of the put.
func putKey(t *testing.T, cli *clientv3.Client, key, value string) int64 {
	t.Helper()
	resp, err := cli.Put(context.Background(), key, value)
	if err != nil {
		t.Fatalf("put %s: %v", key, err)
	}
	return resp.Header.Revision
}
