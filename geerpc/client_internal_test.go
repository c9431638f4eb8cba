package geerpc

import (
	"context"
	"testing"
)

// A Go map never shrinks: the pending table of a client that once had a
// burst of calls is made anew once the burst is over.
func TestPendingTableShrinksAfterABurst(t *testing.T) {
	c := &Client{pending: make(map[uint64]*Call), maxPending: 1 << 20}
	before := c.pending
	calls := make([]*Call, shrinkAfter+1)
	for i := range calls {
		calls[i] = new(Call)
		if _, err := c.registerCall(context.Background(), calls[i], false); err != nil {
			t.Fatal(err)
		}
	}
	for _, call := range calls[1:] {
		c.removeCall(call.Seq)
	}
	if c.peak != shrinkAfter+1 || len(c.pending) != 1 {
		t.Fatalf("with one call left: peak %d, %d pending", c.peak, len(c.pending))
	}
	c.removeCall(calls[0].Seq)
	if c.peak != 0 || len(c.pending) != 0 || c.npend.Load() != 0 {
		t.Fatalf("after the burst: peak %d, %d pending, npend %d", c.peak, len(c.pending), c.npend.Load())
	}
	c.pending[1] = nil // the old map must not be the one in use
	if len(before) != 0 {
		t.Fatal("the table that held the burst is still the one in use")
	}
}
