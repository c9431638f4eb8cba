package codec

import (
	"bytes"
	"encoding/gob"
	"errors"
	"fmt"
	"math/bits"
	"runtime/metrics"
	"strings"
	"testing"
)

// countMark is the only key of a map, or element of a slice, whose count
// withCount patches.
const countMark = "COUNTMARK"

// markedMap and markedSlice have a count that withCount can find.
func markedMap() map[string]int { return map[string]int{countMark: 1} }
func markedSlice() []string     { return []string{countMark} }

// Types with slices, which the walker checks as it checks maps.
type (
	sliceHolder struct{ S []string }
	tree        struct{ Kids []tree }
)

// gobFrames splits a gob stream into its messages.
func gobFrames(t testing.TB, data []byte) [][]byte {
	t.Helper()
	var msgs [][]byte
	for c := (gobCursor{b: data}); c.left() > 0; {
		msg, err := c.bytes()
		if err != nil {
			t.Fatalf("bad framing: %v", err)
		}
		msgs = append(msgs, msg)
	}
	return msgs
}

// withCount encodes values with one encoder and sets the count of the nth
// map or slice holding countMark (from 0) to n.
func withCount(t testing.TB, nth int, n uint64, values ...any) []byte {
	t.Helper()
	mark := append([]byte{1, byte(len(countMark))}, countMark...)
	var out []byte
	for _, msg := range gobFrames(t, encodeGob(t, values...)) {
		if i := bytes.Index(msg, mark); i >= 0 {
			if nth == 0 {
				msg = append(append(append([]byte(nil), msg[:i]...), appendGobUint(nil, n)...), msg[i+1:]...)
			}
			nth--
		}
		out = appendFrame(out, msg)
	}
	if nth >= 0 {
		t.Fatal("too few marked counts")
	}
	return out
}

// allocated returns the bytes the process allocated while f ran: the
// growth of runtime.MemStats.TotalAlloc, read through runtime/metrics, which
// does not stop the world (fuzz targets call it per value).
func allocated(f func()) uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	before := s[0].Value.Uint64()
	f()
	metrics.Read(s)
	return s[0].Value.Uint64() - before
}

// countBombs are values holding a marked map or slice, each decoded into
// its target.
var countBombs = []struct {
	name   string
	value  any
	target func() any
}{
	{"map field", mapHolder{M: markedMap()}, func() any { return new(mapHolder) }},
	{"map in a slice of structs", mapList{L: []mapHolder{{}, {M: markedMap()}}}, func() any { return new(mapList) }},
	{"top-level map", markedMap(), func() any { return new(map[string]int) }},
	{"map in an interface value", anyHolder{V: markedMap()}, func() any { return new(anyHolder) }},
	{"map in a field the target lacks", mapHolder{M: markedMap()}, func() any { return new(empty) }},
	{"map discarded", mapList{L: []mapHolder{{M: markedMap()}}}, func() any { return nil }},
	{"slice field", sliceHolder{S: markedSlice()}, func() any { return new(sliceHolder) }},
	{"slice in a map", map[string][]string{"k": markedSlice()}, func() any { return new(map[string][]string) }},
	{"slice in an interface value", anyHolder{V: markedSlice()}, func() any { return new(anyHolder) }},
}

// TestGobReaderRefusesCountBombs sends each value twice, the second time
// with its map or slice claiming 2^40 or 2^28 elements in a message of a
// few dozen bytes, for which encoding/gob would allocate gigabytes (a map)
// or 10 MiB (a slice). The reader must refuse it having allocated little,
// and stay in step.
func TestGobReaderRefusesCountBombs(t *testing.T) {
	for _, tc := range countBombs {
		for _, claim := range []uint64{1 << 40, 1 << 28} {
			t.Run(fmt.Sprintf("%s, 2^%d", tc.name, bits.Len64(claim)-1), func(t *testing.T) {
				data := withCount(t, 1, claim, tc.value, tc.value, Header{Seq: 7})
				r := newGobReader(bytes.NewReader(data), DefaultMaxMessageSize)
				if err := r.Decode(tc.target()); err != nil {
					t.Fatalf("the honest value: %v", err)
				}
				var err error
				if n := allocated(func() { err = r.Decode(tc.target()) }); n > 1<<20 {
					t.Errorf("refusing a count of %d allocated %d bytes", claim, n)
				}
				if !errors.Is(err, ErrCorrupt) || r.stats.rejected != 1 {
					t.Fatalf("err = %v (%+v), want ErrCorrupt from the walker", err, r.stats)
				}
				var h Header
				if err := r.Decode(&h); err != nil || h.Seq != 7 {
					t.Fatalf("the next value: %+v, %v", h, err)
				}
			})
		}
	}
}

