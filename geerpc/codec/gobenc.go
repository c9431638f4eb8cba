package codec

import (
	"bytes"
	"encoding"
	"encoding/gob"
	"io"
	"math"
	"math/bits"
	"reflect"
	"sync"
	"unsafe"
)

// gobWriter writes a gob stream byte for byte as one gob.Encoder would, and
// encodes the values of flat types (see gobEncPlan) itself. The first value
// of each Go type goes through a stock gob.Encoder, which sends the type
// definition and records the type as sent; the writer learns the wire type
// id from that output and encodes later values of the type without gob. The
// stock encoder writes into out, which is copied to the destination after
// each value, so that its output can be read back. It is used by one
// goroutine at a time.
type gobWriter struct {
	w       io.Writer
	out     bytes.Buffer // the stock encoder's only writer
	stock   *gob.Encoder
	types   map[reflect.Type]*gobEncType
	header  *gobEncType     // the *Header type's, once known
	recent  [2]gobEncRecent // fast types last looked up, checked before types
	scratch []byte          // the message being encoded, reused
}

// gobEncRecent is an entry of a writer's recent types: a header and a body
// type alternate, so two entries spare most map lookups.
type gobEncRecent struct {
	rt reflect.Type
	t  *gobEncType
}

// gobEncType is what a writer knows about one Go type: its plan and wire
// type id, or a nil plan when gob encodes it. slot, for a type that is not
// a pointer, is where the writer copies a value to encode it: reflect
// gives the address a pointer holds, but not that of a value held in an
// interface.
type gobEncType struct {
	plan *gobEncPlan
	id   int32
	slot reflect.Value // a *T for a T that is not a pointer, else invalid
}

// newGobEncType returns what the writer needs to encode values of rt.
func newGobEncType(rt reflect.Type, plan *gobEncPlan, id int32) *gobEncType {
	t := &gobEncType{plan: plan, id: id}
	if rt.Kind() != reflect.Pointer {
		t.slot = reflect.New(rt)
	}
	return t
}

// pointer returns the address of the value v holds, nil for a nil pointer:
// the pointer itself, or the slot once v is copied into it; release
// empties the slot after.
func (t *gobEncType) pointer(v any) unsafe.Pointer {
	rv := reflect.ValueOf(v)
	if !t.slot.IsValid() {
		return rv.UnsafePointer()
	}
	t.slot.Elem().Set(rv)
	return t.slot.UnsafePointer()
}

// release empties the slot, if any, so that it keeps nothing of the value
// alive.
func (t *gobEncType) release() {
	if t.slot.IsValid() {
		t.slot.Elem().SetZero()
	}
}

// gobMaxLen is the room reserved for a message's length prefix.
const gobMaxLen = 9

// newGobWriter returns a writer of a gob stream to w.
func newGobWriter(w io.Writer) *gobWriter {
	e := &gobWriter{w: w, types: make(map[reflect.Type]*gobEncType)}
	e.stock = gob.NewEncoder(&e.out)
	return e
}

// Encode writes v as gob.Encoder.Encode does.
func (e *gobWriter) Encode(v any) error {
	if h, ok := v.(*Header); ok && h != nil && e.header != nil {
		return e.writeMessage(appendHeaderMessage(e.scratch[:0], e.header.id, h), v)
	}
	rt := reflect.TypeOf(v)
	t, known := e.lookup(rt)
	if known && t.plan != nil {
		if p := t.pointer(v); p != nil {
			err := e.writeMessage(t.plan.appendMessage(e.scratch[:0], t.id, p), v)
			t.release()
			return err
		}
	}
	defer e.resetOut()
	if err := e.encodeStock(v); err != nil || known || rt == nil {
		return err
	}
	e.learn(rt, v)
	return nil
}

var headerPtrType = reflect.TypeFor[*Header]()

// appendHeaderMessage is appendMessage for a *Header, with its fields read
// by name instead of through reflect: every message has one. Its bytes are
// those of the Header's plan, which learn checked against gob's.
func appendHeaderMessage(b []byte, id int32, h *Header) []byte {
	b = append(b, make([]byte, gobMaxLen)...)
	b = appendGobInt(b, int64(id))
	prev := -1
	if h.ServiceMethod != "" {
		b, prev = appendGobUint(b, uint64(0-prev)), 0
		b = appendGobString(b, h.ServiceMethod)
	}
	if h.Seq != 0 {
		b, prev = appendGobUint(b, uint64(1-prev)), 1
		b = appendGobUint(b, h.Seq)
	}
	if h.Error != "" {
		b, prev = appendGobUint(b, uint64(2-prev)), 2
		b = appendGobString(b, h.Error)
	}
	if h.Deadline != 0 {
		b = appendGobUint(b, uint64(3-prev))
		b = appendGobInt(b, h.Deadline)
	}
	return append(b, 0)
}

// appendGobString appends s as gob sends a string.
func appendGobString(b []byte, s string) []byte {
	return append(appendGobUint(b, uint64(len(s))), s...)
}

