package codec

import (
	"encoding"
	"encoding/gob"
	"fmt"
	"math"
	"reflect"
	"unicode"
	"unicode/utf8"
	"unsafe"
)

// A gobPlan decodes values of one wire type into one Go type without
// encoding/gob: a struct whose wire fields are all of the predefined basic
// types, or a top-level basic value (a "singleton"). Plans are built once
// per (wire type, Go type) with the same matching rules as encoding/gob, and
// only where those rules are simple; everything else is left to gob.
type gobPlan struct {
	fields []gobFieldOp // by wire field number; one entry for a singleton
	single bool
}

// gobFieldOp decodes one wire field into the Go value at base+off.
type gobFieldOp struct {
	dec  gobDecFunc
	off  uintptr
	name string // the Go name, for overflow errors
}

// gobDecFunc decodes one value from c into the memory at p.
type gobDecFunc func(r *gobReader, c *gobCursor, p unsafe.Pointer, f *gobFieldOp) error

// decode decodes one value message (after its type id) into base. It walks
// the fields as gobStruct does, written out here because a closure over base
// would cost an allocation per message on the hot path.
func (p *gobPlan) decode(r *gobReader, c *gobCursor, base unsafe.Pointer) error {
	if p.single {
		return p.decodeSingle(r, c, base)
	}
	num := -1
	for c.left() > 0 {
		d, err := c.uint()
		if err != nil {
			return err
		}
		if d == 0 {
			break
		}
		if d > uint64(len(p.fields)-1-num) {
			return errGobField
		}
		num += int(d)
		f := &p.fields[num]
		if err := f.dec(r, c, unsafe.Add(base, f.off), f); err != nil {
			return err
		}
	}
	return nil
}

// decodeSingle decodes a top-level non-struct value, which gob sends after
// a zero field delta.
func (p *gobPlan) decodeSingle(r *gobReader, c *gobCursor, base unsafe.Pointer) error {
	d, err := c.uint()
	if err != nil {
		return err
	}
	if d != 0 {
		return errGobSingle
	}
	f := &p.fields[0]
	return f.dec(r, c, base, f)
}

// overflow is encoding/gob's error for a value that does not fit its field.
func (f *gobFieldOp) overflow() error {
	return fmt.Errorf("geerpc: gob: value for %q out of range", f.name)
}

// buildGobPlan returns the plan for decoding wire type id into *rt's
// element, or nil when encoding/gob must do it. fields are the wire fields
// when id is a struct type the reader knows.
func buildGobPlan(id int32, fields []wireField, isStruct bool, rt reflect.Type) *gobPlan {
	t := rt.Elem()
	if external(rt) || external(t) {
		return nil
	}
	if t.Kind() != reflect.Struct {
		op := gobBasicOp(id, t)
		if op == nil {
			return nil
		}
		return &gobPlan{fields: []gobFieldOp{{dec: op, name: t.String()}}, single: true}
	}
	if !isStruct {
		return nil
	}
	return buildStructPlan(fields, t)
}

// buildStructPlan matches wire fields to the fields of struct t by name.
func buildStructPlan(fields []wireField, t reflect.Type) *gobPlan {
	local, ok := directFields(t)
	if !ok {
		return nil
	}
	p := &gobPlan{fields: make([]gobFieldOp, len(fields))}
	matched := 0
	for i, wf := range fields {
		skip := gobSkipOp(wf.id)
		if skip == nil || wf.name == "" {
			return nil // gob must ignore a complex type or report the error
		}
		sf, found := local[wf.name]
		if !found || !isExportedName(wf.name) {
			p.fields[i] = gobFieldOp{dec: skip}
			continue
		}
		op := gobBasicOp(wf.id, sf.Type)
		if op == nil || external(sf.Type) {
			return nil // gob reports the mismatch
		}
		p.fields[i] = gobFieldOp{dec: op, off: sf.Offset, name: sf.Name}
		matched++
	}
	if matched == 0 && t.NumField() > 0 && len(fields) > 0 {
		return nil // gob reports that no field matched
	}
	return p
}

// directFields maps the names of t's fields to the fields, or reports false
// when t embeds a field, whose promoted fields gob would also match.
func directFields(t reflect.Type) (map[string]reflect.StructField, bool) {
	m := make(map[string]reflect.StructField, t.NumField())
	for i := range t.NumField() {
		sf := t.Field(i)
		if sf.Anonymous {
			return nil, false
		}
		m[sf.Name] = sf
	}
	return m, true
}

// isExportedName is encoding/gob's test of a wire field name: only
// exported names are matched.
func isExportedName(name string) bool {
	r, _ := utf8.DecodeRuneInString(name)
	return unicode.IsUpper(r)
}

