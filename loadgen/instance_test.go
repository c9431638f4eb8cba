package loadgen

import (
	"context"
	"errors"
	"testing"

	"github.com/geerpclab/geerpc/demo"
)

// errBrokenLink stands for a call that failed on its instance.
var errBrokenLink = errors.New("connection reset")

// pickingInvoker sends Arith.Add calls with an even A to "a", which
// answers, and those with an odd A to "b", which fails them: the reply
// names no instance, as Arith.Add's never does.
type pickingInvoker struct{}

func (p pickingInvoker) Call(ctx context.Context, method string, args, reply any) error {
	_, err := p.CallInstance(ctx, method, args, reply)
	return err
}

func (pickingInvoker) CallInstance(_ context.Context, _ string, args, reply any) (string, error) {
	a := args.(demo.Args)
	if a.A%2 == 1 {
		return "b", errBrokenLink
	}
	*reply.(*int) = a.A + a.B
	return "a", nil
}

// TestCallsCountUnderThePickedInstance: with an InstanceInvoker, every
// call, failed or not, counts under the instance it went to, though no
// reply names one; with a plain Invoker the same calls know no instance.
func TestCallsCountUnderThePickedInstance(t *testing.T) {
	const n = 100
	o := Options{Targets: []Target{AddTarget()}, Concurrency: 1, Count: n}
	m, err := Run(context.Background(), pickingInvoker{}, o)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]GroupStats{}
	for _, g := range m.Instances {
		got[g.Name] = g
	}
	a, b := got["a"], got["b"]
	if len(got) != 2 || a.Calls != n/2 || a.Outcomes[OutcomeOK] != n/2 || b.Calls != n/2 || b.Outcomes[OutcomeOK] != 0 {
		t.Fatalf("instances %+v: want a with %d calls all ok and b with %d calls all failed", m.Instances, n/2, n/2)
	}
	plain := InvokerFunc(pickingInvoker{}.Call)
	m, err = Run(context.Background(), plain, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Instances) != 1 || m.Instances[0].Name != "" || m.Instances[0].Calls != n {
		t.Fatalf("a plain Invoker's instances %+v: want all %d calls under \"\"", m.Instances, n)
	}
}
