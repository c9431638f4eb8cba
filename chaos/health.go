package chaos

import (
	"context"
	"fmt"
	"time"

	"github.com/geerpclab/geerpc/chaos/scenario"
	"github.com/geerpclab/geerpc/demo"
	"github.com/geerpclab/geerpc/geerpc"
)

// healthTimeout bounds one health probe: a dial and one call. It is
// generous, as a busy machine delays a healthy instance too.
const healthTimeout = 5 * time.Second

// healthOK is what a fault record says of an instance that answered.
const healthOK = "ok"

// probe calls Arith.Add on the instance's own address (not through its
// proxy, which a link fault may hold) and returns nil when it answers 1+2=3.
func probe(ctx context.Context, in *instance) error {
	ctx, cancel := context.WithTimeout(ctx, healthTimeout)
	defer cancel()
	cl, err := geerpc.DialContext(ctx, "tcp", in.c.Listen())
	if err != nil {
		return err
	}
	defer cl.Close()
	var sum int
	if err := cl.Call(ctx, "Arith.Add", demo.Args{A: 1, B: 2}, &sum); err != nil {
		return err
	}
	if sum != 3 {
		return fmt.Errorf("%w: %s answered 1+2=%d", ErrFault, in.spec.Name, sum)
	}
	return nil
}

// health probes the instances of a lifecycle fault (none for other faults)
// and returns "ok" or the first instance's error, named.
func (c *cluster) health(ctx context.Context, f scenario.FaultSpec) string {
	if f.Type.Class() != scenario.ClassLifecycle {
		return ""
	}
	for _, name := range f.Instances {
		if err := probe(ctx, c.instance(name)); err != nil {
			return name + ": " + err.Error()
		}
	}
	return healthOK
}
