package codec

import "io"

// Header is the first value of every message. Field matching is by name in
// both gob and JSON, so Deadline, which the original GeeRPC does not know,
// is ignored by an original peer.
type Header struct {
	ServiceMethod string // format "Service.Method"
	Seq           uint64 // sequence number chosen by the client
	Error         string // set by the server only
	// Deadline is the caller's deadline in Unix nanoseconds; zero means none.
	Deadline int64 `json:",omitempty"`
}

// Codec reads and writes the messages of one connection. ReadHeader and
// ReadBody are called by one goroutine; Write is called under the caller's
// write lock.
type Codec interface {
	io.Closer
	ReadHeader(*Header) error
	// ReadBody decodes the body into the pointer it is given; nil discards it.
	ReadBody(any) error
	// Write encodes a header and a body and flushes them to the connection.
	Write(*Header, any) error
}

// BatchWriter is implemented by codecs that can encode several messages into
// a buffer and send them in one write. The server and client use it to
// coalesce replies and requests under load.
type BatchWriter interface {
	// WriteBuffered is like Codec.Write but does not flush.
	WriteBuffered(*Header, any) error
	// Flush sends what WriteBuffered encoded.
	Flush() error
}

// NewCodecFunc makes a Codec over a connection.
type NewCodecFunc func(io.ReadWriteCloser) Codec

// Type names a codec in the connection Option.
type Type string

// The codec types GeeRPC knows.
const (
	GobType  Type = "application/gob"
	JsonType Type = "application/json" //nolint:revive // name kept from the original GeeRPC
)

// DefaultMaxMessageSize is the largest message a reader accepts when no
// other limit is set: 4 MiB.
const DefaultMaxMessageSize = 4 << 20

// NewCodecFuncMap maps a codec type to its constructor.
var NewCodecFuncMap = map[Type]NewCodecFunc{
	GobType:  NewGobCodec,
	JsonType: NewJsonCodec,
}

// Options tune a codec. The zero value works.
type Options struct {
	// MaxMessageSize bounds one header or body as read from the wire.
	// Zero means DefaultMaxMessageSize; negative means no limit.
	MaxMessageSize int64
}

func (o Options) limit() int64 {
	switch {
	case o.MaxMessageSize == 0:
		return DefaultMaxMessageSize
	case o.MaxMessageSize < 0:
		return 1<<63 - 1
	}
	return o.MaxMessageSize
}

// New returns the codec of type t with options o, or nil for an unknown type.
func New(t Type, conn io.ReadWriteCloser, o Options) Codec {
	switch t {
	case GobType:
		return NewGobCodecWithOptions(conn, o)
	case JsonType:
		return NewJsonCodecWithOptions(conn, o)
	}
	if f := NewCodecFuncMap[t]; f != nil {
		return f(conn)
	}
	return nil
}
