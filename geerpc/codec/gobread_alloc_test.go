package codec

import (
	"bytes"
	"encoding/gob"
	"errors"
	"io"
	"runtime"
	"testing"
	"unsafe"
)

// echoPairs encodes n request pairs (Header, echoArgs) with one encoder.
func echoPairs(t testing.TB, n, size int) []byte {
	t.Helper()
	var values []any
	for i := range n {
		values = append(values,
			Header{ServiceMethod: "Echo.Echo", Seq: uint64(i + 1), Deadline: int64(i)},
			echoArgs{Nonce: uint64(i), Payload: bytes.Repeat([]byte{'x'}, size)})
	}
	return encodeGob(t, values...)
}

// TestGobReaderWarmPairAllocatesOnlyThePayload is the point of the fast
// reader: once the types are known, a request costs the decoder one
// allocation, the payload of a fresh args value.
func TestGobReaderWarmPairAllocatesOnlyThePayload(t *testing.T) {
	const runs = 100
	r := newGobReader(bytes.NewReader(echoPairs(t, runs+2, 581)), DefaultMaxMessageSize)
	var h Header
	var a echoArgs
	decodePair := func() {
		a = echoArgs{}
		if err := r.Decode(&h); err != nil {
			t.Fatal(err)
		}
		if err := r.Decode(&a); err != nil {
			t.Fatal(err)
		}
	}
	decodePair() // reads the type definitions
	if allocs := testing.AllocsPerRun(runs, decodePair); allocs > 1 {
		t.Fatalf("a warm header and body cost %v allocations, want at most 1 (fast %d, fallback %d)",
			allocs, r.stats.fast, r.stats.fallback)
	}
	if h.ServiceMethod != "Echo.Echo" || len(a.Payload) != 581 {
		t.Fatalf("decoded %+v and %d payload bytes", h, len(a.Payload))
	}
}

func TestGobReaderInternsShortStrings(t *testing.T) {
	r := newGobReader(bytes.NewReader(echoPairs(t, 2, 1)), DefaultMaxMessageSize)
	var h1, h2 Header
	for _, h := range []*Header{&h1, &h2} {
		if err := r.Decode(h); err != nil {
			t.Fatal(err)
		}
		if err := r.Decode(nil); err != nil {
			t.Fatal(err)
		}
	}
	if h1.ServiceMethod != "Echo.Echo" || unsafe.StringData(h1.ServiceMethod) != unsafe.StringData(h2.ServiceMethod) {
		t.Fatalf("two equal method names were allocated separately: %q %q", h1.ServiceMethod, h2.ServiceMethod)
	}
}

// TestGobReaderLargeMessage reads a message larger than the kept buffer and
// checks that the buffer is dropped afterwards.
func TestGobReaderLargeMessage(t *testing.T) {
	payload := bytes.Repeat([]byte{7}, 300<<10)
	data := encodeGob(t, echoArgs{Payload: payload}, Header{Seq: 2})
	r := newGobReader(bytes.NewReader(data), DefaultMaxMessageSize)
	var a echoArgs
	if err := r.Decode(&a); err != nil || !bytes.Equal(a.Payload, payload) {
		t.Fatalf("decoded %d bytes, %v", len(a.Payload), err)
	}
	if cap(r.msg) > keepBuffer || cap(r.feed.data) > keepBuffer {
		t.Fatalf("kept buffers of %d and %d bytes after a large message", cap(r.msg), cap(r.feed.data))
	}
	var h Header
	if err := r.Decode(&h); err != nil || h.Seq != 2 {
		t.Fatalf("the next header: %+v, %v", h, err)
	}
}

// TestGobReaderFalseClaim sends a length under the limit and few bytes: the
// reader must fail without allocating the claimed size.
func TestGobReaderFalseClaim(t *testing.T) {
	data := append(appendGobUint(nil, 3<<20), "short"...)
	r := newGobReader(bytes.NewReader(data), DefaultMaxMessageSize)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	err := r.Decode(new(Header))
	runtime.ReadMemStats(&after)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("err = %v, want io.ErrUnexpectedEOF", err)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 1<<20 {
		t.Fatalf("a false 3 MiB claim allocated %d bytes", got)
	}
}

func TestGobReaderLimitIsSticky(t *testing.T) {
	data := echoPairs(t, 1, 2000)
	r := newGobReader(bytes.NewReader(data), 1000)
	var h Header
	if err := r.Decode(&h); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := r.Decode(new(echoArgs)); !errors.Is(err, ErrMessageTooLarge) {
			t.Fatalf("err = %v, want ErrMessageTooLarge every time", err)
		}
	}
}

// cycleReader serves data, then its tail from loop on, forever.
type cycleReader struct {
	data      []byte
	off, loop int
}

func (c *cycleReader) wrap() {
	if c.off == len(c.data) {
		c.off = c.loop
	}
}

func (c *cycleReader) Read(p []byte) (int, error) {
	c.wrap()
	n := copy(p, c.data[c.off:])
	c.off += n
	return n, nil
}

func (c *cycleReader) ReadByte() (byte, error) {
	c.wrap()
	c.off++
	return c.data[c.off-1], nil
}

// BenchmarkGobDecode decodes a warm Header and Echo args pair with the fast
// reader and with a stock gob.Decoder.
func BenchmarkGobDecode(b *testing.B) {
	var h Header
	var a echoArgs
	benchGobDecode(b, echoPairs(b, 1, 581), echoPairs(b, 2, 581), func(d gobDecoder) error {
		a = echoArgs{}
		if err := d.Decode(&h); err != nil {
			return err
		}
		return d.Decode(&a)
	})
}

// benchGobDecode runs decode, with the fast reader and with a stock
// gob.Decoder, over both then the part of both after first, forever: first
// holds the values that define the types, both those and the same again.
func benchGobDecode(b *testing.B, first, both []byte, decode func(gobDecoder) error) {
	decoders := map[string]func(io.Reader) gobDecoder{
		"fast":  func(r io.Reader) gobDecoder { return newGobReader(r.(byteStream), DefaultMaxMessageSize) },
		"stock": func(r io.Reader) gobDecoder { return gob.NewDecoder(r) },
	}
	for _, name := range []string{"fast", "stock"} {
		b.Run(name, func(b *testing.B) {
			d := decoders[name](&cycleReader{data: both, loop: len(first)})
			b.ReportAllocs()
			for b.Loop() {
				if err := decode(d); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