// lookup returns what the writer knows about rt, if anything.
func (e *gobWriter) lookup(rt reflect.Type) (*gobEncType, bool) {
	for _, r := range e.recent {
		if r.rt == rt && rt != nil {
			return r.t, true
		}
	}
	t, known := e.types[rt]
	if known && t.plan != nil {
		e.recent[1], e.recent[0] = e.recent[0], gobEncRecent{rt: rt, t: t}
	}
	return t, known
}

// writeMessage writes b, a message of v made by appendMessage, with its
// length in front.
func (e *gobWriter) writeMessage(b []byte, v any) error {
	n := len(b) - gobMaxLen
	if n >= gobTooBig {
		e.scratch = nil
		defer e.resetOut()
		return e.encodeStock(v) // gob refuses it with its own error
	}
	var lb [gobMaxLen]byte
	off := gobMaxLen - len(appendGobUint(lb[:0], uint64(n)))
	copy(b[off:], appendGobUint(lb[:0], uint64(n)))
	_, err := e.w.Write(b[off:])
	e.scratch = keepScratch(b)
	return err
}

// keepScratch returns b emptied for reuse, or nil when it grew too large to keep.
func keepScratch(b []byte) []byte {
	if cap(b) > keepBuffer {
		return nil
	}
	return b[:0]
}

// encodeStock encodes v with the stock encoder and copies its output to w,
// even when gob fails: gob may have sent type definitions before failing,
// and it records them as sent. The output stays in out until the caller
// resets it.
func (e *gobWriter) encodeStock(v any) error {
	err := e.stock.Encode(v)
	if _, werr := e.w.Write(e.out.Bytes()); err == nil {
		err = werr
	}
	return err
}

// resetOut empties out, dropping a large buffer. The encoder keeps a
// pointer to out, so the buffer is replaced in place.
func (e *gobWriter) resetOut() {
	if e.out.Cap() > keepBuffer {
		e.out = bytes.Buffer{}
		return
	}
	e.out.Reset()
}

// learn records how to encode later values of rt after the stock encoder
// wrote one, v, into out (not yet reset). The type is encoded fast only
// when the writer's own encoding of that value matches the stock one byte
// for byte.
func (e *gobWriter) learn(rt reflect.Type, v any) {
	plan := gobEncPlanFor(rt)
	e.types[rt] = &gobEncType{}
	if plan == nil {
		return
	}
	msg := lastGobMessage(e.out.Bytes())
	c := gobCursor{b: msg}
	id, err := c.typeID()
	if err != nil || id < 0 {
		return
	}
	t := newGobEncType(rt, plan, id)
	p := t.pointer(v)
	defer t.release()
	if p == nil || !bytes.Equal(plan.appendMessage(nil, id, p)[gobMaxLen:], msg) {
		return
	}
	e.types[rt] = t
	if rt == headerPtrType {
		e.header = t
	}
}

// lastGobMessage returns the last message (without its length) of a stream
// of whole messages, or nil when the stream is malformed.
func lastGobMessage(stream []byte) []byte {
	c := gobCursor{b: stream}
	var last []byte
	for c.left() > 0 {
		msg, err := c.bytes()
		if err != nil {
			return nil
		}
		last = msg
	}
	return last
}

// A gobEncPlan encodes values of one flat Go type as encoding/gob does: a
// struct of exported, non-embedded fields of basic kinds (bool, integers
// but uintptr, floats, string, []byte), or a top-level value of one such
// kind (a singleton), reached directly or through one pointer. No type in
// it may marshal itself (GobEncoder, BinaryMarshaler, TextMarshaler).
type gobEncPlan struct {
	rt     reflect.Type // the type the plan encodes, without the pointer
	single bool
	fields []gobEncField
}

// gobEncField is one field of a struct plan, or the value of a singleton.
type gobEncField struct {
	kind reflect.Kind
	off  uintptr
}

// gobEncPlans caches plans by Go type; a nil plan means gob encodes the type.
var gobEncPlans sync.Map // reflect.Type -> *gobEncPlan

// gobEncPlanFor returns the plan for values of type rt, or nil.
func gobEncPlanFor(rt reflect.Type) *gobEncPlan {
	if p, ok := gobEncPlans.Load(rt); ok {
		return p.(*gobEncPlan)
	}
	p := buildGobEncPlan(rt)
	gobEncPlans.Store(rt, p)
	return p
}

// buildGobEncPlan builds the plan for rt, or returns nil when gob must
// encode it.
func buildGobEncPlan(rt reflect.Type) *gobEncPlan {
	p := &gobEncPlan{rt: rt}
	if rt.Kind() == reflect.Pointer {
		p.rt = rt.Elem()
	}
	if marshals(p.rt) {
		return nil
	}
	if p.rt.Kind() != reflect.Struct {
		p.single = true
		p.fields = []gobEncField{{kind: p.rt.Kind()}}
		return p.orNil(flatKind(p.rt))
	}
	for i := range p.rt.NumField() {
		sf := p.rt.Field(i)
		if sf.Anonymous || !sf.IsExported() || !isExportedName(sf.Name) || !flatKind(sf.Type) || marshals(sf.Type) {
			return nil
		}
		p.fields = append(p.fields, gobEncField{kind: sf.Type.Kind(), off: sf.Offset})
	}
	return p
}

