package registry

import (
	"strings"
	"testing"
)

// FuzzCheckAddr: no panic, and an accepted address can be listed safely.
func FuzzCheckAddr(f *testing.F) {
	for _, s := range []string{"tcp@127.0.0.1:9999", "tcp@[::]:1", "unix@/tmp/s", "http@h:7001",
		"tcp@a,b:1", "tcp@:1", "@", "tcp@[fe80::1%eth0]:80", strings.Repeat("a", 300)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, addr string) {
		if CheckAddr(addr) != nil {
			return
		}
		if len(addr) > MaxAddrLen || strings.ContainsAny(addr, ", \t\r\n") || !strings.Contains(addr, "@") {
			t.Fatalf("accepted %q", addr)
		}
	})
}

// FuzzServeHTTP drives the handler with arbitrary header values: no panic,
// only documented statuses, and the listing holds only valid addresses.
func FuzzServeHTTP(f *testing.F) {
	methods := []string{"POST", "GET", "DELETE", "PUT", "HEAD"}
	f.Add(uint8(0), "tcp@127.0.0.1:9999", "3", "tok", "")
	f.Add(uint8(1), "", "", "", "application/json")
	f.Add(uint8(2), "tcp@127.0.0.1:9999", "", "tok", "")
	f.Add(uint8(0), "tcp@h:1,tcp@h:2", "-1", "tok", "")
	f.Fuzz(func(t *testing.T, m uint8, addr, weight, token, accept string) {
		r := NewWithOptions(Options{Token: "tok", MaxInstances: 4})
		hdr := map[string]string{ServerHeader: addr, WeightHeader: weight, TokenHeader: token, "Accept": accept}
		rec := serve(r, methods[int(m)%len(methods)], hdr)
		switch rec.Code {
		case 200, 400, 401, 405, 500, 507:
		default:
			t.Fatalf("status %d", rec.Code)
		}
		for _, it := range r.alive() {
			if err := CheckAddr(it.Addr); err != nil || it.Weight < 1 || it.Weight > MaxWeight {
				t.Fatalf("listed %+v: %v", it, err)
			}
		}
	})
}
