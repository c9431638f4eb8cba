package codec

import (
	"fmt"
	"io"
)

// gobLimiter watches a gob stream go by and fails as soon as a message
// announces a length above max, before the decoder allocates it.
// A gob message is a length, then that many bytes. The length is one byte
// below 0x80, or a byte holding the negated count of big-endian bytes that follow.
type gobLimiter struct {
	r interface {
		io.Reader
		io.ByteReader
	}
	max       int64
	remaining int64  // bytes left in the current message body
	lenBytes  int    // bytes of a multi-byte length still to come
	length    uint64 // length parsed so far
	err       error  // sticky: the stream is unusable after a refused length
}

func newGobLimiter(r interface {
	io.Reader
	io.ByteReader
}, max int64) *gobLimiter {
	return &gobLimiter{r: r, max: max}
}

// Read reads from the stream and checks every length it passes. On a
// refused length it returns no bytes, so that io.ReadFull reports the error.
func (l *gobLimiter) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	n, err := l.r.Read(p)
	if l.err = l.scan(p[:n]); l.err != nil {
		return 0, l.err
	}
	return n, err
}

// ReadByte reads one byte and checks it.
func (l *gobLimiter) ReadByte() (byte, error) {
	if l.err != nil {
		return 0, l.err
	}
	b, err := l.r.ReadByte()
	if err != nil {
		return b, err
	}
	l.err = l.scan([]byte{b})
	return b, l.err
}

func (l *gobLimiter) scan(p []byte) error {
	for len(p) > 0 {
		if l.remaining > 0 {
			k := min(int64(len(p)), l.remaining)
			l.remaining -= k
			p = p[k:]
			continue
		}
		if err := l.lengthByte(p[0]); err != nil {
			return err
		}
		p = p[1:]
	}
	return nil
}

// lengthByte consumes one byte of a message length.
func (l *gobLimiter) lengthByte(b byte) error {
	switch {
	case l.lenBytes > 0:
		l.length = l.length<<8 | uint64(b)
		l.lenBytes--
		if l.lenBytes > 0 {
			return nil
		}
	case b < 0x80:
		l.length = uint64(b)
	default:
		n := int(-int8(b))
		if n > 8 {
			return fmt.Errorf("geerpc: gob message length of %d bytes: %w", n, ErrMessageTooLarge)
		}
		l.lenBytes, l.length = n, 0
		return nil
	}
	if l.length > uint64(l.max) {
		return fmt.Errorf("geerpc: gob message of %d bytes, limit %d: %w", l.length, l.max, ErrMessageTooLarge)
	}
	l.remaining = int64(l.length)
	return nil
}
