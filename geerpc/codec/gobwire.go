package codec

import (
	"math"
	"math/bits"
)

// The gob wire format, as far as the fast reader needs it (see the
// documentation of encoding/gob): unsigned integers are one byte below 0x80,
// or a byte holding the negated count of big-endian bytes that follow; signed
// integers are unsigned ones with the sign in the low bit; floats are their
// IEEE bits byte-reversed; strings and []byte are a length then the bytes.

// Predefined gob type ids (encoding/gob's type.go). Ids 9 to 63 are
// encoding/gob's own types, which the walker refuses: user types do not
// hold them (gob.CommonType, the one exported, is documented as not for
// clients), and one is a slice.
const (
	gobBool      int32 = 1
	gobInt       int32 = 2
	gobUint      int32 = 3
	gobFloat     int32 = 4
	gobBytes     int32 = 5
	gobString    int32 = 6
	gobComplex   int32 = 7
	gobInterface int32 = 8
	gobFirstUser int32 = 64 // the lowest id an encoder assigns to its own types
)

// gobTooBig is encoding/gob's sanity bound on a message length (8 GiB on
// 64-bit machines).
const gobTooBig = (1 << 30) << (^uint(0) >> 62)

// Errors of malformed gob data found by the fast reader. Each leaves the
// stream in step: the whole message has been read.
var (
	errGobShort    = corrupt("geerpc: gob: corrupted data: value runs past the end of its message")
	errGobBadUint  = corrupt("geerpc: gob: corrupted data: unsigned integer longer than 8 bytes")
	errGobLength   = corrupt("geerpc: gob: corrupted data: length exceeds the message")
	errGobField    = corrupt("geerpc: gob: corrupted data: field number out of range")
	errGobSingle   = corrupt("geerpc: gob: corrupted data: non-zero delta for a singleton")
	errGobEmptyMsg = corrupt("geerpc: gob: corrupted data: empty message")
	errGobTypeID   = corrupt("geerpc: gob: corrupted data: type id out of range")
	errGobKinds    = corrupt("geerpc: gob: corrupted data: type definition of no kind or several")
)

// gobCursor reads gob's primitive encodings from one message.
type gobCursor struct {
	b []byte
	i int
}

// left returns the number of unread bytes.
func (c *gobCursor) left() int { return len(c.b) - c.i }

// uint decodes an unsigned integer.
func (c *gobCursor) uint() (uint64, error) {
	if c.i >= len(c.b) {
		return 0, errGobShort
	}
	x := c.b[c.i]
	c.i++
	if x < 0x80 {
		return uint64(x), nil
	}
	n := -int(int8(x))
	if n > 8 {
		return 0, errGobBadUint
	}
	if c.left() < n {
		return 0, errGobShort
	}
	var v uint64
	for _, b := range c.b[c.i : c.i+n] {
		v = v<<8 | uint64(b)
	}
	c.i += n
	return v, nil
}

// int decodes a signed integer.
func (c *gobCursor) int() (int64, error) {
	u, err := c.uint()
	return gobToInt(u), err
}

// bytes decodes a length-prefixed byte string as a view into the message.
func (c *gobCursor) bytes() ([]byte, error) {
	n, err := c.uint()
	if err != nil {
		return nil, err
	}
	if n > uint64(c.left()) {
		return nil, errGobLength
	}
	b := c.b[c.i : c.i+int(n)]
	c.i += int(n)
	return b, nil
}

// typeID decodes a message's leading type id, truncated to 32 bits as
// encoding/gob does. An empty message is an error.
func (c *gobCursor) typeID() (int32, error) {
	if c.left() == 0 {
		return 0, errGobEmptyMsg
	}
	v, err := c.int()
	return int32(v), err
}

// gobToInt turns an encoded unsigned integer into a signed one.
func gobToInt(u uint64) int64 {
	if u&1 != 0 {
		return ^int64(u >> 1)
	}
	return int64(u >> 1)
}

// gobFloat64 decodes the byte-reversed bits of a float.
func gobFloat64(u uint64) float64 {
	return math.Float64frombits(bits.ReverseBytes64(u))
}

// appendGobUint appends u in gob's unsigned encoding.
func appendGobUint(b []byte, u uint64) []byte {
	if u < 0x80 {
		return append(b, byte(u))
	}
	n := (bits.Len64(u) + 7) / 8
	b = append(b, byte(-int8(n)))
	for i := n - 1; i >= 0; i-- {
		b = append(b, byte(u>>(8*i)))
	}
	return b
}

