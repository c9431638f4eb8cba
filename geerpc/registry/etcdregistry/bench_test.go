package etcdregistry

import (
	"fmt"
	"testing"

	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// benchDiscovery returns a discovery holding n instances, fed by synthetic
// watch events; it needs no etcd.
func benchDiscovery(n int) *Discovery {
	d := newDiscovery(nil, "", DiscoveryOptions{})
	events := make([]*clientv3.Event, n)
	for i := range events {
		key := keyFor(DefaultPrefix, fmt.Sprintf("tcp@127.0.0.1:%d", 7000+i))
		events[i] = &clientv3.Event{Type: clientv3.EventTypePut,
			Kv: &mvccpb.KeyValue{Key: []byte(key), Value: []byte(`{"weight":2}`), ModRevision: int64(i + 1)}}
	}
	d.apply(events)
	return d
}

func BenchmarkDiscoveryGetAll(b *testing.B) {
	d := benchDiscovery(16)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := d.GetAll(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDiscoveryApply(b *testing.B) {
	d := benchDiscovery(16)
	ev := []*clientv3.Event{{Type: clientv3.EventTypePut,
		Kv: &mvccpb.KeyValue{Key: []byte(keyFor(DefaultPrefix, "tcp@127.0.0.1:9000"))}}}
	b.ReportAllocs()
	for b.Loop() {
		ev[0].Type = 1 - ev[0].Type // put, delete, put, ...
		ev[0].Kv.ModRevision++
		d.apply(ev)
	}
}
