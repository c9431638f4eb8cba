package codec

import (
	"fmt"
	"reflect"
)

// maxWalkDepth bounds the nesting the walker follows, as encoding/gob bounds
// the nesting of the values it skips.
const maxWalkDepth = 10000

// What the values of a wire type can hold, as found by reachOf.
const (
	reachCount uint8 = 1 << iota // a map or slice, which gob sizes by its count; or a type the walker refuses
	reachIface                   // an interface value
)

// Values the walker refuses.
var (
	errGobDeep        = corrupt("geerpc: gob: value nested more than %d deep", maxWalkDepth)
	errGobEmptyEntry  = corrupt("geerpc: gob: corrupted data: map key or element of no bytes")
	errGobNilSkipped  = corrupt("geerpc: gob: nil interface value in a field the target may not have: encoding/gob would skip it by reading on past it")
	errGobNestedDef   = corrupt("geerpc: gob: type definition inside an interface value nested in another is not supported")
	errGobNestedFrame = corrupt("geerpc: gob: corrupted data: interface value nested in another continues into the next message")
)

// reachOf returns what values of wire type id can hold, following struct
// fields, elements and keys; it is computed once per id. A value that can
// hold no map, slice (other than []byte) or interface goes to the fallback
// unchecked. Undefined and refused types count as everything.
func (r *gobReader) reachOf(id int32) uint8 {
	if f, ok := r.reach[id]; ok {
		return f
	}
	var f uint8
	seen := make(map[int32]bool)
	for todo := []int32{id}; len(todo) > 0; {
		t := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		if !seen[t] {
			seen[t] = true
			var g uint8
			g, todo = r.typeReach(t, todo)
			f |= g
		}
	}
	r.reach[id] = f
	return f
}

// typeReach returns what a value of type id is itself, and appends the
// types its values contain to todo.
func (r *gobReader) typeReach(id int32, todo []int32) (uint8, []int32) {
	w, ok := r.types[id]
	switch {
	case id == gobInterface:
		return reachIface, todo
	case id >= gobBool && id <= gobComplex:
		return 0, todo
	case !ok || w.kind == wireBad: // also encoding/gob's own types, ids 9 to 63
		return reachCount | reachIface, todo
	case w.kind == wireMap:
		return reachCount, append(todo, w.key, w.elem)
	case w.kind == wireSlice:
		return reachCount, append(todo, w.elem)
	case w.kind == wireStruct:
		for _, f := range w.fields {
			todo = append(todo, f.id)
		}
		return 0, todo
	case w.kind == wireExternal:
		return 0, todo
	}
	return 0, append(todo, w.elem)
}

// gobSlot is where a walked value lands in the target, which decides how
// encoding/gob reads it. A value in a sure slot is decoded; any other may
// be skipped, as a field that the target lacks is. t is the slot's Go type
// when known, which is only in sure slots.
type gobSlot struct {
	t    reflect.Type
	sure bool
}

// targetSlot is the slot of a Decode target; nil (discard) is not sure.
func targetSlot(v reflect.Value) gobSlot {
	if !v.IsValid() {
		return gobSlot{}
	}
	return typeSlot(v.Type())
}

// typeSlot is a sure slot of type t, after the pointers gob follows. A
// cycle of pointer types, which gob refuses, leaves the type unknown.
func typeSlot(t reflect.Type) gobSlot {
	for range 100 {
		if t.Kind() != reflect.Pointer {
			return gobSlot{t: t, sure: true}
		}
		t = t.Elem()
	}
	return gobSlot{sure: true}
}

// field is the slot of the wire struct field name: sure when the target is
// a known struct with that exported field, as gob matches fields by name.
func (s gobSlot) field(name string) gobSlot {
	if s.t == nil || s.t.Kind() != reflect.Struct || !isExportedName(name) {
		return gobSlot{}
	}
	if sf, ok := s.t.FieldByName(name); ok {
		return typeSlot(sf.Type)
	}
	return gobSlot{}
}

// elem is the slot of an element, or of a key, of an array, slice or map:
// the elements of a decoded container are decoded.
func (s gobSlot) elem(key bool) gobSlot {
	switch k := s.kind(); {
	case s.t == nil:
		return s
	case key && k == reflect.Map:
		return typeSlot(s.t.Key())
	case !key && (k == reflect.Map || k == reflect.Slice || k == reflect.Array):
		return typeSlot(s.t.Elem())
	}
	return gobSlot{}
}

// kind is the kind of the slot's Go type, Invalid when unknown.
func (s gobSlot) kind() reflect.Kind {
	if s.t == nil {
		return reflect.Invalid
	}
	return s.t.Kind()
}

