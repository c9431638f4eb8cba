package codec

import (
	"bytes"
	"encoding/gob"
	"errors"
	"fmt"
	"math"
	"math/big"
	"net/rpc"
	"reflect"
	"strings"
	"testing"
	"time"
)

// Types the differential tests encode and decode. Gob matches struct fields
// by name, so a value of one type can be decoded into another.
type (
	echoArgs struct {
		Nonce   uint64
		Payload []byte
	}
	echoReply struct {
		Nonce    uint64
		Payload  []byte
		Instance string
	}
	allKinds struct {
		B   bool
		I   int
		I8  int8
		I16 int16
		I32 int32
		I64 int64
		U   uint
		U8  uint8
		U16 uint16
		U32 uint32
		U64 uint64
		UP  uintptr
		F32 float32
		F64 float64
		S   string
		Bs  []byte
	}
	// wideKinds has allKinds' names with wider types, to overflow narrowKinds.
	wideKinds struct {
		I8, I16, I32 int64
		U8, U16, U32 uint64
		F32          float64
	}
	narrowKinds struct {
		I8  int8
		I16 int16
		I32 int32
		U8  uint8
		U16 uint16
		U32 uint32
		F32 float32
	}
	// reordered has some of allKinds' fields in another order, and one more.
	reordered struct {
		Bs    []byte
		Extra string
		S     string
		I64   int64
	}
	named      string
	namedBytes []byte
	namedKinds struct {
		S  named
		Bs namedBytes
		D  time.Duration
	}
	empty       struct{}
	seqAsString struct{ Seq string }
	lowerOnly   struct{ seq uint64 } //nolint:unused // gob must match no field
	ptrField    struct{ Seq *uint64 }
	nested      struct {
		H Header
		M map[string]int
		P *int
		L []int
		A [2]byte
		C complex128
		V any
	}
	embedded struct {
		Header
		X int
	}
	withTime struct {
		T time.Time
		N int
	}
	textOnly   string
	textHolder struct{ S textOnly }
	// Types with maps, which the walker checks before encoding/gob decodes.
	mapHolder struct{ M map[string]int }
	mapList   struct{ L []mapHolder }
	anyHolder struct{ V any }
	maps      struct {
		One     map[string]int
		Many    map[int]string
		Nested  map[string]map[int]string
		Structs map[string]echoReply
		List    []mapHolder
		Any     map[string]any
		Items   []any
		N       int
	}
	onlyN struct{ N int }
)

// Interface values in the tests carry these.
func init() {
	gob.Register(map[string]int(nil))
	gob.Register(anyHolder{})
	gob.Register(echoReply{})
}

// fullMaps has every field of maps set, with nil interface values among
// the elements.
func fullMaps() maps {
	many := make(map[int]string, 1000)
	for i := range 1000 {
		many[i] = fmt.Sprint(i)
	}
	return maps{
		One:     map[string]int{"a": 1},
		Many:    many,
		Nested:  map[string]map[int]string{"x": {1: "y"}, "e": {}},
		Structs: map[string]echoReply{"r": {Nonce: 1, Payload: []byte("p"), Instance: "i"}, "z": {}},
		List:    []mapHolder{{M: map[string]int{"k": 2}}, {}},
		Any:     map[string]any{"i": 1, "s": "str", "nil": nil, "m": map[string]int{"q": 1}},
		Items:   []any{nil, 3, "x", map[string]int{"z": 9}, anyHolder{V: 1.5}},
		N:       5,
	}
}

// UnmarshalText makes textOnly a TextUnmarshaler, which gob ignores but the
// fast reader leaves to gob.
func (t *textOnly) UnmarshalText(b []byte) error { *t = textOnly(b); return nil }

// diffCase encodes values with a stock gob.Encoder and decodes them, in
// order, into targets (nil discards) with a stock gob.Decoder and with the
// fast reader. fast counts the values the fast reader must decode itself;
// allOK says that every value decodes without an error.
type diffCase struct {
	name    string
	values  []any
	targets func() []any
	fast    int
	allOK   bool
}

