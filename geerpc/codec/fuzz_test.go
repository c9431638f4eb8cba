package codec

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/geerpclab/geerpc/internal/fuzzseed"
)

// fuzzLimit bounds what one fuzz input may make a reader allocate.
const fuzzLimit = 64 << 10

func fuzzReader(f *testing.F, ct Type) {
	fuzzseed.Add(f, encodeMessages(f, ct, 3, 40))
	fuzzseed.Add(f, encodeMessages(f, ct, 1, 0))
	f.Fuzz(func(t *testing.T, data []byte) {
		c := New(ct, rwc{bytes.NewReader(data), io.Discard}, Options{MaxMessageSize: fuzzLimit})
		for range 100 {
			var h Header
			if err := c.ReadHeader(&h); err != nil {
				return
			}
			var p payload
			if err := c.ReadBody(&p); err != nil {
				if errors.Is(err, ErrMessageTooLarge) {
					return
				}
				if err := c.ReadBody(nil); err != nil {
					return
				}
			}
			if len(p.Data) > fuzzLimit {
				t.Fatalf("decoded %d bytes past the %d limit", len(p.Data), fuzzLimit)
			}
		}
	})
}

func FuzzGobReader(f *testing.F)  { fuzzReader(f, GobType) }
func FuzzJSONReader(f *testing.F) { fuzzReader(f, JsonType) }

// FuzzRoundTrip checks that what a codec writes it reads back equal.
func FuzzRoundTrip(f *testing.F) {
	f.Add("Echo.Echo", uint64(1), "", int64(0), []byte("hello"), true)
	f.Add("A.B", uint64(1<<63), "100% %d wrong", int64(-1), []byte{0, 0xff}, false)
	f.Fuzz(func(t *testing.T, method string, seq uint64, errText string, deadline int64, data []byte, useGob bool) {
		ct := JsonType
		if useGob {
			ct = GobType
		}
		var buf bytes.Buffer
		c := New(ct, rwc{&buf, &buf}, Options{})
		in := Header{ServiceMethod: method, Seq: seq, Error: errText, Deadline: deadline}
		if err := c.Write(&in, payload{Nonce: seq, Data: data}); err != nil {
			t.Skip("not encodable:", err)
		}
		var out Header
		var p payload
		if err := c.ReadHeader(&out); err != nil {
			t.Fatal(err)
		}
		if err := c.ReadBody(&p); err != nil {
			t.Fatal(err)
		}
		if ct == GobType && out != in || p.Nonce != seq || !bytes.Equal(p.Data, data) {
			t.Fatalf("wrote %+v %x, read %+v %x", in, data, out, p.Data)
		}
		if ct == JsonType && (out.Seq != in.Seq || out.Deadline != in.Deadline) {
			t.Fatalf("wrote %+v, read %+v", in, out)
		}
	})
}
