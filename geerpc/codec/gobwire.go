package codec

import (
	"errors"
	"math"
	"math/bits"
)

// The gob wire format, as far as the fast reader needs it (see the
// documentation of encoding/gob): unsigned integers are one byte below 0x80,
// or a byte holding the negated count of big-endian bytes that follow; signed
// integers are unsigned ones with the sign in the low bit; floats are their
// IEEE bits byte-reversed; strings and []byte are a length then the bytes.

// Predefined gob type ids (encoding/gob's type.go).
const (
	gobBool      int32 = 1
	gobInt       int32 = 2
	gobUint      int32 = 3
	gobFloat     int32 = 4
	gobBytes     int32 = 5
	gobString    int32 = 6
	gobFirstUser int32 = 64 // the lowest id an encoder assigns to its own types
)

// gobTooBig is encoding/gob's sanity bound on a message length (8 GiB on
// 64-bit machines).
const gobTooBig = (1 << 30) << (^uint(0) >> 62)

// Errors of malformed gob data found by the fast reader. Each leaves the
// stream in step: the whole message has been read.
var (
	errGobShort    = errors.New("geerpc: gob: corrupted data: value runs past the end of its message")
	errGobBadUint  = errors.New("geerpc: gob: corrupted data: unsigned integer longer than 8 bytes")
	errGobLength   = errors.New("geerpc: gob: corrupted data: length exceeds the message")
	errGobField    = errors.New("geerpc: gob: corrupted data: field number out of range")
	errGobSingle   = errors.New("geerpc: gob: corrupted data: non-zero delta for a singleton")
	errGobEmptyMsg = errors.New("geerpc: gob: corrupted data: empty message")
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

// wireField is one field of a struct type as the encoder described it.
type wireField struct {
	name string
	id   int32
}

// parseWireStruct reads the wireType of a type definition (the message after
// its type id). It returns the fields when the definition is a struct and
// nothing else, and ok false for every other definition. It is only used on
// definitions that encoding/gob accepted, so it needs no error detail.
//
// wireType is a struct whose field 2 is StructT; structType's fields are
// CommonType (0: {Name string; Id int}) and Field (1: []fieldType{Name; Id}).
func parseWireStruct(c *gobCursor) (fields []wireField, ok bool) {
	if d, err := c.uint(); err != nil || d != 3 {
		return nil, false
	}
	fields, ok = parseStructType(c)
	if !ok || c.left() == 0 {
		return fields, ok
	}
	d, err := c.uint()
	return fields, err == nil && d == 0
}

// gobStruct walks the fields of an encoded struct, calling field with each
// field number, until the terminating zero delta or the end of the message.
func gobStruct(c *gobCursor, field func(num uint64) bool) bool {
	num := ^uint64(0) // -1: the first delta names field delta-1
	for c.left() > 0 {
		d, err := c.uint()
		if err != nil {
			return false
		}
		if d == 0 {
			return true
		}
		num += d
		if !field(num) {
			return false
		}
	}
	return true
}

// parseStructType reads a structType and returns its fields.
func parseStructType(c *gobCursor) (fields []wireField, ok bool) {
	fields = []wireField{}
	ok = gobStruct(c, func(num uint64) bool {
		switch num {
		case 0:
			_, ok := parseWireField(c) // CommonType has the layout of a fieldType
			return ok
		case 1:
			fields, ok = parseFieldSlice(c)
			return ok
		}
		return false
	})
	return fields, ok
}

// parseFieldSlice reads a []fieldType.
func parseFieldSlice(c *gobCursor) ([]wireField, bool) {
	n, err := c.uint()
	if err != nil || n > uint64(c.left()) {
		return nil, false
	}
	fields := make([]wireField, 0, n)
	for range n {
		f, ok := parseWireField(c)
		if !ok {
			return nil, false
		}
		fields = append(fields, f)
	}
	return fields, true
}

// parseWireField reads a fieldType (or a CommonType): {Name string; Id int}.
func parseWireField(c *gobCursor) (f wireField, ok bool) {
	ok = gobStruct(c, func(num uint64) bool {
		switch num {
		case 0:
			b, err := c.bytes()
			f.name = string(b)
			return err == nil
		case 1:
			v, err := c.int()
			f.id = int32(v)
			return err == nil && v == int64(f.id)
		}
		return false
	})
	return f, ok
}
