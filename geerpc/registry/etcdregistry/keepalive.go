package etcdregistry

import (
	"context"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// run keeps the lease alive and replaces it whenever it is lost, until ctx
// ends. Then, unless Deregister or a closed client ended it, it revokes the
// lease so that the key goes at once.
func (r *Registration) run(ctx context.Context) {
	defer close(r.done)
	defer r.finish()
	for {
		healthy := r.keepAlive(ctx, r.Lease())
		if ctx.Err() != nil {
			return
		}
		if healthy {
			r.bo.reset()
		}
		r.log.Warn("geerpc: etcd registry: lease lost, registering again", "key", r.key)
		if !r.reRegister(ctx) {
			return
		}
	}
}

// keepAlive sends heartbeats for lease until its keepalive channel closes:
// when ctx ends, the lease expired or no answer came within the TTL. It
// reports whether any heartbeat was answered.
func (r *Registration) keepAlive(ctx context.Context, lease clientv3.LeaseID) bool {
	ch, err := r.cli.KeepAlive(ctx, lease)
	if err != nil {
		r.log.Warn("geerpc: etcd registry: keepalive failed", "key", r.key, "err", err)
		return false
	}
	answered := false
	for range ch {
		answered = true
	}
	return answered
}

// reRegister grants a new lease and puts the key again, retrying with
// backoff; it returns false when ctx ends first.
func (r *Registration) reRegister(ctx context.Context) bool {
	for {
		lease, err := r.grantAndPut(ctx)
		if err == nil {
			r.mu.Lock()
			r.lease = lease
			r.mu.Unlock()
			r.log.Info("geerpc: etcd registry: registered again", "key", r.key, "lease", int64(lease))
			return true
		}
		r.log.Warn("geerpc: etcd registry: register again failed", "key", r.key, "err", err)
		if !r.bo.wait(ctx) {
			return false
		}
	}
}

// finish revokes the lease when the registration's ctx ended on its own.
// After Deregister it has nothing to do, and with a closed client it cannot.
func (r *Registration) finish() {
	r.mu.Lock()
	closing, lease := r.closing, r.lease
	r.mu.Unlock()
	if closing || r.cli.Ctx().Err() != nil {
		return
	}
	if err := r.revoke(context.Background(), lease); err != nil {
		r.log.Warn("geerpc: etcd registry: deregister on ctx end failed", "key", r.key, "err", err)
	}
}