func some[T any](vs ...T) func() []any {
	return func() []any {
		out := make([]any, len(vs))
		for i, v := range vs {
			p := new(T)
			*p = v
			out[i] = p
		}
		return out
	}
}

func targetsOf(fs ...func() any) func() []any {
	return func() []any {
		out := make([]any, len(fs))
		for i, f := range fs {
			out[i] = f()
		}
		return out
	}
}

var nan = math.NaN()

var diffCases = []diffCase{
	{
		name:    "header and echo",
		values:  []any{Header{ServiceMethod: "Echo.Echo", Seq: 1, Deadline: -5}, echoArgs{Nonce: 7, Payload: []byte("hi")}, Header{ServiceMethod: "Echo.Echo", Seq: 1 << 63, Error: "bad ünïcode ✓"}, echoReply{Nonce: math.MaxUint64, Payload: []byte{0, 1}, Instance: "i"}},
		targets: targetsOf(func() any { return new(Header) }, func() any { return new(echoArgs) }, func() any { return new(Header) }, func() any { return new(echoReply) }),
		fast:    4,
	},
	{
		name: "all kinds",
		values: []any{
			allKinds{B: true, I: -1, I8: math.MinInt8, I16: math.MaxInt16, I32: math.MinInt32, I64: math.MinInt64, U: math.MaxUint, U8: 255, U16: 1, U32: math.MaxUint32, U64: math.MaxUint64, UP: 9, F32: -1.5, F64: math.Inf(-1), S: "s", Bs: []byte{}},
			allKinds{F32: float32(math.Inf(1)), F64: nan, S: strings.Repeat("long ", 30), Bs: bytes.Repeat([]byte{0xff}, 300)},
			allKinds{F64: math.SmallestNonzeroFloat64, F32: math.SmallestNonzeroFloat32, I: math.MaxInt64},
			allKinds{},
		},
		targets: some(allKinds{}, allKinds{}, allKinds{}, allKinds{S: "kept", Bs: []byte("kept"), F64: 2}),
		fast:    4,
	},
	{
		name:    "narrower kinds in range then overflowing",
		values:  []any{wideKinds{I8: -128, I16: 3, I32: -4, U8: 255, U16: 6, U32: 7, F32: math.MaxFloat32}, wideKinds{I8: 128}, wideKinds{U16: 1 << 16}, wideKinds{I32: math.MinInt32 - 1}, wideKinds{F32: math.MaxFloat64}, wideKinds{F32: math.Inf(-1)}, wideKinds{U8: 1}},
		targets: some(narrowKinds{}, narrowKinds{}, narrowKinds{}, narrowKinds{}, narrowKinds{}, narrowKinds{}, narrowKinds{}),
		fast:    7,
	},
	{
		name:    "reordered, extra and missing fields into non-zero targets",
		values:  []any{allKinds{S: "a", Bs: []byte("b"), I64: -3, U: 4}, allKinds{I64: 1}},
		targets: some(reordered{Extra: "untouched", Bs: make([]byte, 0, 10)}, reordered{S: "old", Bs: []byte("old"), Extra: "x"}),
		fast:    2,
	},
	{
		name:    "byte slices reuse capacity or allocate",
		values:  []any{echoArgs{Payload: []byte("abc")}, echoArgs{Payload: []byte("abcdef")}, echoArgs{}},
		targets: some(echoArgs{Payload: make([]byte, 1, 8)}, echoArgs{Payload: []byte("xy")}, echoArgs{Payload: []byte("kept")}),
		fast:    3,
	},
	{
		name:    "named types",
		values:  []any{namedKinds{S: "n", Bs: namedBytes("b"), D: time.Second}, allKinds{S: "only s"}},
		targets: some(namedKinds{}, namedKinds{D: 1}),
		fast:    2,
	},
	{
		name:    "singletons",
		values:  []any{"str", "", []byte("b"), []byte{}, 42, -42, uint8(200), 3.5, true, false, float32(1.25)},
		targets: targetsOf(func() any { return new(string) }, func() any { s := "old"; return &s }, func() any { return new([]byte) }, func() any { b := []byte("old"); return &b }, func() any { return new(int) }, func() any { return new(int64) }, func() any { return new(uint8) }, func() any { return new(float64) }, func() any { return new(bool) }, func() any { b := true; return &b }, func() any { return new(float32) }),
		fast:    11,
	},
	{
		name:    "singleton overflow and mismatch",
		values:  []any{300, -1, "s", 1.0, Header{Seq: 1}, 5},
		targets: targetsOf(func() any { return new(int8) }, func() any { return new(uint) }, func() any { return new([]byte) }, func() any { return new(float32) }, func() any { return new(string) }, func() any { return new(Header) }),
		fast:    2,
	},
	{
		name:    "struct mismatches fall back to gob's errors",
		values:  []any{Header{Seq: 1}, Header{Seq: 2}, Header{Seq: 3}, Header{Seq: 4}, echoArgs{Nonce: 5}},
		targets: targetsOf(func() any { return new(seqAsString) }, func() any { return new(lowerOnly) }, func() any { return new(ptrField) }, func() any { return new(empty) }, func() any { return new(echoArgs) }),
		fast:    2,
	},
	{
		name:    "empty struct on the wire",
		values:  []any{empty{}, struct{}{}, Header{Seq: 1}},
		targets: some(Header{Seq: 9}, Header{}, Header{}),
		fast:    3,
	},
	{
		name:    "discards",
		values:  []any{Header{Seq: 1}, echoReply{Payload: []byte("x")}, "s", Header{Seq: 2}},
		targets: targetsOf(func() any { return nil }, func() any { return nil }, func() any { return nil }, func() any { return new(Header) }),
		fast:    1,
	},
	{
		name: "types that fall back",
		values: []any{
			nested{H: Header{Seq: 1}, M: map[string]int{"a": 1}, P: new(int), L: []int{1, 2}, A: [2]byte{3, 4}, C: 1 + 2i, V: 7},
			embedded{Header: Header{ServiceMethod: "E.E"}, X: 2},
			withTime{T: time.Unix(100, 5).UTC(), N: 3},
			textHolder{S: "t"},
			big.NewInt(-12345),
			rpc.Request{ServiceMethod: "Arith.Mul", Seq: 3},
		},
		targets: targetsOf(func() any { return new(nested) }, func() any { return new(embedded) }, func() any { return new(withTime) }, func() any { return new(textHolder) }, func() any { return new(big.Int) }, func() any { return new(Header) }),
		fast:    1,
	},
	{
		name: "maps",
		values: []any{
			maps{}, fullMaps(), maps{One: map[string]int{}, Items: []any{nil}},
			map[string]int{"top": 1, "level": 2}, map[string]int{}, map[string][]int{"l": {1, 2}},
			mapList{L: []mapHolder{{M: map[string]int{"a": 1}}, {}, {M: map[string]int{"b": 2, "c": 3}}}},
		},
		targets: targetsOf(func() any { return new(maps) }, func() any { return new(maps) }, func() any { return &maps{N: 9} },
			func() any { return new(map[string]int) }, func() any { return &map[string]int{"kept": 1} }, func() any { return new(map[string][]int) },
			func() any { return new(mapList) }),
		allOK: true,
	},
	{
		name: "slices",
		values: []any{
			tree{Kids: []tree{{Kids: []tree{{}, {}}}, {}}}, sliceHolder{S: []string{"a", "", "b"}}, sliceHolder{},
			[][]int{{1}, {}, {2, 3}}, []string{}, [2][]int{{4}, nil}, sliceHolder{S: []string{"skipped"}}, tree{Kids: []tree{{}}},
		},
		targets: targetsOf(func() any { return new(tree) }, func() any { return new(sliceHolder) }, func() any { return &sliceHolder{S: []string{"kept"}} },
			func() any { return new([][]int) }, func() any { return new([]string) }, func() any { return new([2][]int) },
			func() any { return new(empty) }, func() any { return nil }),
		allOK: true,
	},
	{
		name: "maps in interface values",
		values: []any{
			anyHolder{V: map[string]int{"first": 1}}, // the type's definition splits the value
			anyHolder{V: map[string]int{"again": 2}},
			anyHolder{V: anyHolder{V: map[string]int{"nested": 3}}},
			anyHolder{V: echoReply{Nonce: 4, Instance: "split too"}},
			anyHolder{},
			Header{Seq: 5},
		},
		targets: targetsOf(func() any { return new(anyHolder) }, func() any { return new(anyHolder) }, func() any { return new(anyHolder) },
			func() any { return new(anyHolder) }, func() any { return new(anyHolder) }, func() any { return new(Header) }),
		fast:  1,
		allOK: true,
	},
	{
		name: "maps skipped or discarded",
		values: []any{
			maps{One: map[string]int{"a": 1}, List: []mapHolder{{M: map[string]int{"b": 2}}}, Any: map[string]any{"m": map[string]int{"c": 3}}, Items: []any{1}, N: 6},
			maps{Nested: map[string]map[int]string{"x": {1: "y"}}, N: 7},
			maps{Structs: map[string]echoReply{"r": {Nonce: 1}}, Any: map[string]any{"i": 1}, Items: []any{"x", anyHolder{V: 2}}},
			mapHolder{M: map[string]int{"d": 4}}, map[string]int{"e": 5},
			anyHolder{V: map[string]int{"f": 6}}, Header{Seq: 8},
		},
		targets: targetsOf(func() any { return new(onlyN) }, func() any { return new(onlyN) }, func() any { return nil },
			func() any { return new(empty) }, func() any { return nil }, func() any { return nil }, func() any { return new(Header) }),
		fast:  1,
		allOK: true,
	},
}

