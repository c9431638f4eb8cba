package etcdregistry

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/geerpclab/geerpc/geerpc/xclient"
)

// errWatchClosed means a watch channel closed without saying why.
var errWatchClosed = errors.New("watch channel closed")

// run watches the prefix until ctx ends. Whenever a watch fails it lists
// the prefix again, with backoff, and watches on from the list's revision.
func (d *Discovery) run(ctx context.Context) {
	defer close(d.done)
	for {
		err := d.watch(ctx, d.revision()+1)
		if ctx.Err() != nil {
			return
		}
		d.log.Warn("geerpc: etcd registry: watch failed, listing again", "prefix", d.dir, "err", err)
		if !d.relist(ctx) {
			return
		}
	}
}

// watch applies the changes under the prefix from revision rev on until the
// watch fails; it returns why. An etcd outage does not end it: the client
// reconnects and resumes the watch where it stopped.
func (d *Discovery) watch(ctx context.Context, rev int64) error {
	ctx, cancel := context.WithCancel(clientv3.WithRequireLeader(ctx))
	defer cancel()
	wch := d.cli.Watch(ctx, d.dir, clientv3.WithPrefix(), clientv3.WithRev(rev))
	for resp := range wch {
		if err := resp.Err(); err != nil {
			return err
		}
		d.apply(resp.Events)
		d.bo.reset()
	}
	return errWatchClosed
}

// relist lists the prefix until it succeeds or ctx ends, waiting between
// attempts; it reports whether it succeeded.
func (d *Discovery) relist(ctx context.Context) bool {
	for {
		err := d.list(ctx)
		if err == nil {
			return true
		}
		d.log.Warn("geerpc: etcd registry: list failed", "prefix", d.dir, "err", err)
		if !d.bo.wait(ctx) {
			return false
		}
	}
}

// list reads all keys under the prefix and replaces the records with them,
// unless d already reflects a newer revision.
func (d *Discovery) list(ctx context.Context) error {
	ctx, cancel := opContext(ctx, d.cli, d.opTimeout)
	defer cancel()
	resp, err := d.cli.Get(ctx, d.dir, clientv3.WithPrefix())
	if err != nil {
		return fmt.Errorf("geerpc: etcd registry: list %s: %w", d.dir, err)
	}
	records := make(map[string]record, len(resp.Kvs))
	for _, kv := range resp.Kvs {
		if rec, ok := d.decode(kv); ok {
			records[rec.Addr] = rec
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if resp.Header.Revision < d.rev {
		return nil
	}
	d.rev = resp.Header.Revision
	if !maps.EqualFunc(records, d.records, equalRecords) {
		d.records = records
		d.publishLocked()
	}
	return nil
}

// apply applies watch events, skipping those that a list already reflects.
func (d *Discovery) apply(events []*clientv3.Event) {
	d.mu.Lock()
	defer d.mu.Unlock()
	changed, rev := false, d.rev
	for _, ev := range events {
		if ev.Kv.ModRevision <= d.rev {
			continue
		}
		rev = max(rev, ev.Kv.ModRevision)
		changed = d.applyLocked(ev) || changed
	}
	d.rev = rev
	if changed {
		d.publishLocked()
	}
}

// applyLocked applies one event and reports whether it changed the records.
func (d *Discovery) applyLocked(ev *clientv3.Event) bool {
	rec, ok := d.decode(ev.Kv)
	if !ok {
		return false
	}
	old, had := d.records[rec.Addr]
	if ev.Type == clientv3.EventTypeDelete {
		delete(d.records, rec.Addr)
		return had
	}
	d.records[rec.Addr] = rec
	return !had || !equalRecords(old, rec)
}

// decode turns a stored key into a record, logging keys that hold no address.
func (d *Discovery) decode(kv *mvccpb.KeyValue) (record, bool) {
	rec, ok := decodeRecord(d.dir, kv.Key, kv.Value)
	if !ok {
		d.log.Warn("geerpc: etcd registry: ignoring key without a valid address", "key", string(kv.Key))
	}
	return rec, ok
}

// publishLocked rebuilds the sorted lists from the records and wakes the
// waiters of Changed.
func (d *Discovery) publishLocked() {
	d.all = slices.Sorted(maps.Keys(d.records))
	d.weighted = make([]xclient.Instance, len(d.all))
	for i, addr := range d.all {
		d.weighted[i] = xclient.Instance{Addr: addr, Weight: d.records[addr].Weight}
	}
	_ = d.rr.Update(slices.Clone(d.all))
	close(d.changed)
	d.changed = make(chan struct{})
}

// revision returns the etcd revision that the records reflect.
func (d *Discovery) revision() int64 {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.rev
}

// equalRecords reports whether two records say the same.
func equalRecords(a, b record) bool {
	return a.Addr == b.Addr && a.Weight == b.Weight && maps.Equal(a.Metadata, b.Metadata)
}
