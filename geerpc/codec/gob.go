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