// TestGobReaderMapBombInASplitValue claims a huge map in a value that
// continues after the definition of its interface value's type. The reader
// refuses it and, unable to tell where the value ends, stays broken.
func TestGobReaderMapBombInASplitValue(t *testing.T) {
	data := withCount(t, 0, 1<<40, anyHolder{V: markedMap()}, Header{Seq: 1})
	r := newGobReader(bytes.NewReader(data), DefaultMaxMessageSize)
	var err error
	if n := allocated(func() { err = r.Decode(new(anyHolder)) }); n > 1<<20 {
		t.Errorf("refusing the map allocated %d bytes", n)
	}
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("err = %v, want ErrCorrupt", err)
	}
	if err2 := r.Decode(new(Header)); err2 != err {
		t.Fatalf("after a refused split value: %v, want the same error again", err2)
	}
}

// TestGobReaderRefusesNilInSkippedField: encoding/gob skips a nil interface
// value in a field the target lacks by reading on past it, so the reader
// refuses one where it cannot tell whether gob decodes or skips it. Stock
// gob fails on it too.
func TestGobReaderRefusesNilInSkippedField(t *testing.T) {
	data := encodeGob(t, maps{Items: []any{nil, 1}, N: 1}, Header{Seq: 2})
	r := newGobReader(bytes.NewReader(data), DefaultMaxMessageSize)
	if err := r.Decode(new(onlyN)); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("err = %v, want ErrCorrupt", err)
	}
	var h Header
	if err := r.Decode(&h); err != nil || h.Seq != 2 {
		t.Fatalf("the next value: %+v, %v", h, err)
	}
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(new(onlyN)); err == nil {
		t.Fatal("stock gob skipped the nil interface value; the reader could accept it too")
	}
}

// TestGobReaderRefusesNestedDefinition: the first definition of a type
// inside an interface value nested in another is refused, and the stream
// stays in step.
func TestGobReaderRefusesNestedDefinition(t *testing.T) {
	data := encodeGob(t, anyHolder{V: anyHolder{V: []string{"x"}}}, Header{Seq: 3})
	var want anyHolder
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&want); err != nil {
		t.Fatalf("stock gob: %v; the test needs it to decode the value", err)
	}
	r := newGobReader(bytes.NewReader(data), DefaultMaxMessageSize)
	if err := r.Decode(new(anyHolder)); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("err = %v, want ErrCorrupt", err)
	}
	var h Header
	if err := r.Decode(&h); err != nil || h.Seq != 3 {
		t.Fatalf("the next value: %+v, %v", h, err)
	}
}

// TestGobReaderLimitsSplitValues: a value that continues after the
// definitions of its interface value's type is bounded, with them, by the
// limit, though each message is under it.
func TestGobReaderLimitsSplitValues(t *testing.T) {
	data := encodeGob(t, anyHolder{V: echoReply{Instance: strings.Repeat("i", 150)}})
	for _, msg := range gobFrames(t, data) {
		if len(msg) >= 200 {
			t.Fatalf("a message of %d bytes; the test needs all under the limit", len(msg))
		}
	}
	r := newGobReader(bytes.NewReader(data), 200)
	if err := r.Decode(new(anyHolder)); !errors.Is(err, ErrMessageTooLarge) {
		t.Fatalf("err = %v, want ErrMessageTooLarge", err)
	}
	if err := requireDecodes(data, new(anyHolder), 300); err != nil {
		t.Fatalf("under a limit of 300: %v", err)
	}
}

// requireDecodes decodes the first value of data into target under limit.
func requireDecodes(data []byte, target any, limit int64) error {
	return newGobReader(bytes.NewReader(data), limit).Decode(target)
}

// chain is a recursive type with a map, so the walker follows it.
type chain struct {
	M    map[string]int
	Next *chain
}

func chainOf(n int) *chain {
	var c *chain
	for range n {
		c = &chain{M: map[string]int{"k": n}, Next: c}
	}
	return c
}

// TestGobReaderWalkDepth: the walker follows a recursive value up to
// maxWalkDepth levels and refuses a deeper one.
func TestGobReaderWalkDepth(t *testing.T) {
	requireSame(t, encodeGob(t, chainOf(100)), some(chain{}))
	data := encodeGob(t, chainOf(maxWalkDepth+1))
	if err := requireDecodes(data, new(chain), DefaultMaxMessageSize); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("err = %v, want ErrCorrupt", err)
	}
}