// gobWalker checks a value message before the fallback decodes it, reading
// it along its wire type as encoding/gob will. encoding/gob sizes a map by
// the count on the wire, and a slice by it up to 10 MiB, however short the
// message, so a few bytes of nested counts could cost gigabytes. Every map
// must claim no more entries than the bytes left could hold (each entry
// needs a byte for its key and one for its element), every slice no more
// elements than bytes, and every key and element must take a byte and be
// there. So the counts of a value the walker passes add up to less than
// its bytes, and what gob allocates for them is bounded by the message
// (times the size of the target's elements).
//
// An interface value names its concrete type. The first time the encoder
// sends that type it ends the message with the type's definitions, one per
// message, and the value continues in the message after them. The walker
// reads those messages ahead (together at most the reader's limit), has
// the fallback check and record each definition as a message of its own,
// and gives the fallback the value's messages without them.
//
// Two shapes are refused, because gob reads them one way when it decodes
// them and another when it skips them (a field the target lacks), and the
// walker cannot follow both: a nil interface value where gob may skip it (it
// then reads on past the value), and a type definition inside an interface
// value nested in another (whose byte count then does not cover it).
type gobWalker struct {
	r      *gobReader
	c      gobCursor // the current message
	keep   int       // the bytes of c.b the fallback gets: all but a definition ending it
	frames []byte    // the value's earlier messages as the fallback gets them, framed
	base   int64     // the bytes of the value's earlier messages
	depth  int       // values being walked, at most maxWalkDepth
	ifaces int       // interface values being walked
}

// check walks the value message c, of wire type id, decoded into slot s, and
// then pushes its messages to the fallback's feed. An error after the value
// continued into another message breaks the reader: the rest of the value
// may follow.
func (w *gobWalker) check(c gobCursor, id int32, s gobSlot) error {
	*w = gobWalker{r: w.r, c: c, keep: len(c.b), frames: w.frames[:0]}
	if err := w.value(id, s); err != nil {
		if w.base > 0 {
			w.r.err = err
		}
		return err
	}
	f := &w.r.feed
	f.data = append(f.data, w.frames...)
	f.push(w.c.b[:w.keep])
	if cap(w.frames) > keepBuffer {
		w.frames = nil
	}
	return nil
}

// pos is the offset of the next byte in the value's messages.
func (w *gobWalker) pos() int64 { return w.base + int64(w.c.i) }

// value walks a value sent on its own or in an interface: a struct's fields,
// or any other value after a zero field delta.
func (w *gobWalker) value(id int32, s gobSlot) error {
	if t, ok := w.r.types[id]; ok && t.kind == wireStruct {
		return w.fields(t.fields, s)
	}
	d, err := w.c.uint()
	if err == nil && d != 0 {
		err = errGobSingle
	}
	if err != nil {
		return err
	}
	return w.elem(id, s)
}

// elem walks one value of type id, within the depth limit.
func (w *gobWalker) elem(id int32, s gobSlot) error {
	if w.depth == maxWalkDepth {
		return errGobDeep
	}
	w.depth++
	err := w.elemOf(id, s)
	w.depth--
	return err
}

// elemOf walks one value of type id by its kind.
func (w *gobWalker) elemOf(id int32, s gobSlot) error {
	if skip := gobSkipOp(id); skip != nil {
		return skip(w.r, &w.c, nil, nil)
	}
	if id == gobComplex {
		_, err := w.c.uint()
		if err == nil {
			_, err = w.c.uint()
		}
		return err
	}
	if id == gobInterface {
		return w.iface(s)
	}
	t, ok := w.r.types[id]
	switch {
	case !ok:
		return corrupt("geerpc: gob: corrupted data: undefined type id %d", id)
	case t.kind == wireStruct:
		return w.fields(t.fields, s)
	case t.kind == wireMap:
		return w.entries(id, t, s)
	case t.kind == wireSlice || t.kind == wireArray:
		return w.list(id, t, s)
	case t.kind == wireExternal:
		_, err := w.c.bytes()
		return err
	}
	return errGobKinds
}

// fields walks the fields of a struct.
func (w *gobWalker) fields(fields []wireField, s gobSlot) error {
	return gobStruct(&w.c, len(fields), func(num int) error {
		return w.elem(fields[num].id, s.field(fields[num].name))
	})
}