// gobDecoder is what both readers offer.
type gobDecoder interface{ Decode(any) error }

// decodeAll decodes into each target in turn and returns the errors.
func decodeAll(d gobDecoder, targets []any) []error {
	errs := make([]error, len(targets))
	for i, t := range targets {
		errs[i] = d.Decode(t)
	}
	return errs
}

// sameValue compares decoded values; the %#v form of what the targets point
// to makes NaNs equal.
func sameValue(a, b any) bool {
	if reflect.DeepEqual(a, b) {
		return true
	}
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	if va.Kind() != reflect.Pointer || vb.Kind() != reflect.Pointer || va.IsNil() || vb.IsNil() {
		return false
	}
	return fmt.Sprintf("%#v", va.Elem()) == fmt.Sprintf("%#v", vb.Elem())
}

// encodeGob encodes values with one stock encoder.
func encodeGob(t testing.TB, values ...any) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := gob.NewEncoder(&buf)
	for _, v := range values {
		if err := enc.Encode(v); err != nil {
			t.Fatalf("encoding %T: %v", v, err)
		}
	}
	return buf.Bytes()
}

// requireSame decodes data with both readers into fresh targets and fails
// on any difference in values or in error-ness. It returns the fast reader
// and its errors.
func requireSame(t *testing.T, data []byte, targets func() []any) (*gobReader, []error) {
	t.Helper()
	want, got := targets(), targets()
	wantErrs := decodeAll(gob.NewDecoder(bytes.NewReader(data)), want)
	r := newGobReader(bytes.NewReader(data), DefaultMaxMessageSize)
	gotErrs := decodeAll(r, got)
	for i := range want {
		if (wantErrs[i] == nil) != (gotErrs[i] == nil) {
			t.Fatalf("value %d (%T): gob says %v, fast reader says %v", i, want[i], wantErrs[i], gotErrs[i])
		}
		if wantErrs[i] == nil && !sameValue(want[i], got[i]) {
			t.Fatalf("value %d: gob decoded %#v, fast reader %#v", i, want[i], got[i])
		}
	}
	return r, gotErrs
}