var (
	gobDecoderType   = reflect.TypeFor[gob.GobDecoder]()
	binaryUnmarsType = reflect.TypeFor[encoding.BinaryUnmarshaler]()
	textUnmarsType   = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// external reports whether t or *t decodes itself, which only gob handles.
func external(t reflect.Type) bool {
	for _, it := range []reflect.Type{gobDecoderType, binaryUnmarsType, textUnmarsType} {
		if t.Implements(it) || t.Kind() != reflect.Pointer && reflect.PointerTo(t).Implements(it) {
			return true
		}
	}
	return false
}

// gobSkipOp returns the op that skips a value of a predefined basic wire
// type, or nil for any other type.
func gobSkipOp(id int32) gobDecFunc {
	switch id {
	case gobBool, gobInt, gobUint, gobFloat:
		return skipUint
	case gobBytes, gobString:
		return skipBytes
	}
	return nil
}

// gobBasicOp returns the op that decodes wire type id into a Go value of
// type t, or nil unless id is the predefined basic type gob pairs with t.
func gobBasicOp(id int32, t reflect.Type) gobDecFunc {
	want, op := basicOps(t)
	if op == nil || id != want {
		return nil
	}
	return op
}

// basicOps returns the wire type and the op for a Go type of a basic kind.
func basicOps(t reflect.Type) (int32, gobDecFunc) {
	switch t.Kind() {
	case reflect.Bool:
		return gobBool, decBool
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return gobInt, signedOps[t.Kind()]
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return gobUint, unsignedOps[t.Kind()]
	case reflect.Float32:
		return gobFloat, decFloat32
	case reflect.Float64:
		return gobFloat, decFloat64
	case reflect.String:
		return gobString, decString
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return gobBytes, decBytes
		}
	}
	return 0, nil
}

var signedOps = map[reflect.Kind]gobDecFunc{
	reflect.Int: decSigned[int], reflect.Int8: decSigned[int8], reflect.Int16: decSigned[int16],
	reflect.Int32: decSigned[int32], reflect.Int64: decSigned[int64],
}

var unsignedOps = map[reflect.Kind]gobDecFunc{
	reflect.Uint: decUnsigned[uint], reflect.Uint8: decUnsigned[uint8], reflect.Uint16: decUnsigned[uint16],
	reflect.Uint32: decUnsigned[uint32], reflect.Uint64: decUnsigned[uint64], reflect.Uintptr: decUnsigned[uintptr],
}

func skipUint(_ *gobReader, c *gobCursor, _ unsafe.Pointer, _ *gobFieldOp) error {
	_, err := c.uint()
	return err
}

func skipBytes(_ *gobReader, c *gobCursor, _ unsafe.Pointer, _ *gobFieldOp) error {
	_, err := c.bytes()
	return err
}

func decBool(_ *gobReader, c *gobCursor, p unsafe.Pointer, _ *gobFieldOp) error {
	u, err := c.uint()
	if err == nil {
		*(*bool)(p) = u != 0
	}
	return err
}

func decSigned[T int | int8 | int16 | int32 | int64](_ *gobReader, c *gobCursor, p unsafe.Pointer, f *gobFieldOp) error {
	v, err := c.int()
	if err != nil {
		return err
	}
	if int64(T(v)) != v {
		return f.overflow()
	}
	*(*T)(p) = T(v)
	return nil
}

func decUnsigned[T uint | uint8 | uint16 | uint32 | uint64 | uintptr](_ *gobReader, c *gobCursor, p unsafe.Pointer, f *gobFieldOp) error {
	u, err := c.uint()
	if err != nil {
		return err
	}
	if uint64(T(u)) != u {
		return f.overflow()
	}
	*(*T)(p) = T(u)
	return nil
}

func decFloat64(_ *gobReader, c *gobCursor, p unsafe.Pointer, _ *gobFieldOp) error {
	u, err := c.uint()
	if err == nil {
		*(*float64)(p) = gobFloat64(u)
	}
	return err
}

// decFloat32 refuses finite values beyond float32's range, as gob does;
// infinities, NaNs and underflow pass.
func decFloat32(_ *gobReader, c *gobCursor, p unsafe.Pointer, f *gobFieldOp) error {
	u, err := c.uint()
	if err != nil {
		return err
	}
	v := gobFloat64(u)
	if av := math.Abs(v); math.MaxFloat32 < av && av <= math.MaxFloat64 {
		return f.overflow()
	}
	*(*float32)(p) = float32(v)
	return nil
}

func decString(r *gobReader, c *gobCursor, p unsafe.Pointer, _ *gobFieldOp) error {
	b, err := c.bytes()
	if err == nil {
		*(*string)(p) = r.strs.get(b)
	}
	return err
}

// decBytes reuses the destination's array when it is large enough, as gob
// does, and otherwise allocates exactly the length.
func decBytes(_ *gobReader, c *gobCursor, p unsafe.Pointer, _ *gobFieldOp) error {
	b, err := c.bytes()
	if err != nil {
		return err
	}
	s := (*[]byte)(p)
	if cap(*s) < len(b) {
		*s = make([]byte, len(b))
	} else {
		*s = (*s)[:len(b)]
	}
	copy(*s, b)
	return nil
}

// internCache hands out one string per recently seen short byte string, so
// that repeated method and instance names are not allocated per message. It
// is direct-mapped: bounded memory, no eviction bookkeeping.
type internCache struct {
	slots [32]string
}

// maxInterned is the longest string the cache keeps.
const maxInterned = 64

// get returns b as a string, from the cache when it holds it.
func (ic *internCache) get(b []byte) string {
	if len(b) == 0 || len(b) > maxInterned {
		return string(b)
	}
	h := uint32(2166136261) // FNV-1a
	for _, c := range b {
		h = (h ^ uint32(c)) * 16777619
	}
	slot := &ic.slots[h%uint32(len(ic.slots))]
	if *slot == string(b) {
		return *slot
	}
	*slot = string(b)
	return *slot
}