// list walks a slice or array of type id: a count, which for an array
// must be its length, then the elements. Like gob, it wants a byte before
// each element.
func (w *gobWalker) list(id int32, t gobWireInfo, s gobSlot) error {
	n, err := w.c.uint()
	switch {
	case err != nil:
	case t.kind == wireArray && n != uint64(t.len):
		err = corrupt("geerpc: gob: corrupted data: array of %d elements, want %d", n, t.len)
	case t.kind == wireSlice:
		err = w.claim(id, n, "slice of %d elements", 1)
	}
	if err != nil {
		return err
	}
	es := s.elem(false)
	for range n {
		if w.c.left() == 0 {
			return errGobShort
		}
		if err := w.elem(t.elem, es); err != nil {
			return err
		}
	}
	return nil
}

// entries walks a map of type id.
func (w *gobWalker) entries(id int32, t gobWireInfo, s gobSlot) error {
	n, err := w.c.uint()
	if err == nil {
		err = w.claim(id, n, "map of %d entries", 2)
	}
	if err != nil {
		return err
	}
	ks, es := s.elem(true), s.elem(false)
	for range n {
		if err := w.entryPart(t.key, ks); err != nil {
			return err
		}
		if err := w.entryPart(t.elem, es); err != nil {
			return err
		}
	}
	return nil
}

// claim refuses the count n of a map or slice of type id, each of whose
// elements takes at least per bytes, if the bytes left could not hold it,
// before gob sizes anything by it. what names the count, as "map of %d
// entries".
func (w *gobWalker) claim(id int32, n uint64, what string, per uint64) error {
	if n > uint64(w.room(id))/per {
		return corrupt("geerpc: gob: "+what+" in a message of %d bytes", n, len(w.c.b))
	}
	return nil
}

// entryPart walks a map key or element, which must take at least a byte.
func (w *gobWalker) entryPart(id int32, s gobSlot) error {
	at := w.pos()
	if err := w.elem(id, s); err != nil {
		return err
	}
	if w.pos() == at {
		return errGobEmptyEntry
	}
	return nil
}

// room is the number of bytes left for a value of type id: the rest of the
// message, and, if the value can continue into further messages, the rest
// of the reader's limit.
func (w *gobWalker) room(id int32) int64 {
	room := int64(w.c.left())
	if w.ifaces == 0 && w.r.reachOf(id)&reachIface != 0 {
		room += w.r.max - w.base - int64(len(w.c.b))
	}
	return room
}

// iface walks an interface value: its concrete type's name (empty for nil),
// the type id, the byte count of the concrete value and the value. gob
// skips an interface value by its byte count, so where it may skip one the
// count must be right.
func (w *gobWalker) iface(s gobSlot) error {
	name, err := w.c.bytes()
	if err != nil || len(name) == 0 {
		if err == nil && !s.sure {
			err = errGobNilSkipped
		}
		return err
	}
	id, err := w.typeSequence()
	if err != nil {
		return err
	}
	n, err := w.c.uint()
	if err != nil {
		return err
	}
	start := w.c.i
	w.ifaces++
	err = w.value(id, gobSlot{sure: true})
	w.ifaces--
	if err == nil && !s.sure && n != uint64(w.c.i-start) {
		err = corrupt("geerpc: gob: corrupted data: interface value of %d bytes says %d", w.c.i-start, n)
	}
	return err
}

// typeSequence reads an interface value's type id and the definitions that
// may precede it, each of which ends its message.
func (w *gobWalker) typeSequence() (int32, error) {
	for {
		if w.c.left() == 0 {
			if err := w.nextFrame(); err != nil {
				return 0, err
			}
		}
		start := w.c.i
		id, err := w.c.typeID()
		if err != nil || id >= 0 {
			return id, err
		}
		if err := w.define(-id, start); err != nil {
			return 0, err
		}
	}
}

// define has the reader define type id from the rest of the message, from
// start on, and leaves the definition out of what the fallback gets.
func (w *gobWalker) define(id int32, start int) error {
	if w.ifaces > 0 {
		return errGobNestedDef
	}
	if err := w.r.define(id, gobCursor{b: w.c.b[start:], i: w.c.i - start}); err != nil {
		return err
	}
	w.keep, w.c.i = start, len(w.c.b)
	return nil
}

// nextFrame moves to the value's next message, which only the type id of an
// interface value outside any other may need.
func (w *gobWalker) nextFrame() error {
	if w.ifaces > 0 {
		return errGobNestedFrame
	}
	if w.keep > 0 {
		w.frames = appendFrame(w.frames, w.c.b[:w.keep])
	}
	w.base += int64(len(w.c.b))
	msg, err := w.r.readFrame()
	if err != nil {
		return unexpectedEOF(err)
	}
	if total := w.base + int64(len(msg)); total > w.r.max {
		return fmt.Errorf("geerpc: gob value of %d bytes in several messages, limit %d: %w", total, w.r.max, ErrMessageTooLarge)
	}
	w.c, w.keep = gobCursor{b: msg}, len(msg)
	return nil
}
