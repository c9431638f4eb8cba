package codec

import (
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
)

// byteStream is a connection that also reads single bytes.
type byteStream interface {
	io.Reader
	io.ByteReader
}

// keepBuffer is the largest buffer a reader keeps between messages; larger
// ones are dropped after use so that one big message does not pin memory.
const keepBuffer = 64 << 10

// gobReader reads a gob stream as encoding/gob's Decoder does, and decodes
// the common flat types (see gobPlan) itself, without allocating message
// buffers. It reads every message frame itself, refusing lengths above its
// limit before allocating. Type definitions and values it cannot decode go to
// a stock gob.Decoder (the fallback), whose input is a gobFeed: each type
// definition is also replayed to the fallback, which validates it, so both
// always know the same types. A value whose type can hold a map, a slice or
// an interface is first checked by a gobWalker, which bounds what the
// fallback allocates for it. It is used by one goroutine at a time.
type gobReader struct {
	src   byteStream
	max   int64
	err   error     // sticky: the stream lost its framing
	msg   []byte    // the current message, reused
	cur   gobCursor // reads msg; a field, so that it does not escape per call
	feed  gobFeed
	fb    *gob.Decoder
	types map[int32]gobWireInfo // definitions the fallback accepted
	reach map[int32]uint8       // what values of a type can hold; see reachOf
	walk  gobWalker
	plans map[gobPlanKey]*gobPlan
	strs  internCache
	stats gobStats
}

// gobPlanKey names a plan: a wire type id and the pointer type decoded into.
type gobPlanKey struct {
	id int32
	rt reflect.Type
}

// gobStats counts how values were decoded, for tests: rejected counts the
// values and type definitions the reader refused, which the fallback never
// saw.
type gobStats struct {
	fast, fallback, rejected int
}

// newGobReader returns a reader of src that refuses messages above max bytes.
func newGobReader(src byteStream, max int64) *gobReader {
	r := &gobReader{
		src:   src,
		max:   max,
		types: make(map[int32]gobWireInfo),
		reach: make(map[int32]uint8),
		plans: make(map[gobPlanKey]*gobPlan),
	}
	r.walk.r = r
	r.fb = gob.NewDecoder(&r.feed)
	return r
}

// Decode reads the next value into target, a non-nil pointer, or discards it
// when target is nil, like gob.Decoder.Decode. io.EOF means the stream ended
// cleanly between values.
func (r *gobReader) Decode(target any) error {
	defer r.release()
	var v reflect.Value
	if target != nil {
		if v = reflect.ValueOf(target); v.Kind() != reflect.Pointer || v.IsNil() {
			return r.decodeFallback(target) // gob refuses it before reading
		}
	}
	sawType := false
	for {
		if err := r.next(sawType); err != nil {
			return err
		}
		id, err := r.cur.typeID()
		if err != nil {
			return err
		}
		if id >= 0 {
			return r.decodeValue(id, target, v)
		}
		if err := r.define(-id, r.cur); err != nil {
			return err
		}
		sawType = true
	}
}

// next reads the next message into r.cur. A stream that ends after type
// definitions but before their value ends unexpectedly.
func (r *gobReader) next(sawType bool) error {
	msg, err := r.readFrame()
	if err == io.EOF && sawType {
		err = io.ErrUnexpectedEOF
	}
	r.cur = gobCursor{b: msg}
	return err
}

// decodeValue decodes the value message in r.cur, of wire type id, into
// target, whose reflect.Value is v, or discards it when target is nil.
func (r *gobReader) decodeValue(id int32, target any, v reflect.Value) error {
	if target != nil {
		if p := r.plan(id, v.Type()); p != nil {
			r.stats.fast++
			return p.decode(r, &r.cur, v.UnsafePointer())
		}
	}
	r.stats.fallback++
	if r.reachOf(id) == 0 {
		r.feed.push(r.cur.b)
	} else if err := r.walk.check(r.cur, id, targetSlot(v)); err != nil {
		r.stats.rejected++ // and by define too, if it refused a definition in the value
		return err
	}
	return r.decodeFallback(target)
}

// plan returns the cached plan for id and rt, building it on first use; nil
// means the fallback decodes. Plans for undefined ids are not cached.
func (r *gobReader) plan(id int32, rt reflect.Type) *gobPlan {
	k := gobPlanKey{id, rt}
	if p, ok := r.plans[k]; ok {
		return p
	}
	w, defined := r.types[id]
	if !defined && id >= gobFirstUser {
		return nil
	}
	p := buildGobPlan(id, w.fields, w.kind == wireStruct, rt)
	r.plans[k] = p
	return p
}

// gobValidate is a complete value message (a bool singleton) that follows a
// replayed type definition, so that the fallback decodes the definition at
// once: length 3, type id bool, zero delta, false.
var gobValidate = []byte{3, byte(gobBool << 1), 0, 0}

// define handles the definition of type id, the message def.b whose wire
// type starts at def.i. The reader parses it first, refusing one of no kind
// or several and a field list longer than the message, which gob would
// size up to 10 MiB; then the fallback decodes and checks it, and the
// reader records it.
func (r *gobReader) define(id int32, def gobCursor) error {
	w, err := parseWireType(&def)
	if err == nil && w.kind == wireBad {
		err = errGobKinds
	}
	if err != nil {
		r.stats.rejected++
		return err
	}
	r.feed.push(def.b)
	r.feed.data = append(r.feed.data, gobValidate...)
	if err := r.decodeFallback(nil); err != nil {
		return err
	}
	r.types[id] = w
	return nil
}

