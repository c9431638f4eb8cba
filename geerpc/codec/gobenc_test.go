package codec

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/gob"
	"io"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/geerpclab/geerpc/geerpc/internal/fuzzseed"
)

// Types only the encoder tests use.
type (
	// flatKinds has a field of every kind the fast encoder handles.
	flatKinds struct {
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
		F32 float32
		F64 float64
		S   string
		Bs  []byte
	}
	// textMarshaled encodes itself, so gob must encode structs holding it.
	textMarshaled string
	textOut       struct{ T textMarshaled }
	// mixedCase has an unexported field, which gob skips but a plan refuses.
	mixedCase struct {
		A int
		b int //nolint:unused // gob must skip it
	}
)

func (t textMarshaled) MarshalText() ([]byte, error) { return []byte("t:" + t), nil }

// encodeBoth encodes values in order with a stock gob.Encoder and with a
// gobWriter. An error from one must be an error from the other.
func encodeBoth(t testing.TB, values []any) (stock, fast []byte, w *gobWriter) {
	t.Helper()
	var sb, fb bytes.Buffer
	se := gob.NewEncoder(&sb)
	w = newGobWriter(&fb)
	for i, v := range values {
		serr, ferr := se.Encode(v), w.Encode(v)
		if (serr == nil) != (ferr == nil) {
			t.Fatalf("value %d (%T): gob says %v, fast encoder says %v", i, v, serr, ferr)
		}
	}
	return sb.Bytes(), fb.Bytes(), w
}

