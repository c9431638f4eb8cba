package codec

import (
	"bufio"
	"fmt"
	"io"
)

// GobCodec is the gob Codec: one gob stream per direction for the whole
// connection, so type descriptors are sent once. It writes and reads with an
// encoder and a reader that handle flat structs of basic fields (such as
// Header) themselves and leave other types to encoding/gob; the bytes
// written are those of a stock gob.Encoder, and both sides stay compatible
// with any encoding/gob peer.
//
// What reading one value allocates is bounded by Options.MaxMessageSize
// (times the size of the target's elements). encoding/gob sizes a map by
// the count on the wire, and a slice by it up to 10 MiB, so before it
// decodes a value whose type can hold a map, a slice or an interface, the
// reader walks the value and refuses, with ErrCorrupt, a map or slice
// claiming more elements than the rest of the message could hold. A value
// that continues into further messages (an interface value carrying the
// definition of a new type does) is bounded as a whole by the limit. As
// the walk must read a value as encoding/gob will, the reader also refuses
// two shapes that encoding/gob reads differently when it skips a field
// than when it decodes it: a nil interface value inside a field that the
// target may lack, and the first definition of a type inside an interface
// value that is itself inside an interface value.
type GobCodec struct {
	conn io.ReadWriteCloser
	buf  *bufio.Writer
	dec  *gobReader
	enc  *gobWriter
}

var (
	_ Codec       = (*GobCodec)(nil)
	_ BatchWriter = (*GobCodec)(nil)
)

// NewGobCodec returns a gob Codec over conn with default options.
func NewGobCodec(conn io.ReadWriteCloser) Codec {
	return NewGobCodecWithOptions(conn, Options{})
}

// NewGobCodecWithOptions is like NewGobCodec but takes Options.
func NewGobCodecWithOptions(conn io.ReadWriteCloser, o Options) *GobCodec {
	buf := bufio.NewWriterSize(conn, 16<<10)
	return &GobCodec{
		conn: conn,
		buf:  buf,
		dec:  newGobReader(byteReader(conn), o.limit()),
		enc:  newGobWriter(buf),
	}
}

// byteReader returns r itself when it can read bytes one at a time, so that
// no second buffer sits between the connection and the decoder.
func byteReader(r io.Reader) byteStream {
	if br, ok := r.(byteStream); ok {
		return br
	}
	return bufio.NewReaderSize(r, 16<<10)
}

// ReadHeader decodes the next header.
func (c *GobCodec) ReadHeader(h *Header) error {
	return c.dec.Decode(h)
}

// ReadBody decodes the next body into body; nil discards it.
func (c *GobCodec) ReadBody(body any) error {
	return c.dec.Decode(body)
}

// WriteBuffered encodes a header and a body without flushing.
func (c *GobCodec) WriteBuffered(h *Header, body any) error {
	if err := c.enc.Encode(h); err != nil {
		return fmt.Errorf("geerpc: gob encoding header: %w", err)
	}
	if err := c.enc.Encode(body); err != nil {
		return fmt.Errorf("geerpc: gob encoding body: %w", err)
	}
	return nil
}

// Flush sends the buffered messages.
func (c *GobCodec) Flush() error {
	return c.buf.Flush()
}

// Write encodes a header and a body and flushes them.
func (c *GobCodec) Write(h *Header, body any) error {
	if err := c.WriteBuffered(h, body); err != nil {
		return err
	}
	return c.Flush()
}

// Close closes the connection.
func (c *GobCodec) Close() error {
	return c.conn.Close()
}
