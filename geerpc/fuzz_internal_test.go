package geerpc

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net"
	"testing"
	"time"

	"github.com/geerpclab/geerpc/geerpc/codec"
	"github.com/geerpclab/geerpc/geerpc/internal/fuzzseed"
)

type bufRWC struct {
	io.Reader
	io.Writer
}

func (bufRWC) Close() error { return nil }

// FuzzPreamble feeds the first bytes of a connection to the sniffer: it must
// never panic, and an accepted Option must be a valid one.
func FuzzPreamble(f *testing.F) {
	var opt bytes.Buffer
	_ = writeOption(&opt, DefaultOption)
	fuzzseed.Add(f, opt.Bytes())
	jsonOpt := *DefaultOption
	jsonOpt.CodecType = codec.JsonType
	opt.Reset()
	_ = writeOption(&opt, &jsonOpt)
	fuzzseed.Add(f, append(opt.Bytes(), `{"ServiceMethod":"A.B","Seq":1}`+"\n"...))
	fuzzseed.Add(f, []byte(`{"method":"Foo.Sum","params":[{"Num1":1}],"id":0}`+"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		br := bufio.NewReader(bytes.NewReader(data))
		cc, o, err := sniff(br, bufRWC{br, io.Discard}, codec.Options{MaxMessageSize: 1 << 16})
		if err != nil {
			return
		}
		if o.MagicNumber != MagicNumber || codec.NewCodecFuncMap[o.CodecType] == nil && o.CodecType != "" {
			t.Fatalf("accepted a bad option %+v", o)
		}
		var h codec.Header
		_ = cc.ReadHeader(&h)
	})
}

// FuzzOptionRoundTrip checks that an Option written is read back equal and
// that the bytes after it are not consumed.
func FuzzOptionRoundTrip(f *testing.F) {
	f.Add(int64(10e9), int64(0), "application/gob", []byte("rest"))
	f.Fuzz(func(t *testing.T, connect, handle int64, ct string, rest []byte) {
		in := Option{MagicNumber: MagicNumber, CodecType: codec.Type(ct)}
		in.ConnectTimeout, in.HandleTimeout = durationOf(connect), durationOf(handle)
		var buf bytes.Buffer
		if err := writeOption(&buf, &in); err != nil {
			t.Skip(err)
		}
		buf.Write(rest)
		br := bufio.NewReader(&buf)
		raw, err := readJSONObject(br, maxOptionSize)
		if err != nil {
			t.Skip("longer than the limit:", err)
		}
		var out Option
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatal(err)
		}
		if b, _ := br.ReadByte(); b != '\n' {
			t.Fatalf("byte after the option = %q, want newline", b)
		}
		left, _ := io.ReadAll(br)
		if !bytes.Equal(left, rest) || out.ConnectTimeout != in.ConnectTimeout || out.HandleTimeout != in.HandleTimeout {
			t.Fatalf("option %+v rest %q came back as %+v rest %q", in, rest, out, left)
		}
	})
}

func durationOf(n int64) time.Duration { return time.Duration(n) }

// FuzzParseAddr checks ParseAddr never panics and returns parts of its input.
func FuzzParseAddr(f *testing.F) {
	for _, s := range []string{"tcp@127.0.0.1:9999", "unix@/tmp/x.sock", "http@[::1]:1", "@", "tcp@"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, a, err := ParseAddr(s)
		if err == nil && p+"@"+a != s {
			t.Fatalf("ParseAddr(%q) = %q, %q", s, p, a)
		}
	})
}

var _ net.Conn = (*readerConn)(nil)

// FuzzConnectResponse answers a client's CONNECT with arbitrary bytes: it
// must fail cleanly or get a working connection, never panic or hang.
func FuzzConnectResponse(f *testing.F) {
	fuzzseed.Add(f, []byte("HTTP/1.0 "+connected+"\n\n"))
	fuzzseed.Add(f, []byte("HTTP/1.0 405 Method Not Allowed\r\nContent-Length: 17\r\n\r\n405 must CONNECT\n"))
	f.Fuzz(func(t *testing.T, answer []byte) {
		client, server := net.Pipe()
		served := make(chan struct{})
		go func() {
			defer close(served)
			defer server.Close()
			_, _ = io.CopyN(io.Discard, server, int64(len("CONNECT "+DefaultRPCPath+" HTTP/1.0\n\n")))
			_, _ = server.Write(answer)
		}()
		_ = client.SetDeadline(time.Now().Add(5 * time.Second))
		c, err := NewHTTPClient(client, nil)
		if err == nil {
			_ = c.Close()
			if !bytes.HasPrefix(answer, []byte("HTTP/1.")) {
				t.Fatalf("accepted %q as a CONNECT answer", answer)
			}
		}
		_ = client.Close()
		<-served // no goroutine outlives its input
	})
}
