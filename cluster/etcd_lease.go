package cluster

import (
	"context"
	"errors"
	"fmt"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/geerpclab/geerpc/internal/pause"
)

// regainSlack is how long past the TTL RegainLease waits for an instance
// to register again by itself before it registers it explicitly.
const regainSlack = 2 * time.Second

// LoseLease cuts the instance off from etcd (its relay holds the traffic)
// and revokes the lease of its key, as when the lease expired while the
// instance could not reach etcd: the key goes at once, and the instance
// serves on. Its registration cannot register again until RegainLease. It
// returns the lease lost. With an HTTP registry: ErrUnsupported.
func (in *Instance) LoseLease(ctx context.Context) (clientv3.LeaseID, error) {
	e, ok := in.reg.(*Etcd)
	if !ok {
		return 0, ErrUnsupported
	}
	r, err := e.relay(in.Addr())
	if err != nil {
		return 0, err
	}
	r.hold()
	lease, err := e.RevokeLease(ctx, in.Addr())
	if err != nil {
		r.release()
	}
	return lease, err
}

// RegainLease reconnects the instance to etcd (what its relay held flows)
// and waits until its key is back, as its registration puts it on a new
// lease by itself once it learns the lease is gone. Should it not be back
// within the TTL and 2s, an in-process instance registers again explicitly;
// a process, whose geerpc serve alone can register it, is reported. With an
// HTTP registry: ErrUnsupported.
func (in *Instance) RegainLease(ctx context.Context) error {
	e, ok := in.reg.(*Etcd)
	if !ok {
		return ErrUnsupported
	}
	r, err := e.relay(in.Addr())
	if err != nil {
		return err
	}
	r.release()
	err = in.awaitKey(ctx, e, in.opts.leaseTTL()+regainSlack)
	if err == nil || in.opts.Backend == Processes || ctx.Err() != nil {
		return err
	}
	if err := in.StopHeartbeat(); err != nil {
		return err
	}
	if err := in.StartHeartbeat(ctx); err != nil {
		return fmt.Errorf("geerpc: cluster: %s: register again: %w", in.spec.Name, err)
	}
	return in.awaitKey(ctx, e, etcdTimeout)
}

// awaitKey waits up to d until the instance's key is in etcd.
func (in *Instance) awaitKey(ctx context.Context, e *Etcd, d time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	for {
		_, err := e.Lease(ctx, in.Addr())
		if err == nil {
			return nil
		}
		if !pause.For(ctx, 50*time.Millisecond) {
			return fmt.Errorf("geerpc: cluster: %s not registered again within %s: %w", in.spec.Name, d, errors.Join(err, ctx.Err()))
		}
	}
}