func TestGobReaderMatchesGob(t *testing.T) {
	for _, tc := range diffCases {
		t.Run(tc.name, func(t *testing.T) {
			r, errs := requireSame(t, encodeGob(t, tc.values...), tc.targets)
			if err := errors.Join(errs...); tc.allOK && err != nil {
				t.Errorf("want every value decoded: %v", err)
			}
			if r.stats.fast != tc.fast {
				t.Errorf("fast path decoded %d values, want %d (fallback %d)", r.stats.fast, tc.fast, r.stats.fallback)
			}
		})
	}
}

// TestGobReaderMixedStream decodes every case's values in one stream, twice,
// so that types defined early are used late and plans come from the cache.
func TestGobReaderMixedStream(t *testing.T) {
	var values []any
	var makers []func() []any
	for range 2 {
		for _, tc := range diffCases {
			values = append(values, tc.values...)
			makers = append(makers, tc.targets)
		}
	}
	requireSame(t, encodeGob(t, values...), func() []any {
		var all []any
		for _, m := range makers {
			all = append(all, m()...)
		}
		return all
	})
}

func TestGobReaderRefusesBadTargetsWithoutReading(t *testing.T) {
	data := encodeGob(t, Header{Seq: 1})
	targets := targetsOf(func() any { return Header{} }, func() any { return (*Header)(nil) }, func() any { return new(Header) })
	if r, _ := requireSame(t, data, targets); r.stats.fast != 1 {
		t.Fatalf("the header after two refused targets was not decoded by the fast path: %+v", r.stats)
	}
}