// appendFrame appends msg as one gob message: its length, then its bytes.
func appendFrame(b, msg []byte) []byte {
	return append(appendGobUint(b, uint64(len(msg))), msg...)
}

// wireField is one field of a struct type as the encoder described it.
type wireField struct {
	name string
	id   int32
}

// wireKind is the kind of a defined wire type.
type wireKind uint8

// The kinds of wire types, in the order of wireType's fields.
const (
	wireBad      wireKind = iota // no kind, or more than one: refused
	wireArray                    // ArrayT
	wireSlice                    // SliceT
	wireStruct                   // StructT
	wireMap                      // MapT
	wireExternal                 // GobEncoderT, BinaryMarshalerT, TextMarshalerT: a byte string
)

// gobWireInfo is what the reader knows about a defined wire type.
type gobWireInfo struct {
	kind      wireKind
	fields    []wireField // a struct's fields
	elem, key int32       // the element of an array, slice or map; a map's key
	len       int64       // an array's length
}

// wireKinds maps wireType's field numbers to kinds.
var wireKinds = [7]wireKind{wireArray, wireSlice, wireStruct, wireMap, wireExternal, wireExternal, wireExternal}

// parseWireType reads the wireType of a type definition (the message after
// its type id): a struct whose seven fields point to an arrayType,
// sliceType, structType, mapType or one of three marshaler types. An
// encoder sets exactly one. encoding/gob accepts several, and then reads a
// value by one or another depending on where it is decoded, so the reader
// refuses them.
func parseWireType(c *gobCursor) (w gobWireInfo, err error) {
	err = gobStruct(c, len(wireKinds), func(num int) error {
		if w.kind != wireBad {
			return errGobKinds
		}
		w.kind = wireKinds[num]
		return parseKindBody(c, &w)
	})
	return w, err
}

// kindFields is the number of fields of each kind's definition.
var kindFields = [...]int{wireArray: 3, wireSlice: 2, wireStruct: 2, wireMap: 3, wireExternal: 1}

// parseKindBody reads the definition of a kind: arrayType {CommonType; Elem;
// Len}, sliceType {CommonType; Elem}, structType {CommonType; Field},
// mapType {CommonType; Key; Elem} or gobEncoderType {CommonType}.
func parseKindBody(c *gobCursor, w *gobWireInfo) error {
	return gobStruct(c, kindFields[w.kind], func(num int) error {
		var err error
		switch {
		case num == 0:
			_, err = parseWireField(c) // CommonType has the layout of a fieldType
		case w.kind == wireStruct:
			w.fields, err = parseFieldSlice(c)
		case w.kind == wireMap && num == 1:
			w.key, err = parseTypeID(c)
		case w.kind == wireArray && num == 2:
			w.len, err = c.int()
		default: // Elem
			w.elem, err = parseTypeID(c)
		}
		return err
	})
}

// gobStruct walks the fields of an encoded struct of nfields fields, calling
// field with each field number, until the terminating zero delta or the end
// of the message, as encoding/gob does.
func gobStruct(c *gobCursor, nfields int, field func(num int) error) error {
	num := -1
	for c.left() > 0 {
		d, err := c.uint()
		if err != nil {
			return err
		}
		if d == 0 {
			return nil
		}
		if d > uint64(nfields-1-num) {
			return errGobField
		}
		num += int(d)
		if err := field(num); err != nil {
			return err
		}
	}
	return nil
}

// parseFieldSlice reads a []fieldType.
func parseFieldSlice(c *gobCursor) ([]wireField, error) {
	n, err := c.uint()
	if err != nil {
		return nil, err
	}
	if n > uint64(c.left()) {
		return nil, errGobLength
	}
	fields := make([]wireField, 0, n)
	for range n {
		if c.left() == 0 {
			return nil, errGobShort
		}
		f, err := parseWireField(c)
		if err != nil {
			return nil, err
		}
		fields = append(fields, f)
	}
	return fields, nil
}

// parseWireField reads a fieldType (or a CommonType): {Name string; Id int}.
func parseWireField(c *gobCursor) (f wireField, err error) {
	err = gobStruct(c, 2, func(num int) error {
		if num == 1 {
			id, err := parseTypeID(c)
			f.id = id
			return err
		}
		b, err := c.bytes()
		f.name = string(b)
		return err
	})
	return f, err
}

// parseTypeID reads a type id, which must fit in 32 bits.
func parseTypeID(c *gobCursor) (int32, error) {
	v, err := c.int()
	if err == nil && v != int64(int32(v)) {
		err = errGobTypeID
	}
	return int32(v), err
}
