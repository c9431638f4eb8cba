package etcdregistry

import (
	"encoding/json"
	"testing"
)

func FuzzDecodeRecord(f *testing.F) {
	for _, rec := range []record{
		{Addr: "tcp@127.0.0.1:7001"},
		{Addr: "unix@/tmp/geerpc.sock", Weight: 3, Metadata: map[string]string{"zone": "a"}},
	} {
		value, err := json.Marshal(rec)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(rec.Addr, value)
	}
	f.Add("not-an-address", []byte("written by hand"))
	f.Add("tcp@127.0.0.1:7001", []byte(`{"weight":-4,"metadata":null}`))
	f.Fuzz(func(t *testing.T, addr string, value []byte) {
		dir := DefaultPrefix + "/"
		rec, ok := decodeRecord(dir, []byte(dir+addr), value)
		if rec.Addr != addr {
			t.Fatalf("decoded address %q from key of %q", rec.Addr, addr)
		}
		if rec.Weight < 1 {
			t.Fatalf("decoded weight %d, want at least 1", rec.Weight)
		}
		if ok != (checkAddr(addr) == nil) {
			t.Fatalf("ok = %v for address %q", ok, addr)
		}
	})
}
