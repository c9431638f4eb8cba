package geerpc

import (
	"bufio"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/geerpclab/geerpc/geerpc/codec"
)

// MagicNumber marks a GeeRPC connection.
const MagicNumber = 0x3bef5c

// maxOptionSize bounds the JSON Option a server reads.
const maxOptionSize = 4 << 10

// Option is the connection preamble a client sends as JSON before its
// messages. Fields tagged `json:"-"` are client-side settings, not sent.
type Option struct {
	MagicNumber    int           // MagicNumber marks this as a GeeRPC request
	CodecType      codec.Type    // client may choose a codec; empty means gob
	ConnectTimeout time.Duration // dial and handshake limit; 0 means none
	HandleTimeout  time.Duration // server answers calls that run longer with an error; 0 means none

	// NetRPC makes the client speak stock net/rpc (gob, no preamble) so it
	// can call a net/rpc server.
	NetRPC bool `json:"-"`
	// TLSConfig, when set, makes Dial use TLS.
	TLSConfig *tls.Config `json:"-"`
	// MaxMessageSize bounds a message the client reads; 0 means 4 MiB.
	MaxMessageSize int64 `json:"-"`
	// MaxPending bounds the calls a client has waiting for replies; more
	// fail at once with ErrTooManyPending. Zero means 65,536; negative, none.
	MaxPending int `json:"-"`
}

// DefaultOption is the Option used when none is given.
var DefaultOption = &Option{
	MagicNumber:    MagicNumber,
	CodecType:      codec.GobType,
	ConnectTimeout: 10 * time.Second,
}

// parseOptions returns a copy of the given option, or of DefaultOption,
// with defaults filled in. It never modifies the caller's Option.
func parseOptions(opts ...*Option) (Option, error) {
	if len(opts) > 1 {
		return Option{}, fmt.Errorf("geerpc: number of options is more than 1")
	}
	if len(opts) == 0 || opts[0] == nil {
		return *DefaultOption, nil
	}
	opt := *opts[0]
	opt.MagicNumber = MagicNumber
	if opt.CodecType == "" {
		opt.CodecType = DefaultOption.CodecType
	}
	return opt, nil
}

// readJSONObject reads exactly one JSON object from r, byte by byte, so that
// nothing after it is consumed.
func readJSONObject(r *bufio.Reader, max int) ([]byte, error) {
	var s objectScanner
	out := make([]byte, 0, 128)
	for {
		b, err := r.ReadByte()
		if err != nil {
			return out, err
		}
		if len(out) == 0 && isSpace(b) {
			continue
		}
		out = append(out, b)
		done, err := s.step(b)
		if err != nil || done {
			return out, err
		}
		if len(out) >= max {
			return out, fmt.Errorf("%w: option longer than %d bytes", ErrBadHandshake, max)
		}
	}
}

func isSpace(b byte) bool { return b == ' ' || b == '\n' || b == '\r' || b == '\t' }

// objectScanner finds where a JSON object ends: it counts braces and
// brackets outside strings.
type objectScanner struct {
	depth    int
	inString bool
	escaped  bool
	started  bool
}

func (s *objectScanner) step(b byte) (done bool, err error) {
	if !s.started {
		if b != '{' {
			return false, fmt.Errorf("%w: expected '{', got %q", ErrBadHandshake, b)
		}
		s.started = true
	}
	switch {
	case s.escaped:
		s.escaped = false
	case s.inString:
		s.escaped = b == '\\'
		s.inString = b != '"'
	case b == '"':
		s.inString = true
	case b == '{' || b == '[':
		s.depth++
	case b == '}' || b == ']':
		s.depth--
	}
	return s.depth == 0, nil
}

// preamble is what the first JSON object of a connection may hold: a GeeRPC
// Option, or a JSON-RPC 1.0 request of net/rpc/jsonrpc.
type preamble struct {
	Option
	Method *string `json:"method"`
}

func checkOption(opt *Option) error {
	if opt.MagicNumber != MagicNumber {
		return fmt.Errorf("%w %#x", ErrBadMagic, opt.MagicNumber)
	}
	if opt.CodecType == "" {
		opt.CodecType = codec.GobType
	}
	if codec.NewCodecFuncMap[opt.CodecType] == nil {
		return fmt.Errorf("%w %q", ErrUnknownCodec, opt.CodecType)
	}
	return nil
}

// writeOption sends the Option as encoding/json's Encoder writes it.
func writeOption(w io.Writer, opt *Option) error {
	return json.NewEncoder(w).Encode(opt)
}
