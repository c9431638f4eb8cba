package geerpc

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/rpc"
	"net/rpc/jsonrpc"

	"github.com/geerpclab/geerpc/geerpc/codec"
)

// bufferedConn reads through a bufio.Reader that may already hold bytes of
// the connection, and writes and closes the connection itself.
type bufferedConn struct {
	io.Reader
	io.Writer
	io.Closer
}

// byteReader reads bytes one at a time as well as in slices.
type byteReader interface {
	io.Reader
	io.ByteReader
}

// bufferedByteConn is a bufferedConn whose reader also reads single bytes,
// so a decoder needs no buffer of its own.
type bufferedByteConn struct {
	byteReader
	io.Writer
	io.Closer
}

// sniff reads the start of a connection and returns the codec for the rest:
// GeeRPC (a JSON Option with MagicNumber), net/rpc/jsonrpc (a JSON object
// with "method") or stock net/rpc gob (anything else).
func sniff(br *bufio.Reader, rwc io.ReadWriteCloser, o codec.Options) (codec.Codec, Option, error) {
	first, err := peekNonSpace(br)
	if err != nil {
		return nil, Option{}, fmt.Errorf("%w: %w", ErrBadHandshake, err)
	}
	conn := bufferedByteConn{br, rwc, rwc}
	if first != '{' {
		return codec.NewGobCodecWithOptions(conn, o), Option{MagicNumber: MagicNumber, CodecType: codec.GobType}, nil
	}
	raw, err := readJSONObject(br, maxOptionSize)
	if err != nil {
		return nil, Option{}, fmt.Errorf("%w: %w", ErrBadHandshake, err)
	}
	var p preamble
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, Option{}, fmt.Errorf("%w: %w", ErrBadHandshake, err)
	}
	if p.MagicNumber == 0 && p.Method != nil {
		jconn := bufferedConn{io.MultiReader(bytes.NewReader(raw), br), rwc, rwc}
		return newServerCodecAdapter(jsonrpc.NewServerCodec(jconn)), Option{MagicNumber: MagicNumber}, nil
	}
	opt := p.Option
	if err := checkOption(&opt); err != nil {
		return nil, opt, err
	}
	return codec.New(opt.CodecType, skipNewline(br, rwc), o), opt, nil
}

// peekNonSpace skips leading white space and returns the next byte unread.
func peekNonSpace(br *bufio.Reader) (byte, error) {
	for {
		b, err := br.Peek(1)
		if err != nil {
			return 0, err
		}
		if !isSpace(b[0]) {
			return b[0], nil
		}
		_, _ = br.Discard(1)
	}
}

// skipNewline returns the connection with the newline that encoding/json's
// Encoder writes after the Option dropped. When that byte has not arrived
// yet it is dropped on the first read, so an idle client is not waited for;
// a gob stream never starts with a newline and JSON skips it anyway.
func skipNewline(br *bufio.Reader, rwc io.ReadWriteCloser) bufferedByteConn {
	if br.Buffered() == 0 {
		return bufferedByteConn{&newlineSkipper{br: br}, rwc, rwc}
	}
	if b, _ := br.Peek(1); b[0] == '\n' {
		_, _ = br.Discard(1)
	}
	return bufferedByteConn{br, rwc, rwc}
}

// newlineSkipper drops one leading newline on its first read.
type newlineSkipper struct {
	br      *bufio.Reader
	skipped bool
}

func (r *newlineSkipper) skip() {
	if !r.skipped {
		r.skipped = true
		if b, err := r.br.Peek(1); err == nil && b[0] == '\n' {
			_, _ = r.br.Discard(1)
		}
	}
}

func (r *newlineSkipper) Read(p []byte) (int, error) { r.skip(); return r.br.Read(p) }

func (r *newlineSkipper) ReadByte() (byte, error) { r.skip(); return r.br.ReadByte() }

// serverCodecAdapter serves a net/rpc ServerCodec (such as jsonrpc's)
// through our Codec interface.
type serverCodecAdapter struct {
	sc rpc.ServerCodec
}

func newServerCodecAdapter(sc rpc.ServerCodec) codec.Codec { return &serverCodecAdapter{sc: sc} }

func (a *serverCodecAdapter) ReadHeader(h *codec.Header) error {
	var r rpc.Request
	if err := a.sc.ReadRequestHeader(&r); err != nil {
		return err
	}
	h.ServiceMethod, h.Seq = r.ServiceMethod, r.Seq
	return nil
}

func (a *serverCodecAdapter) ReadBody(body any) error { return a.sc.ReadRequestBody(body) }

func (a *serverCodecAdapter) Write(h *codec.Header, body any) error {
	return a.sc.WriteResponse(&rpc.Response{ServiceMethod: h.ServiceMethod, Seq: h.Seq, Error: h.Error}, body)
}

func (a *serverCodecAdapter) Close() error { return a.sc.Close() }
