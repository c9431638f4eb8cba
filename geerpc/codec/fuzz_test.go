package codec

import (
	"bytes"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/geerpclab/geerpc/geerpc/internal/fuzzseed"
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

// nestedNoMap is a type only encoding/gob decodes, with no map of its own.
type nestedNoMap struct {
	H Header
	P *int
	L []int
	A [2]byte
	V any
}

// fuzzTarget is a target that a fuzz target decodes into, with a value
// encoded for the seeds.
type fuzzTarget struct {
	target func() any
	value  any
}

// fuzzTargets are the targets FuzzGobFastDecode decodes into, in turn.
var fuzzTargets = []fuzzTarget{
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

// mapTargets are the targets FuzzGobMapBound decodes into, in turn: maps in
// fields, in slices of structs, at the top, in interface values, in fields
// the target lacks and in discarded values, and nested slices.
var mapTargets = []fuzzTarget{
	{func() any { return new(mapHolder) }, mapHolder{M: map[string]int{"a": 1, "b": 2}}},
	{func() any { return new(mapList) }, mapList{L: []mapHolder{{M: map[string]int{"c": 3}}, {}}}},
	{func() any { return new(map[string]int) }, map[string]int{"d": 4}},
	{func() any { return new(maps) }, maps{
		One: map[string]int{"e": 5}, Many: map[int]string{6: "f"}, Nested: map[string]map[int]string{"g": {7: "h"}},
		Structs: map[string]echoReply{"i": {Nonce: 8}}, List: []mapHolder{{M: map[string]int{"j": 9}}},
		Any: map[string]any{"k": nil, "l": map[string]int{"m": 10}}, Items: []any{nil, 11, anyHolder{V: "n"}}, N: 12,
	}},
	{func() any { return new(anyHolder) }, anyHolder{V: map[string]int{"o": 13}}},
	{func() any { return new(onlyN) }, maps{One: map[string]int{"p": 14}, Items: []any{15}, N: 16}},
	{func() any { return nil }, mapList{L: []mapHolder{{M: map[string]int{"q": 17}}}}},
	{func() any { return new(map[string]any) }, map[string]any{"r": 18, "s": []int{19}}},
	{func() any { return new(tree) }, tree{Kids: []tree{{Kids: []tree{{}}}, {}}}},
	{func() any { return new(sliceHolder) }, sliceHolder{S: []string{"t"}}},
	{func() any { return new(Header) }, Header{Seq: 20}},
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

// addGobSeeds adds, for each start in starts, a seed that starts at that
// target and holds the values of all the targets from there on.
func addGobSeeds(f *testing.F, targets []fuzzTarget, starts ...int) {
	for _, sel := range starts {
		var values []any
		for i := range len(targets) + 2 {
			values = append(values, targets[(sel+i)%len(targets)].value)
		}
		fuzzseed.Add(f, append([]byte{byte(sel)}, encodeGob(f, values...)...))
	}
}

// fuzzGobDecode decodes data[1:] with the fast reader and a stock
// gob.Decoder into the same targets, in turn from the one data[0] picks.
// The fast reader may not allocate more than 64 bytes per input byte and a
// MiB for one value, nor may stock gob for a value the fast reader decoded
// (for a false message length stock gob allocates up to 10 MiB before it
// finds the message short). A value the fast reader's walker refuses is not
// shown to stock gob, which could allocate without bound for it, and ends
// the input. Otherwise both must succeed or fail together, and agree on
// every value decoded, up to the first error.
func fuzzGobDecode(t *testing.T, data []byte, targets []fuzzTarget) {
	if len(data) == 0 {
		return
	}
	stream := data[1:]
	stock := gob.NewDecoder(bytes.NewReader(stream))
	// A limit of the input size refuses only lengths no input can satisfy.
	fast := newGobReader(bytes.NewReader(stream), int64(len(stream)))
	bound := 64*uint64(len(data)) + 1<<20
	for i := range 3 * len(targets) {
		ft := targets[(int(data[0])+i)%len(targets)]
		want, got := ft.target(), ft.target()
		var wantErr, gotErr error
		if n := allocated(func() { gotErr = fast.Decode(got) }); n > bound {
			t.Fatalf("value %d (%T): the fast reader allocated %d bytes for %d input bytes (%v)", i, got, n, len(data), gotErr)
		}
		if fast.stats.rejected > 0 {
			return
		}
		if n := allocated(func() { wantErr = stockDecode(stock, want) }); n > bound && gotErr == nil {
			t.Fatalf("value %d (%T): stock gob allocated %d bytes for %d input bytes, which the fast reader decoded", i, want, n, len(data))
		}
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
}

// FuzzGobFastDecode checks the fast reader against encoding/gob on flat
// types, the types it decodes itself, and types it leaves to gob.
func FuzzGobFastDecode(f *testing.F) {
	addGobSeeds(f, fuzzTargets, 0, 3, 6, 10)
	f.Fuzz(func(t *testing.T, data []byte) { fuzzGobDecode(t, data, fuzzTargets) })
}

// FuzzGobMapBound checks the fast reader against encoding/gob on types with
// maps and slices, which the walker checks, seeded with honest values and
// with a map and a slice claiming 2^40 elements.
func FuzzGobMapBound(f *testing.F) {
	addGobSeeds(f, mapTargets, 0, 3, 4, 6, 8)
	fuzzseed.Add(f, append([]byte{0}, withCount(f, 0, 1<<40, mapHolder{M: markedMap()})...))
	fuzzseed.Add(f, append([]byte{4}, withCount(f, 1, 1<<40, anyHolder{V: markedMap()}, anyHolder{V: markedMap()})...))
	fuzzseed.Add(f, append([]byte{9}, withCount(f, 0, 1<<40, sliceHolder{S: markedSlice()})...))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzGobDecode(t, data, mapTargets) })
}
