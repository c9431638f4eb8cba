package xclient

import (
	"encoding"
	"errors"
	"testing"
)

var (
	_ encoding.TextMarshaler   = SelectMode(0)
	_ encoding.TextUnmarshaler = (*SelectMode)(nil)
	_ encoding.TextMarshaler   = FailMode(0)
	_ encoding.TextUnmarshaler = (*FailMode)(nil)
)

func TestSelectModeReadsItsNamesAndAliases(t *testing.T) {
	for name, want := range map[string]SelectMode{
		"random": RandomSelect, "round-robin": RoundRobinSelect, "roundrobin": RoundRobinSelect,
		"Weighted": WeightedRoundRobinSelect, "weighted-round-robin": WeightedRoundRobinSelect,
		"consistenthash": ConsistentHashSelect, "consistent-hash": ConsistentHashSelect, "HASH": ConsistentHashSelect,
		"p2c": P2CSelect,
	} {
		if got, err := ParseSelectMode(name); err != nil || got != want {
			t.Errorf("ParseSelectMode(%q) = %v, %v; want %v", name, got, err, want)
		}
	}
	for _, bad := range []string{"", "fastest", "p2c ", "round_robin"} {
		if _, err := ParseSelectMode(bad); !errors.Is(err, ErrUnknownMode) {
			t.Errorf("ParseSelectMode(%q) = %v, want ErrUnknownMode", bad, err)
		}
	}
}

func TestSelectModeTextRoundTrips(t *testing.T) {
	for _, m := range SelectModes() {
		b, err := m.MarshalText()
		if err != nil || string(b) != m.String() {
			t.Fatalf("%v.MarshalText() = %q, %v", m, b, err)
		}
		var back SelectMode
		if err := back.UnmarshalText(b); err != nil || back != m {
			t.Errorf("UnmarshalText(%q) = %v, %v; want %v", b, back, err, m)
		}
	}
	if _, err := SelectMode(99).MarshalText(); !errors.Is(err, ErrUnknownMode) {
		t.Errorf("SelectMode(99).MarshalText() = %v, want ErrUnknownMode", err)
	}
}

func TestFailModeTextRoundTrips(t *testing.T) {
	for _, m := range FailModes() {
		b, err := m.MarshalText()
		if err != nil || string(b) != m.String() {
			t.Fatalf("%v.MarshalText() = %q, %v", m, b, err)
		}
		if back, err := ParseFailMode(string(b)); err != nil || back != m {
			t.Errorf("ParseFailMode(%q) = %v, %v; want %v", b, back, err, m)
		}
	}
	if m, err := ParseFailMode("FailOver"); err != nil || m != Failover {
		t.Errorf("ParseFailMode(FailOver) = %v, %v", m, err)
	}
	if _, err := ParseFailMode("retry"); !errors.Is(err, ErrUnknownFailMode) {
		t.Errorf("ParseFailMode(retry) = %v, want ErrUnknownFailMode", err)
	}
	if _, err := FailMode(7).MarshalText(); !errors.Is(err, ErrUnknownFailMode) {
		t.Errorf("FailMode(7).MarshalText() = %v", err)
	}
}
