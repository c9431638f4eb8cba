package xclient

import (
	"context"
	"errors"
	"testing"
)

// TestCallInstanceNamesThePickedInstance: CallInstance returns the
// instance each call went to, whether it answered, failed after its
// request went or was refused, as CallInfo does; and "" when there was no
// instance to try.
func TestCallInstanceNamesThePickedInstance(t *testing.T) {
	f, addrs := newFakeNet(3)
	f.servers[addrs[1]].setErr(errFakeBroken) // fails after the request went
	f.servers[addrs[2]].refuse.Store(true)    // refuses connections, as a killed instance
	x, d := newFakeXClient(t, f, addrs, quick(Options{Mode: RoundRobinSelect, EjectAfter: -1}))
	seen := map[string]int{}
	for range 30 {
		var reply string
		var info CallInfo
		got, err := x.CallInstance(WithCallInfo(context.Background(), &info), "S.M", 1, &reply)
		ok := map[string]bool{
			addrs[0]: err == nil && reply == addrs[0],
			addrs[1]: errors.Is(err, errFakeBroken),
			addrs[2]: errors.Is(err, errFakeRefused),
		}[got]
		if !ok || info.Addr != got {
			t.Fatalf("CallInstance = %q, %v (reply %q, CallInfo.Addr %q): not the instance that served or failed it", got, err, reply, info.Addr)
		}
		seen[got]++
	}
	if len(seen) != 3 {
		t.Fatalf("round robin reached %v, want all of %v", seen, addrs)
	}
	if err := d.Update(nil); err != nil {
		t.Fatal(err)
	}
	if got, err := x.CallInstance(context.Background(), "S.M", 1, nil); got != "" || !errors.Is(err, ErrNoInstances) {
		t.Fatalf("with no instance: CallInstance = %q, %v; want \"\", ErrNoInstances", got, err)
	}
}
