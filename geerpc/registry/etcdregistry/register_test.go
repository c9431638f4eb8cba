package etcdregistry

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

const testTTL = 2 * time.Second

// getKey returns the key-value pair of key, or nil when it does not exist.
func getKey(t *testing.T, cli *clientv3.Client, key string) *mvccKV {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := cli.Get(ctx, key)
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	if len(resp.Kvs) == 0 {
		return nil
	}
	kv := resp.Kvs[0]
	return &mvccKV{value: string(kv.Value), lease: clientv3.LeaseID(kv.Lease)}
}

// mvccKV is what the tests look at in a stored key.
type mvccKV struct {
	value string
	lease clientv3.LeaseID
}

// eventually fails the test unless cond holds within d; it checks every 20ms.
func eventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, d)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestRegisterBadInput(t *testing.T) {
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{"127.0.0.1:1"}})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	tests := []struct {
		name string
		cli  *clientv3.Client
		addr string
		want error
	}{
		{name: "nil client", cli: nil, addr: "tcp@127.0.0.1:1", want: ErrNilClient},
		{name: "empty", cli: cli, addr: "", want: ErrBadAddr},
		{name: "no protocol", cli: cli, addr: "127.0.0.1:1", want: ErrBadAddr},
		{name: "empty protocol", cli: cli, addr: "@127.0.0.1:1", want: ErrBadAddr},
		{name: "empty address", cli: cli, addr: "tcp@", want: ErrBadAddr},
		{name: "space", cli: cli, addr: "tcp@127.0.0.1: 1", want: ErrBadAddr},
		{name: "too long", cli: cli, addr: "unix@/" + strings.Repeat("x", MaxAddrLen), want: ErrBadAddr},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Register(context.Background(), tt.cli, "", tt.addr, RegisterOptions{})
			if !errors.Is(err, tt.want) {
				t.Fatalf("Register(%q) error = %v, want %v", tt.addr, err, tt.want)
			}
		})
	}
}

func TestRegisterLifecycle(t *testing.T) {
	te := startEtcd(t)
	cli := te.client(t)
	ctx := context.Background()
	reg, err := Register(ctx, cli, "/test/", "tcp@127.0.0.1:7001",
		RegisterOptions{TTL: testTTL, Weight: 3, Metadata: map[string]string{"zone": "a"}})
	if err != nil {
		t.Fatalf("Register: %v", err)
	}
	if reg.Key() != "/test/tcp@127.0.0.1:7001" {
		t.Fatalf("Key() = %q", reg.Key())
	}
	kv := getKey(t, cli, reg.Key())
	if kv == nil || kv.lease != reg.Lease() {
		t.Fatalf("stored %+v, want a key on lease %x", kv, reg.Lease())
	}
	var rec record
	if err := json.Unmarshal([]byte(kv.value), &rec); err != nil || rec.Addr != "tcp@127.0.0.1:7001" ||
		rec.Weight != 3 || rec.Metadata["zone"] != "a" {
		t.Fatalf("value %s (%v), want addr, weight 3 and zone a", kv.value, err)
	}
	ttl, err := cli.TimeToLive(ctx, reg.Lease())
	if err != nil || ttl.GrantedTTL != 2 {
		t.Fatalf("TimeToLive = %+v, %v; want granted TTL 2", ttl, err)
	}
	if err := reg.Deregister(ctx); err != nil {
		t.Fatalf("Deregister: %v", err)
	}
	if kv := getKey(t, cli, reg.Key()); kv != nil {
		t.Fatalf("key still there after Deregister: %+v", kv)
	}
	<-reg.Done()
	if err := reg.Deregister(ctx); !errors.Is(err, ErrClosed) {
		t.Fatalf("second Deregister = %v, want ErrClosed", err)
	}
}

func TestRegisterHeartbeatKeepsKey(t *testing.T) {
	te := startEtcd(t)
	cli := te.client(t)
	reg, err := Register(context.Background(), cli, "", "tcp@127.0.0.1:7001", RegisterOptions{TTL: testTTL})
	if err != nil {
		t.Fatalf("Register: %v", err)
	}
	defer reg.Deregister(context.Background())
	time.Sleep(2 * testTTL)
	kv := getKey(t, cli, DefaultPrefix+"/tcp@127.0.0.1:7001")
	if kv == nil || kv.lease != reg.Lease() {
		t.Fatalf("after 2 TTLs stored %+v, want the key on lease %x", kv, reg.Lease())
	}
}

func TestRegisterCtxEndDeregisters(t *testing.T) {
	te := startEtcd(t)
	cli := te.client(t)
	ctx, cancel := context.WithCancel(context.Background())
	reg, err := Register(ctx, cli, "", "tcp@127.0.0.1:7001", RegisterOptions{TTL: time.Minute})
	if err != nil {
		t.Fatalf("Register: %v", err)
	}
	cancel()
	select {
	case <-reg.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("registration still running 5s after its ctx ended")
	}
	if kv := getKey(t, cli, reg.Key()); kv != nil {
		t.Fatalf("key still there after ctx ended: %+v", kv)
	}
}

func TestRegisterReplacesLostLease(t *testing.T) {
	te := startEtcd(t)
	cli, admin := te.client(t), te.client(t)
	reg, err := Register(context.Background(), cli, "", "tcp@127.0.0.1:7001",
		RegisterOptions{TTL: testTTL, MinBackoff: 10 * time.Millisecond})
	if err != nil {
		t.Fatalf("Register: %v", err)
	}
	defer reg.Deregister(context.Background())
	old := reg.Lease()
	if _, err := admin.Revoke(context.Background(), old); err != nil {
		t.Fatalf("revoke: %v", err)
	}
	eventually(t, testTTL+time.Second, "key put again on a new lease", func() bool {
		kv := getKey(t, admin, reg.Key())
		return kv != nil && kv.lease != old && kv.lease == reg.Lease()
	})
}
