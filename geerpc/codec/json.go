package codec

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
)

// JsonCodec is the JSON Codec: one JSON stream per direction, each header and
// body a JSON document followed by a newline.
type JsonCodec struct { //nolint:revive // name kept from the original GeeRPC
	conn io.ReadWriteCloser
	buf  *bufio.Writer
	dec  *json.Decoder
	enc  *json.Encoder
}

var (
	_ Codec       = (*JsonCodec)(nil)
	_ BatchWriter = (*JsonCodec)(nil)
)

// NewJsonCodec returns a JSON Codec over conn with default options.
func NewJsonCodec(conn io.ReadWriteCloser) Codec { //nolint:revive // name kept from the original GeeRPC
	return NewJsonCodecWithOptions(conn, Options{})
}

// NewJsonCodecWithOptions is like NewJsonCodec but takes Options.
func NewJsonCodecWithOptions(conn io.ReadWriteCloser, o Options) *JsonCodec { //nolint:revive // see NewJsonCodec
	buf := bufio.NewWriterSize(conn, 16<<10)
	lr := &jsonLimiter{r: conn, max: o.limit()}
	dec := json.NewDecoder(lr)
	lr.dec = dec
	return &JsonCodec{conn: conn, buf: buf, dec: dec, enc: json.NewEncoder(buf)}
}

// jsonLimiter refuses to feed the decoder more than max bytes beyond the
// last value it finished, which bounds what one value can make it allocate.
type jsonLimiter struct {
	r   io.Reader
	dec *json.Decoder
	max int64
	n   int64 // bytes read so far
}

func (l *jsonLimiter) Read(p []byte) (int, error) {
	if pending := l.n - l.dec.InputOffset(); pending > l.max {
		return 0, fmt.Errorf("geerpc: JSON value over %d bytes: %w", l.max, ErrMessageTooLarge)
	}
	n, err := l.r.Read(p)
	l.n += int64(n)
	return n, err
}

// ReadHeader decodes the next header.
func (c *JsonCodec) ReadHeader(h *Header) error {
	return c.dec.Decode(h)
}

// ReadBody decodes the next body into body; nil reads and discards it.
func (c *JsonCodec) ReadBody(body any) error {
	if body == nil {
		var discard json.RawMessage
		return c.dec.Decode(&discard)
	}
	return c.dec.Decode(body)
}

// WriteBuffered encodes a header and a body without flushing.
func (c *JsonCodec) WriteBuffered(h *Header, body any) error {
	if err := c.enc.Encode(h); err != nil {
		return fmt.Errorf("geerpc: JSON encoding header: %w", err)
	}
	if err := c.enc.Encode(body); err != nil {
		return fmt.Errorf("geerpc: JSON encoding body: %w", err)
	}
	return nil
}

// Flush sends the buffered messages.
func (c *JsonCodec) Flush() error {
	return c.buf.Flush()
}

// Write encodes a header and a body and flushes them.
func (c *JsonCodec) Write(h *Header, body any) error {
	if err := c.WriteBuffered(h, body); err != nil {
		return err
	}
	return c.Flush()
}

// Close closes the connection.
func (c *JsonCodec) Close() error {
	return c.conn.Close()
}
