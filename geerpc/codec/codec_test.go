package codec

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"
)

type rwc struct {
	io.Reader
	io.Writer
}

func (rwc) Close() error { return nil }

type payload struct {
	Nonce uint64
	Data  []byte
	Name  string
}

// encodeMessages writes n request messages with the codec of type t.
func encodeMessages(t testing.TB, ct Type, n int, size int) []byte {
	t.Helper()
	var buf bytes.Buffer
	c := New(ct, rwc{nil, &buf}, Options{})
	for i := range n {
		h := Header{ServiceMethod: "Echo.Echo", Seq: uint64(i + 1), Deadline: int64(i)}
		if err := c.Write(&h, payload{Nonce: uint64(i), Data: bytes.Repeat([]byte{'x'}, size), Name: "n%d"}); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

func TestRoundTripThroughOneByteReads(t *testing.T) {
	for _, ct := range []Type{GobType, JsonType} {
		t.Run(string(ct), func(t *testing.T) {
			data := encodeMessages(t, ct, 5, 300)
			c := New(ct, rwc{iotest.OneByteReader(bytes.NewReader(data)), io.Discard}, Options{})
			for i := range 5 {
				var h Header
				var p payload
				if err := c.ReadHeader(&h); err != nil {
					t.Fatal(err)
				}
				if err := c.ReadBody(&p); err != nil {
					t.Fatal(err)
				}
				if h.Seq != uint64(i+1) || h.ServiceMethod != "Echo.Echo" || h.Deadline != int64(i) || p.Nonce != uint64(i) || len(p.Data) != 300 || p.Name != "n%d" {
					t.Fatalf("message %d came back as %+v %+v", i, h, p)
				}
			}
			if err := c.ReadHeader(new(Header)); !errors.Is(err, io.EOF) {
				t.Fatalf("after the last message: %v, want EOF", err)
			}
		})
	}
}

func TestReadBodyNilDiscards(t *testing.T) {
	for _, ct := range []Type{GobType, JsonType} {
		t.Run(string(ct), func(t *testing.T) {
			c := New(ct, rwc{bytes.NewReader(encodeMessages(t, ct, 2, 10)), io.Discard}, Options{})
			var h Header
			if err := c.ReadHeader(&h); err != nil {
				t.Fatal(err)
			}
			if err := c.ReadBody(nil); err != nil {
				t.Fatalf("discarding a body: %v", err)
			}
			if err := c.ReadHeader(&h); err != nil || h.Seq != 2 {
				t.Fatalf("next header after a discarded body: %+v, %v", h, err)
			}
		})
	}
}

func TestMessageLimitRefusesBeforeAllocating(t *testing.T) {
	tests := []struct {
		name  string
		ct    Type
		size  int
		limit int64
		ok    bool
	}{
		{name: "gob under", ct: GobType, size: 500, limit: 1000, ok: true},
		{name: "gob over", ct: GobType, size: 5000, limit: 1000},
		{name: "json under", ct: JsonType, size: 500, limit: 1000, ok: true},
		{name: "json over", ct: JsonType, size: 5000, limit: 1000},
		{name: "unlimited", ct: GobType, size: 5 << 20, limit: -1, ok: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := encodeMessages(t, tt.ct, 1, tt.size)
			c := New(tt.ct, rwc{bytes.NewReader(data), io.Discard}, Options{MaxMessageSize: tt.limit})
			err := c.ReadHeader(new(Header))
			if err == nil {
				err = c.ReadBody(new(payload))
			}
			if tt.ok != (err == nil) || !tt.ok && !errors.Is(err, ErrMessageTooLarge) {
				t.Fatalf("err = %v, want ok=%v or ErrMessageTooLarge", err, tt.ok)
			}
		})
	}
}

func TestGobLimiterHugeClaim(t *testing.T) {
	// A length of 2^62 must be refused from its first bytes.
	claim := []byte{0xf8, 0x40, 0, 0, 0, 0, 0, 0, 0}
	c := New(GobType, rwc{bytes.NewReader(claim), io.Discard}, Options{})
	allocs := testing.AllocsPerRun(1, func() {
		c = New(GobType, rwc{bytes.NewReader(claim), io.Discard}, Options{})
		if err := c.ReadHeader(new(Header)); !errors.Is(err, ErrMessageTooLarge) {
			t.Fatalf("err = %v, want ErrMessageTooLarge", err)
		}
	})
	if allocs > 50 {
		t.Fatalf("refusing a huge claim took %v allocations", allocs)
	}
}

func TestUnknownType(t *testing.T) {
	if c := New("application/xml", rwc{}, Options{}); c != nil {
		t.Fatalf("New with an unknown type = %T, want nil", c)
	}
}