// TestGobReaderRefusesGobsOwnTypes: a struct defined with a field of
// encoding/gob's own type 22, []fieldType, whose count stock gob sizes a
// slice by (up to 10 MiB), is refused. An encoder never sends gob's own
// types (gob does not accept their definitions), so nothing honest is lost.
func TestGobReaderRefusesGobsOwnTypes(t *testing.T) {
	field := append(append([]byte{1, 1, 'F', 1}, appendGobInt(nil, 22)...), 0)
	holder := gobDef(65, map[uint64][]byte{2: append([]byte{1, 1}, field...)}) // StructT{Field: {F 22}}
	value := appendGobUint(append(appendGobInt(nil, 65), 1), 1<<28)            // {F: 2^28 elements}
	data := appendFrame(appendFrame(nil, holder), value)
	type fieldTypes struct{ F []struct{ Name string } }
	if n := allocated(func() { _ = gob.NewDecoder(bytes.NewReader(data)).Decode(new(fieldTypes)) }); n < 5<<20 {
		t.Fatalf("stock gob allocated %d bytes; the test needs it to size the slice by the claim", n)
	}
	var err error
	if n := allocated(func() { err = requireDecodes(data, new(fieldTypes), DefaultMaxMessageSize) }); n > 1<<20 {
		t.Errorf("refusing the value allocated %d bytes", n)
	}
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("err = %v, want ErrCorrupt", err)
	}
}

// gobDef returns the message defining type id with, for each wireType field
// number in kinds, that kind's fields after a CommonType named "T".
func gobDef(id int64, kinds map[uint64][]byte) []byte {
	b := appendGobInt(nil, -id)
	last := uint64(0)
	for k := range uint64(len(wireKinds)) {
		body, ok := kinds[k]
		if !ok {
			continue
		}
		b = appendGobUint(b, k+1-last)
		b = append(b, 1, 1, 1, 'T', 0) // CommonType{Name: "T"}
		b = append(append(b, body...), 0)
		last = k + 1
	}
	return append(b, 0)
}

// TestGobReaderRefusesNestedSliceBomb: ten nested slices, each claiming
// 2^28 elements, make stock gob allocate 10 MiB a level (100 MiB for a
// message of 62 bytes); the reader refuses the first claim.
func TestGobReaderRefusesNestedSliceBomb(t *testing.T) {
	msgs := gobFrames(t, encodeGob(t, tree{Kids: []tree{{}}}))
	var data []byte
	for _, def := range msgs[:len(msgs)-1] {
		data = appendFrame(data, def)
	}
	last := msgs[len(msgs)-1]                           // tree's id, then {Kids: 1 element, {}} (1 1 0), then 0
	value := append([]byte(nil), last[:len(last)-4]...) // tree's id
	for range 10 {
		value = appendGobUint(append(value, 1), 1<<28) // field Kids, its count
	}
	data = appendFrame(data, value)
	var err error
	if n := allocated(func() { err = requireDecodes(data, new(tree), DefaultMaxMessageSize) }); n > 1<<20 {
		t.Errorf("refusing nested slices allocated %d bytes", n)
	}
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("err = %v, want ErrCorrupt", err)
	}
}

// TestGobReaderRefusesDefinitionOfTwoKinds: a type defined both as an array
// and as a map is read by encoding/gob as a map when it decodes it and as an
// array when it skips it; the reader refuses the definition.
func TestGobReaderRefusesDefinitionOfTwoKinds(t *testing.T) {
	twoKinds := gobDef(65, map[uint64][]byte{
		0: append(append([]byte{1}, appendGobInt(nil, 2)...), 1, 2),                               // ArrayT{Elem: int, Len: 1}
		3: append(append(append([]byte{1}, appendGobInt(nil, 6)...), 1), appendGobInt(nil, 2)...), // MapT{Key: string, Elem: int}
	})
	field := append(append([]byte{1, 1, 'M', 1}, appendGobInt(nil, 65)...), 0)
	holder := gobDef(66, map[uint64][]byte{2: append([]byte{1, 1}, field...)}) // StructT{Field: {M 65}}
	value := append(appendGobInt(nil, 66), 1, 1, 1, 'k', 4, 0)                 // {M: {"k": 2}}
	data := appendFrame(appendFrame(appendFrame(nil, twoKinds), holder), value)

	var want mapHolder
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&want); err != nil || want.M["k"] != 2 {
		t.Fatalf("stock gob decoded %+v, %v; the test needs it to decode the map", want, err)
	}
	if err := requireDecodes(data, new(mapHolder), DefaultMaxMessageSize); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("err = %v, want ErrCorrupt", err)
	}
}

// BenchmarkGobDecodeMap decodes a warm value with a map of 16 entries and a
// slice of 16 strings, which the fast reader walks before encoding/gob
// decodes it, and with a stock gob.Decoder: the cost of the walk.
func BenchmarkGobDecodeMap(b *testing.B) {
	v := maps{One: make(map[string]int), Items: make([]any, 16)}
	for i := range 16 {
		v.One[fmt.Sprint("key", i)] = i
		v.Items[i] = fmt.Sprint("item", i)
	}
	benchGobDecode(b, encodeGob(b, v), encodeGob(b, v, v), func(d gobDecoder) error {
		var got maps
		return d.Decode(&got)
	})
}