// gobEqual compares a value with what gob decoded from it: gob does not
// tell nil from empty slices, nor -0 from 0 in a struct field.
func gobEqual(a, b reflect.Value) bool {
	switch a.Kind() {
	case reflect.Pointer:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		return gobEqual(a.Elem(), b.Elem())
	case reflect.Struct:
		for i := range a.NumField() {
			if a.Type().Field(i).IsExported() && !gobEqual(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	case reflect.Float32, reflect.Float64:
		x, y := a.Float(), b.Float()
		return x == y || math.IsNaN(x) && math.IsNaN(y)
	case reflect.Slice:
		if a.Type().Elem().Kind() == reflect.Uint8 {
			return bytes.Equal(a.Bytes(), b.Bytes())
		}
	}
	return reflect.DeepEqual(a.Interface(), b.Interface())
}

// decodeEncoded decodes data with a stock decoder into fresh values of the
// types of values, skipping those gob refused to encode, and compares them.
func decodeEncoded(t *testing.T, data []byte, values []any) {
	t.Helper()
	dec := gob.NewDecoder(bytes.NewReader(data))
	for i, v := range values {
		if gob.NewEncoder(io.Discard).Encode(v) != nil {
			continue
		}
		rt := reflect.TypeOf(v)
		if rt.Kind() == reflect.Pointer {
			rt = rt.Elem()
		}
		got := reflect.New(rt)
		if err := dec.DecodeValue(got); err != nil {
			t.Fatalf("value %d (%T): %v", i, v, err)
		}
		if !gobEqual(reflect.Indirect(reflect.ValueOf(v)), got.Elem()) {
			t.Fatalf("value %d: encoded %#v, decoded %#v", i, v, got.Elem())
		}
	}
}

var maxFlat = flatKinds{
	B: true, I: math.MaxInt, I8: math.MaxInt8, I16: math.MaxInt16, I32: math.MaxInt32, I64: math.MaxInt64,
	U: math.MaxUint, U8: math.MaxUint8, U16: math.MaxUint16, U32: math.MaxUint32, U64: math.MaxUint64,
	F32: math.MaxFloat32, F64: math.MaxFloat64, S: "ünïcode ✓ \x00", Bs: bytes.Repeat([]byte{0xff}, 300),
}

var minFlat = flatKinds{
	I: math.MinInt, I8: math.MinInt8, I16: math.MinInt16, I32: math.MinInt32, I64: math.MinInt64,
	U8: 1, F32: float32(math.Inf(-1)), F64: math.Copysign(0, -1), S: strings.Repeat("long ", 40), Bs: []byte{},
}

var specialFlat = flatKinds{
	I: -1, I8: -1, I16: -128, I32: -129, I64: -1 << 40, U: 127, U16: 128, U32: 255, U64: 256,
	F32: float32(math.NaN()), F64: math.NaN(), Bs: []byte{0},
}

var encodeCases = []struct {
	name   string
	values []any
	fast   []any // types that must have a fast plan afterwards
}{
	{
		name: "headers and echo",
		values: []any{&Header{ServiceMethod: "Echo.Echo", Seq: 1}, echoArgs{Nonce: 7, Payload: []byte("hi")},
			&Header{ServiceMethod: "Echo.Echo", Seq: 1 << 63, Error: "bad ünïcode ✓", Deadline: -5}, echoArgs{},
			&Header{}, &echoArgs{Nonce: math.MaxUint64}, &Header{Seq: 2}, echoArgs{Payload: []byte{}}},
		fast: []any{&Header{}, echoArgs{}, &echoArgs{}},
	},
	{
		name: "every kind",
		values: []any{maxFlat, minFlat, &specialFlat, flatKinds{}, &flatKinds{F64: math.Inf(1)},
			flatKinds{F32: float32(math.Copysign(0, -1)), F64: math.SmallestNonzeroFloat64}, specialFlat, &maxFlat},
		fast: []any{flatKinds{}, &flatKinds{}},
	},
	{
		name: "singletons",
		values: []any{"str", "", []byte("bytes"), []byte{}, []byte(nil), int8(-3), int8(0), math.NaN(),
			math.Copysign(0, -1), false, true, uint64(math.MaxUint64), float32(1.5), new(string), named("n"),
			"again", []byte("again"), 0.0, namedBytes("nb"), namedBytes(nil)},
		fast: []any{"", []byte{}, int8(0), 0.0, false, named(""), namedBytes{}},
	},
	{
		name: "empty and named",
		values: []any{empty{}, &empty{}, empty{}, namedKinds{S: "s", Bs: namedBytes("b"), D: -3},
			namedKinds{}, textHolder{S: "t"}, textHolder{}, struct{}{}, struct{}{}},
		fast: []any{empty{}, namedKinds{}, textHolder{}, struct{}{}},
	},
	{
		name: "non-flat interleaved",
		values: []any{&Header{Seq: 1}, allKinds{UP: 3, S: "s"}, &Header{Seq: 2}, nested{M: map[string]int{"a": 1}, L: []int{1}},
			embedded{X: 1}, withTime{N: 2}, textOut{T: "x"}, mixedCase{A: 1}, &Header{Seq: 3}, allKinds{I: -1},
			textOut{T: "y"}, []int{1, 2}, map[string]int{"k": 2}, mixedCase{A: 2}, echoReply{Instance: "i"}, &Header{Seq: 4}},
		fast: []any{&Header{}, echoReply{}},
	},
	{
		name:   "refused values",
		values: []any{&Header{Seq: 1}, lowerOnly{}, nil, &Header{Seq: 2}, lowerOnly{}, 3 + 4i, &Header{Seq: 3}},
		fast:   []any{&Header{}},
	},
}

func TestGobWriterByteIdentical(t *testing.T) {
	for _, tc := range encodeCases {
		t.Run(tc.name, func(t *testing.T) {
			stock, fast, w := encodeBoth(t, tc.values)
			if !bytes.Equal(stock, fast) {
				t.Fatalf("bytes differ\n gob: %x\nfast: %x", stock, fast)
			}
			decodeEncoded(t, fast, tc.values)
			for _, v := range tc.fast {
				if w.types[reflect.TypeOf(v)].plan == nil {
					t.Errorf("%T is not encoded fast", v)
				}
			}
		})
	}
}

func TestGobEncPlanRefuses(t *testing.T) {
	for _, v := range []any{allKinds{}, nested{}, embedded{}, withTime{}, textOut{}, mixedCase{}, lowerOnly{},
		ptrField{}, []int{}, uintptr(1), 1i, textMarshaled(""), new(*Header), map[string]int{}} {
		if gobEncPlanFor(reflect.TypeOf(v)) != nil {
			t.Errorf("%T has a fast plan", v)
		}
	}
}

// TestGobCodecWritesFast checks that a codec's second message of the same
// types is encoded without gob and is read back.
func TestGobCodecWritesFast(t *testing.T) {
	var buf bytes.Buffer
	c := NewGobCodecWithOptions(rwc{&buf, &buf}, Options{})
	for i := range 3 {
		h := Header{ServiceMethod: "Echo.Echo", Seq: uint64(i)}
		if err := c.Write(&h, &echoArgs{Nonce: uint64(i), Payload: []byte("x")}); err != nil {
			t.Fatal(err)
		}
		var gh Header
		var ga echoArgs
		if err := c.ReadHeader(&gh); err != nil || gh != h {
			t.Fatalf("read header %+v, %v; want %+v", gh, err, h)
		}
		if err := c.ReadBody(&ga); err != nil || ga.Nonce != uint64(i) {
			t.Fatalf("read body %+v, %v", ga, err)
		}
	}
	if c.enc.types[reflect.TypeFor[*Header]()].plan == nil || c.enc.types[reflect.TypeFor[*echoArgs]()].plan == nil {
		t.Fatal("header or body not encoded fast")
	}
}

func TestGobWriterAllocs(t *testing.T) {
	c := NewGobCodecWithOptions(rwc{nil, io.Discard}, Options{})
	h := Header{ServiceMethod: "Echo.Echo", Seq: 1, Deadline: 5}
	args := echoArgs{Nonce: 1, Payload: bytes.Repeat([]byte{'x'}, 100)}
	write := func() {
		h.Seq++
		if err := c.WriteBuffered(&h, &args); err != nil {
			t.Fatal(err)
		}
		if err := c.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	write()
	if n := testing.AllocsPerRun(100, write); n != 0 {
		t.Fatalf("a warm header and flat body allocate %v times", n)
	}
}

// fuzzFlat fills a flatKinds and a Header from fuzz input.
func fuzzFlat(data []byte) (flatKinds, Header) {
	r := bytes.NewReader(data)
	var n [16]uint64
	_ = binary.Read(r, binary.LittleEndian, &n) // short input leaves zeros
	rest, _ := io.ReadAll(r)
	cut := len(rest) / 2
	s, bs := string(rest[:cut]), rest[cut:]
	if len(bs) == 0 && n[0]&1 == 0 {
		bs = nil
	}
	v := flatKinds{
		B: n[0]&2 != 0, I: int(n[1]), I8: int8(n[2]), I16: int16(n[3]), I32: int32(n[4]), I64: int64(n[5]),
		U: uint(n[6]), U8: uint8(n[7]), U16: uint16(n[8]), U32: uint32(n[9]), U64: n[10],
		F32: math.Float32frombits(uint32(n[11])), F64: math.Float64frombits(n[12]), S: s, Bs: bs,
	}
	return v, Header{ServiceMethod: s, Seq: n[13], Error: string(bs), Deadline: int64(n[14])}
}

// FuzzGobEncode checks that the fast encoder writes what gob writes for
// values built from the input, as values, pointers and singletons, with a
// non-flat value in between.
func FuzzGobEncode(f *testing.F) {
	fuzzseed.Add(f, encodeGob(f, maxFlat, &Header{ServiceMethod: "Echo.Echo", Seq: 9}))
	fuzzseed.Add(f, encodeGob(f, &specialFlat))
	fuzzseed.Add(f, encodeGob(f, minFlat)[:128])
	f.Fuzz(func(t *testing.T, data []byte) {
		v, h := fuzzFlat(data)
		values := []any{&h, v, &h, &v, allKinds{S: v.S}, v, h, v.S, v.Bs, v.F32, v.I8, &h}
		stock, fast, _ := encodeBoth(t, values)
		if !bytes.Equal(stock, fast) {
			t.Fatalf("bytes differ\n gob: %x\nfast: %x", stock, fast)
		}
		decodeEncoded(t, fast, values)
	})
}

// BenchmarkGobEncode encodes a header and a body, the body held by pointer
// (as replies are) or by value (as requests usually are).
func BenchmarkGobEncode(b *testing.B) {
	h := Header{ServiceMethod: "Echo.Echo", Seq: 1, Deadline: 1 << 60}
	args := echoArgs{Nonce: 1, Payload: bytes.Repeat([]byte{'x'}, 64)}
	encoders := map[string]func(io.Writer) interface{ Encode(any) error }{
		"stock": func(w io.Writer) interface{ Encode(any) error } { return gob.NewEncoder(w) },
		"fast":  func(w io.Writer) interface{ Encode(any) error } { return newGobWriter(w) },
	}
	bodies := map[string]any{"pointer": &args, "value": args}
	for _, name := range []string{"stock", "fast"} {
		for _, body := range []string{"pointer", "value"} {
			b.Run(name+"/body="+body, func(b *testing.B) {
				bw := bufio.NewWriterSize(io.Discard, 16<<10)
				enc, v := encoders[name](bw), bodies[body]
				b.ReportAllocs()
				for i := 0; b.Loop(); i++ {
					h.Seq = uint64(i)
					if err := enc.Encode(&h); err != nil {
						b.Fatal(err)
					}
					if err := enc.Encode(v); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