// orNil returns p when ok, or nil.
func (p *gobEncPlan) orNil(ok bool) *gobEncPlan {
	if ok {
		return p
	}
	return nil
}

// flatKind reports whether gob encodes t as a basic value a plan handles.
func flatKind(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64, reflect.String:
		return true
	case reflect.Slice:
		return t.Elem() == reflect.TypeFor[byte]()
	}
	return false
}

var (
	gobEncoderType  = reflect.TypeFor[gob.GobEncoder]()
	binaryMarsType  = reflect.TypeFor[encoding.BinaryMarshaler]()
	textMarshalType = reflect.TypeFor[encoding.TextMarshaler]()
)

// marshals reports whether t or *t encodes itself, which only gob handles.
func marshals(t reflect.Type) bool {
	for _, it := range []reflect.Type{gobEncoderType, binaryMarsType, textMarshalType} {
		if t.Implements(it) || t.Kind() != reflect.Pointer && reflect.PointerTo(t).Implements(it) {
			return true
		}
	}
	return false
}

// appendMessage appends a value message, with gobMaxLen bytes of room for
// its length first: the type id, then the value of the plan's type at v,
// whose fields are at the offsets reflect gave.
func (p *gobEncPlan) appendMessage(b []byte, id int32, v unsafe.Pointer) []byte {
	b = append(b, make([]byte, gobMaxLen)...)
	b = appendGobInt(b, int64(id))
	if p.single {
		return appendGobField(append(b, 0), p.fields[0].kind, v) // sent even when zero
	}
	prev := -1
	for i := range p.fields {
		f := &p.fields[i]
		fp := unsafe.Add(v, f.off)
		if isZeroField(f.kind, fp) {
			continue
		}
		b = appendGobUint(b, uint64(i-prev))
		b = appendGobField(b, f.kind, fp)
		prev = i
	}
	return append(b, 0)
}

// isZeroField reports whether gob omits the field at p from its struct.
func isZeroField(k reflect.Kind, p unsafe.Pointer) bool {
	switch k {
	case reflect.String:
		return len(*(*string)(p)) == 0
	case reflect.Slice:
		return len(*(*[]byte)(p)) == 0
	case reflect.Float32:
		return *(*float32)(p) == 0
	case reflect.Float64:
		return *(*float64)(p) == 0
	}
	return gobWord(k, p) == 0
}

// appendGobField appends the value of kind k at p.
func appendGobField(b []byte, k reflect.Kind, p unsafe.Pointer) []byte {
	switch k {
	case reflect.String:
		return appendGobString(b, *(*string)(p))
	case reflect.Slice:
		s := *(*[]byte)(p)
		return append(appendGobUint(b, uint64(len(s))), s...)
	}
	return appendGobUint(b, gobWord(k, p))
}

// gobWord returns the unsigned integer gob sends for a value of a kind
// other than string and []byte.
func gobWord(k reflect.Kind, p unsafe.Pointer) uint64 {
	switch k {
	case reflect.Bool:
		if *(*bool)(p) {
			return 1
		}
		return 0
	case reflect.Int:
		return gobZigzag(int64(*(*int)(p)))
	case reflect.Int8:
		return gobZigzag(int64(*(*int8)(p)))
	case reflect.Int16:
		return gobZigzag(int64(*(*int16)(p)))
	case reflect.Int32:
		return gobZigzag(int64(*(*int32)(p)))
	case reflect.Int64:
		return gobZigzag(*(*int64)(p))
	case reflect.Uint:
		return uint64(*(*uint)(p))
	case reflect.Uint8:
		return uint64(*(*uint8)(p))
	case reflect.Uint16:
		return uint64(*(*uint16)(p))
	case reflect.Uint32:
		return uint64(*(*uint32)(p))
	case reflect.Uint64:
		return *(*uint64)(p)
	case reflect.Float32:
		return gobFloatBits(float64(*(*float32)(p)))
	case reflect.Float64:
		return gobFloatBits(*(*float64)(p))
	}
	panic("geerpc: gob: no fast encoding for kind " + k.String())
}

// gobZigzag is gob's encoding of a signed integer as an unsigned one: the
// sign in the low bit, the magnitude (complemented when negative) above it.
func gobZigzag(i int64) uint64 {
	if i < 0 {
		return uint64(^i<<1) | 1
	}
	return uint64(i << 1)
}

// appendGobInt appends i in gob's signed encoding.
func appendGobInt(b []byte, i int64) []byte {
	return appendGobUint(b, gobZigzag(i))
}

// gobFloatBits is gob's encoding of a float: its IEEE bits byte-reversed.
func gobFloatBits(f float64) uint64 {
	return bits.ReverseBytes64(math.Float64bits(f))
}
