package codec

import (
	"bytes"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/geerpclab/geerpc/internal/fuzzseed"
)

// fuzzLimit bounds what one fuzz input may make a reader allocate.
const fuzzLimit = 64 << 10

func fuzzReader(f *testing.F, ct Type) {
	fuzzseed.Add(f, encodeMessages(f, ct, 3, 40))
	fuzzseed.Add(f, encodeMessages(f, ct, 1, 0))
	f.Fuzz(func(t *testing.T, data []byte) {
		c := New(ct, rwc{bytes.NewReader(data), io.Discard}, Options{MaxMessageSize: fuzzLimit})
		for range 100 {
			var h Header
			if err := c.ReadHeader(&h); err != nil {
				return
			}
			var p payload
			if err := c.ReadBody(&p); err != nil {
				if errors.Is(err, ErrMessageTooLarge) {
					return
				}
				if err := c.ReadBody(nil); err != nil {
					return
				}
			}
			if len(p.Data) > fuzzLimit {
				t.Fatalf("decoded %d bytes past the %d limit", len(p.Data), fuzzLimit)
			}
		}
	})
}

func FuzzGobReader(f *testing.F)  { fuzzReader(f, GobType) }
func FuzzJSONReader(f *testing.F) { fuzzReader(f, JsonType) }

// FuzzRoundTrip checks that what a codec writes it reads back equal.
func FuzzRoundTrip(f *testing.F) {
	f.Add("Echo.Echo", uint64(1), "", int64(0), []byte("hello"), true)
	f.Add("A.B", uint64(1<<63), "100% %d wrong", int64(-1), []byte{0, 0xff}, false)
	f.Fuzz(func(t *testing.T, method string, seq uint64, errText string, deadline int64, data []byte, useGob bool) {
		ct := JsonType
		if useGob {
			ct = GobType
		}
		var buf bytes.Buffer
		c := New(ct, rwc{&buf, &buf}, Options{})
		in := Header{ServiceMethod: method, Seq: seq, Error: errText, Deadline: deadline}
		if err := c.Write(&in, payload{Nonce: seq, Data: data}); err != nil {
			t.Skip("not encodable:", err)
		}
		var out Header
		var p payload
		if err := c.ReadHeader(&out); err != nil {
			t.Fatal(err)
		}
		if err := c.ReadBody(&p); err != nil {
			t.Fatal(err)
		}
		if ct == GobType && out != in || p.Nonce != seq || !bytes.Equal(p.Data, data) {
			t.Fatalf("wrote %+v %x, read %+v %x", in, data, out, p.Data)
		}
		if ct == JsonType && (out.Seq != in.Seq || out.Deadline != in.Deadline) {
			t.Fatalf("wrote %+v, read %+v", in, out)
		}
	})
}

// nestedNoMap is a type only encoding/gob decodes. It has no map: a stock
// decoder sizes a map by the count on the wire, which a fuzzer would turn
// into gigabytes.
type nestedNoMap struct {
	H Header
	P *int
	L []int
	A [2]byte
	V any
}

// fuzzTargets are the targets FuzzGobFastDecode decodes into, in turn, each
// with a value encoded for the seeds.
var fuzzTargets = []struct {
	target func() any
	value  any
}{
	{func() any { return new(Header) }, Header{ServiceMethod: "Echo.Echo", Seq: 1, Deadline: 3}},
	{func() any { return new(echoArgs) }, echoArgs{Nonce: 2, Payload: []byte("payload")}},
	{func() any { return new(echoReply) }, echoReply{Nonce: 3, Payload: []byte{1}, Instance: "i"}},
	{func() any { return new(allKinds) }, allKinds{B: true, I: -1, I8: 2, U: 3, U64: 1 << 63, F32: 1.5, F64: -2, S: "s", Bs: []byte("b")}},
	{func() any { return new(narrowKinds) }, wideKinds{I8: -1, U32: 7, F32: 2.5}},
	{func() any { return &reordered{Extra: "x", Bs: make([]byte, 2, 16)} }, allKinds{S: "s", Bs: []byte("bs"), I64: -9}},
	{func() any { return new(string) }, "str"},
	{func() any { return new([]byte) }, []byte("bytes")},
	{func() any { return new(int8) }, int8(-3)},
	{func() any { return new(float32) }, float32(1.5)},
	{func() any { return nil }, echoReply{Instance: "discarded"}},
	{func() any { return new(nestedNoMap) }, nestedNoMap{L: []int{1}, V: 7}},
	{func() any { return &Header{Error: "old", Deadline: 9} }, Header{Seq: 4}},
	{func() any { return new(empty) }, Header{Seq: 5}},
}

// stockDecode is a stock decoder's Decode that turns a panic into an error.
func stockDecode(d *gob.Decoder, target any) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("stock gob panicked: %v", p)
		}
	}()
	return d.Decode(target)
}

// FuzzGobFastDecode decodes arbitrary bytes with a stock gob.Decoder and the
// fast reader into the same targets: the first byte picks where in
// fuzzTargets to start. Both must succeed or fail together, and agree on
// every value decoded, up to the first error.
func FuzzGobFastDecode(f *testing.F) {
	for _, sel := range []int{0, 3, 6, 10} {
		var values []any
		for i := range len(fuzzTargets) + 2 {
			values = append(values, fuzzTargets[(sel+i)%len(fuzzTargets)].value)
		}
		fuzzseed.Add(f, append([]byte{byte(sel)}, encodeGob(f, values...)...))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		stream := data[1:]
		stock := gob.NewDecoder(bytes.NewReader(stream))
		// A limit of the input size refuses only lengths no input can satisfy.
		fast := newGobReader(bytes.NewReader(stream), int64(len(stream)))
		for i := range 3 * len(fuzzTargets) {
			ft := fuzzTargets[(int(data[0])+i)%len(fuzzTargets)]
			want, got := ft.target(), ft.target()
			wantErr, gotErr := stockDecode(stock, want), fast.Decode(got)
			if (wantErr == nil) != (gotErr == nil) {
				t.Fatalf("value %d (%T): gob says %v, fast reader says %v", i, want, wantErr, gotErr)
			}
			if wantErr != nil {
				return
			}
			if !sameValue(want, got) {
				t.Fatalf("value %d: gob decoded %#v, fast reader %#v", i, want, got)
			}
		}
	})
}