// decodeFallback has the fallback decoder decode the frames fed to it.
// Whatever happens, the feed is empty afterwards. A panic in encoding/gob
// becomes an error and breaks the reader.
func (r *gobReader) decodeFallback(target any) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("geerpc: gob: decoder panic: %v", p)
			r.err = err
		}
		r.feed.reset()
	}()
	if err := r.fb.Decode(target); err != nil {
		return wrapGobError(err)
	}
	return nil
}

// wrapGobError prefixes an error of encoding/gob as ours, keeping its chain.
func wrapGobError(err error) error {
	switch msg := err.Error(); {
	case strings.HasPrefix(msg, "geerpc:"):
		return err
	case strings.HasPrefix(msg, "gob:"):
		return fmt.Errorf("geerpc: %w", err)
	}
	return fmt.Errorf("geerpc: gob: %w", err)
}

// release drops buffers that one large message grew.
func (r *gobReader) release() {
	if cap(r.msg) > keepBuffer {
		r.msg = nil
	}
}

// readFrame reads the next message into r.msg. Only an error on its first
// byte leaves the stream in step; any later one is sticky.
func (r *gobReader) readFrame() ([]byte, error) {
	if r.err != nil {
		return nil, r.err
	}
	b, err := r.src.ReadByte()
	if err != nil {
		return nil, err
	}
	n, err := r.readLength(b)
	if err == nil {
		err = r.readMessage(n)
	}
	if err != nil {
		r.err = err
		return nil, err
	}
	return r.msg, nil
}

// readLength reads the rest of a message length that starts with b and
// checks it against the limit.
func (r *gobReader) readLength(b byte) (int, error) {
	n := uint64(b)
	if b >= 0x80 {
		k := -int(int8(b))
		if k > 8 {
			return 0, fmt.Errorf("geerpc: gob message length of %d bytes: %w", k, ErrMessageTooLarge)
		}
		n = 0
		for range k {
			b, err := r.src.ReadByte()
			if err != nil {
				return 0, unexpectedEOF(err)
			}
			n = n<<8 | uint64(b)
		}
	}
	if n > uint64(r.max) || n >= gobTooBig {
		return 0, fmt.Errorf("geerpc: gob message of %d bytes, limit %d: %w", n, r.max, ErrMessageTooLarge)
	}
	return int(n), nil
}

// readMessage reads an n-byte message into r.msg. A message larger than the
// buffer kept between messages grows as its bytes arrive, so a false length
// costs no more memory than the bytes actually sent.
func (r *gobReader) readMessage(n int) error {
	if n > cap(r.msg) && n > keepBuffer {
		return r.readLarge(n)
	}
	if n > cap(r.msg) {
		r.msg = make([]byte, n, min(max(n, 1024), int(min(r.max, keepBuffer))))
	}
	r.msg = r.msg[:n]
	_, err := io.ReadFull(r.src, r.msg)
	return unexpectedEOF(err)
}

// readLarge reads an n-byte message in doubling steps.
func (r *gobReader) readLarge(n int) error {
	buf := r.msg[:0]
	for len(buf) < n {
		next := make([]byte, min(n, max(2*len(buf), keepBuffer)))
		copy(next, buf)
		if _, err := io.ReadFull(r.src, next[len(buf):]); err != nil {
			return unexpectedEOF(err)
		}
		buf = next
	}
	r.msg = buf
	return nil
}

// unexpectedEOF turns io.EOF inside a message into io.ErrUnexpectedEOF.
func unexpectedEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// gobFeed is the fallback decoder's input: the frames pushed to it, which
// are all the frames of one value or type definition; the walker has read
// ahead every frame a value continues into. It reads bytes one at a time
// too, so gob adds no buffer of its own that could read ahead.
type gobFeed struct {
	data []byte
	off  int
}

// errFeedEnd is the fallback's error when it asks for more than the frames
// pushed: a value the walker read differently from encoding/gob.
var errFeedEnd = corrupt("geerpc: gob: corrupted data: value continues past the messages checked for it")

// push appends a message, length first.
func (f *gobFeed) push(msg []byte) {
	f.data = appendFrame(f.data, msg)
}

// reset empties the feed and drops a buffer that grew large.
func (f *gobFeed) reset() {
	f.data, f.off = f.data[:0], 0
	if cap(f.data) > keepBuffer {
		f.data = nil
	}
}

// fill makes sure a byte is ready.
func (f *gobFeed) fill() error {
	if f.off < len(f.data) {
		return nil
	}
	return errFeedEnd
}

// Read reads pushed frames.
func (f *gobFeed) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if err := f.fill(); err != nil {
		return 0, err
	}
	n := copy(p, f.data[f.off:])
	f.off += n
	return n, nil
}

// ReadByte reads one byte of pushed frames.
func (f *gobFeed) ReadByte() (byte, error) {
	if err := f.fill(); err != nil {
		return 0, err
	}
	b := f.data[f.off]
	f.off++
	return b, nil
}