// TestGobReaderDuplicateType checks that a second definition of a type id,
// which gob refuses, is refused too.
func TestGobReaderDuplicateType(t *testing.T) {
	data := append(encodeGob(t, Header{Seq: 1}), encodeGob(t, echoArgs{Nonce: 2})...)
	requireSame(t, data, targetsOf(func() any { return new(Header) }, func() any { return new(echoArgs) }, func() any { return new(echoArgs) }))
}

// TestGobReaderSplitInterface splits a value message inside an interface
// field, so gob reads the rest of the value from the next message; the
// fallback must read that from the stream as a stock decoder does.
func TestGobReaderSplitInterface(t *testing.T) {
	type holder struct{ V any }
	defs, value := splitLastValue(t, encodeGob(t, holder{V: 7}))
	i := bytes.Index(value, []byte("int")) + len("int")
	split := appendFrame(appendFrame(defs, value[:i]), value[i:])
	var h holder
	if err := gob.NewDecoder(bytes.NewReader(split)).Decode(&h); err != nil || h.V != 7 {
		t.Fatalf("stock gob decoded the split value as %+v, %v; the test needs it to succeed", h, err)
	}
	if r, _ := requireSame(t, split, some(holder{})); r.stats.fallback != 1 {
		t.Fatalf("stats %+v, want one fallback", r.stats)
	}
}

// splitLastValue returns the messages of data before its last one and the
// body of the last one.
func splitLastValue(t *testing.T, data []byte) (defs, last []byte) {
	t.Helper()
	c := gobCursor{b: data}
	start := 0
	for c.left() > 0 {
		start = c.i
		n, err := c.uint()
		if err != nil || n > uint64(c.left()) {
			t.Fatalf("bad framing at %d", start)
		}
		last = c.b[c.i : c.i+int(n)]
		c.i += int(n)
	}
	return append([]byte(nil), data[:start]...), last
}
