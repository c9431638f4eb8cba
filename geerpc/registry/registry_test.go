package registry

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestWireCompat replays the original's exchanges over a real loopback
// HTTP server and checks statuses, headers and bodies exactly.
func TestWireCompat(t *testing.T) {
	srv := httptest.NewServer(New(DefaultTimeout))
	defer srv.Close()
	steps := []struct {
		name        string
		method      string
		server      string // X-Geerpc-Server, "" for none
		wantStatus  int
		wantServers string // expected X-Geerpc-Servers; "-" for absent
	}{
		{name: "empty list", method: "GET", wantStatus: 200, wantServers: ""},
		{name: "register b", method: "POST", server: "tcp@127.0.0.1:9002", wantStatus: 200, wantServers: "-"},
		{name: "register a", method: "POST", server: "tcp@127.0.0.1:9001", wantStatus: 200, wantServers: "-"},
		{name: "refresh b", method: "POST", server: "tcp@127.0.0.1:9002", wantStatus: 200, wantServers: "-"},
		{name: "sorted list", method: "GET", wantStatus: 200, wantServers: "tcp@127.0.0.1:9001,tcp@127.0.0.1:9002"},
		{name: "missing header", method: "POST", wantStatus: 500, wantServers: "-"},
		{name: "PUT", method: "PUT", server: "tcp@127.0.0.1:9003", wantStatus: 405, wantServers: "-"},
		{name: "PATCH", method: "PATCH", wantStatus: 405, wantServers: "-"},
		{name: "HEAD", method: "HEAD", wantStatus: 405, wantServers: "-"},
		{name: "list unchanged", method: "GET", wantStatus: 200, wantServers: "tcp@127.0.0.1:9001,tcp@127.0.0.1:9002"},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			req, err := http.NewRequest(st.method, srv.URL+DefaultPath, nil)
			if err != nil {
				t.Fatal(err)
			}
			if st.server != "" {
				req.Header.Set(ServerHeader, st.server)
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != st.wantStatus {
				t.Fatalf("status %d, want %d", resp.StatusCode, st.wantStatus)
			}
			vals, present := resp.Header[ServersHeader]
			switch {
			case st.wantServers == "-" && present:
				t.Fatalf("%s present: %q", ServersHeader, vals)
			case st.wantServers != "-" && (len(vals) != 1 || vals[0] != st.wantServers):
				t.Fatalf("%s = %q, want [%q]", ServersHeader, vals, st.wantServers)
			case resp.StatusCode == 200 && len(body) != 0:
				t.Fatalf("body %q, want none as the original", body)
			}
		})
	}
}

func TestExpiry(t *testing.T) {
	tests := []struct {
		name    string
		opts    Options       // Now is set by the test
		useNew0 bool          // build with the original's New(0) instead
		advance time.Duration // since a registered; b registered at 3m
		want    string
	}{
		{name: "both alive", advance: 4 * time.Minute, want: "tcp@h:1,tcp@h:2"},
		{name: "default 5m expires a", advance: 5 * time.Minute, want: "tcp@h:2"},
		{name: "both expired", advance: 8 * time.Minute, want: ""},
		{name: "TTL 10m", opts: Options{TTL: 10 * time.Minute}, advance: 8 * time.Minute, want: "tcp@h:1,tcp@h:2"},
		{name: "TTL 1m", opts: Options{TTL: time.Minute}, advance: 3*time.Minute + 59*time.Second, want: "tcp@h:2"},
		{name: "negative TTL never expires", opts: Options{TTL: -1}, advance: 1000 * time.Hour, want: "tcp@h:1,tcp@h:2"},
		{name: "New(0) never expires", useNew0: true, advance: 1000 * time.Hour, want: "tcp@h:1,tcp@h:2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock()
			tt.opts.Now = clock.Now
			r := NewWithOptions(tt.opts)
			if tt.useNew0 {
				r = New(0)
				r.now = clock.Now
			}
			post(t, r, "tcp@h:1")
			clock.Advance(3 * time.Minute)
			post(t, r, "tcp@h:2")
			clock.Advance(tt.advance - 3*time.Minute)
			if got := listed(r); got != tt.want {
				t.Fatalf("listed %q, want %q", got, tt.want)
			}
		})
	}
}

func TestExpiredEntriesAreSwept(t *testing.T) {
	clock := newFakeClock()
	r := NewWithOptions(Options{TTL: time.Minute, Now: clock.Now})
	for i := range 10 {
		post(t, r, fmt.Sprintf("tcp@h:%d", i+1))
	}
	clock.Advance(2 * time.Minute)
	post(t, r, "tcp@h:100") // a write a TTL after the last sweep sweeps too
	r.mu.Lock()
	n := len(r.servers)
	r.mu.Unlock()
	if n != 1 {
		t.Fatalf("%d entries held after expiry, want 1", n)
	}
}

func TestDeregister(t *testing.T) {
	r := New(DefaultTimeout)
	post(t, r, "tcp@h:1")
	post(t, r, "tcp@h:2")
	tests := []struct {
		name       string
		hdr        map[string]string
		wantStatus int
		want       string
	}{
		{name: "delete known", hdr: map[string]string{ServerHeader: "tcp@h:1"}, wantStatus: 200, want: "tcp@h:2"},
		{name: "delete unknown is fine", hdr: map[string]string{ServerHeader: "tcp@h:9"}, wantStatus: 200, want: "tcp@h:2"},
		{name: "missing header", hdr: nil, wantStatus: 400, want: "tcp@h:2"},
		{name: "malformed", hdr: map[string]string{ServerHeader: "h:2"}, wantStatus: 400, want: "tcp@h:2"},
		{name: "delete last", hdr: map[string]string{ServerHeader: "tcp@h:2"}, wantStatus: 200, want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if rec := serve(r, http.MethodDelete, tt.hdr); rec.Code != tt.wantStatus {
				t.Fatalf("status %d, want %d", rec.Code, tt.wantStatus)
			}
			if got := listed(r); got != tt.want {
				t.Fatalf("listed %q, want %q", got, tt.want)
			}
		})
	}
}

func TestTokenRequiredForWrites(t *testing.T) {
	const token = "s3cret-token"
	tests := []struct {
		name       string
		method     string
		token      string // "" for no header
		wantStatus int
	}{
		{name: "POST without token", method: "POST", wantStatus: 401},
		{name: "POST wrong token", method: "POST", token: "wrong", wantStatus: 401},
		{name: "POST same length wrong token", method: "POST", token: "s3cret-tokeN", wantStatus: 401},
		{name: "POST token prefix", method: "POST", token: "s3cret", wantStatus: 401},
		{name: "DELETE without token", method: "DELETE", wantStatus: 401},
		{name: "DELETE wrong token", method: "DELETE", token: "x", wantStatus: 401},
		{name: "GET without token", method: "GET", wantStatus: 200},
		{name: "POST with token", method: "POST", token: token, wantStatus: 200},
		{name: "DELETE with token", method: "DELETE", token: token, wantStatus: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewWithOptions(Options{Token: token})
			r.servers["tcp@h:1"] = &ServerItem{Addr: "tcp@h:1", Weight: 1, start: time.Now()}
			hdr := map[string]string{ServerHeader: "tcp@h:2"}
			if tt.method == "DELETE" {
				hdr[ServerHeader] = "tcp@h:1"
			}
			if tt.token != "" {
				hdr[TokenHeader] = tt.token
			}
			rec := serve(r, tt.method, hdr)
			if rec.Code != tt.wantStatus {
				t.Fatalf("status %d, want %d", rec.Code, tt.wantStatus)
			}
			want := map[string]string{"GET": "tcp@h:1", "POST": "tcp@h:1,tcp@h:2", "DELETE": ""}[tt.method]
			if tt.wantStatus != 200 {
				want = "tcp@h:1"
			}
			if got := listed(r); got != want {
				t.Fatalf("listed %q after the request, want %q", got, want)
			}
		})
	}
}

func TestAddressValidation(t *testing.T) {
	tests := []struct {
		name       string
		addr       string
		wantStatus int
	}{
		{name: "tcp ipv4", addr: "tcp@127.0.0.1:9999", wantStatus: 200},
		{name: "tcp ipv6 any (original example)", addr: "tcp@[::]:34567", wantStatus: 200},
		{name: "ipv6 zone", addr: "tcp@[fe80::1%eth0]:80", wantStatus: 200},
		{name: "http name", addr: "http@localhost:7001", wantStatus: 200},
		{name: "tls name", addr: "tls@rpc-1.example.com:443", wantStatus: 200},
		{name: "unix path", addr: "unix@/tmp/geerpc.sock", wantStatus: 200},
		{name: "unix abstract", addr: "unix@@geerpc", wantStatus: 200},
		{name: "exactly 256 bytes", addr: "unix@/" + strings.Repeat("a", 250), wantStatus: 200},
		{name: "257 bytes", addr: "unix@/" + strings.Repeat("a", 251), wantStatus: 400},
		{name: "64KiB", addr: "tcp@" + strings.Repeat("a", 64<<10) + ":1", wantStatus: 400},
		{name: "no protocol", addr: "127.0.0.1:9999", wantStatus: 400},
		{name: "empty protocol", addr: "@127.0.0.1:9999", wantStatus: 400},
		{name: "upper-case protocol", addr: "TCP@127.0.0.1:9999", wantStatus: 400},
		{name: "protocol with dash", addr: "t-cp@127.0.0.1:9999", wantStatus: 400},
		{name: "nothing after @", addr: "tcp@", wantStatus: 400},
		{name: "no port", addr: "tcp@127.0.0.1", wantStatus: 400},
		{name: "empty host", addr: "tcp@:9999", wantStatus: 400},
		{name: "port 0", addr: "tcp@127.0.0.1:0", wantStatus: 400},
		{name: "port too big", addr: "tcp@127.0.0.1:65536", wantStatus: 400},
		{name: "named port", addr: "tcp@127.0.0.1:http", wantStatus: 400},
		{name: "signed port", addr: "tcp@127.0.0.1:+80", wantStatus: 400},
		{name: "bad ipv6", addr: "tcp@[::g]:80", wantStatus: 400},
		{name: "unbracketed ipv6", addr: "tcp@::1:80", wantStatus: 400},
		{name: "comma injects a second server", addr: "tcp@a:1,tcp@b:2", wantStatus: 400},
		{name: "space", addr: "tcp@a b:1", wantStatus: 400},
		{name: "slash in host", addr: "tcp@a/b:1", wantStatus: 400},
		{name: "control byte", addr: "unix@/tmp/a\x01b", wantStatus: 400},
		{name: "non-ASCII", addr: "unix@/tmp/\u00e9", wantStatus: 400},
		{name: "empty unix path", addr: "unix@", wantStatus: 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := New(DefaultTimeout)
			rec := serve(r, http.MethodPost, map[string]string{ServerHeader: tt.addr})
			if rec.Code != tt.wantStatus {
				t.Fatalf("status %d, want %d (%s)", rec.Code, tt.wantStatus, rec.Body)
			}
			want := ""
			if tt.wantStatus == 200 {
				want = tt.addr
			}
			if got := listed(r); got != want {
				t.Fatalf("listed %q, want %q", got, want)
			}
		})
	}
}

func TestTwoServerHeadersRejected(t *testing.T) {
	r := New(DefaultTimeout)
	req := httptest.NewRequest(http.MethodPost, DefaultPath, nil)
	req.Header.Add(ServerHeader, "tcp@h:1")
	req.Header.Add(ServerHeader, "tcp@h:2")
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, req)
	if rec.Code != http.StatusBadRequest {
		t.Fatalf("status %d, want 400", rec.Code)
	}
}

func TestInstanceCap(t *testing.T) {
	clock := newFakeClock()
	r := NewWithOptions(Options{MaxInstances: 3, TTL: time.Minute, Now: clock.Now})
	steps := []struct {
		name       string
		addr       string
		advance    time.Duration // before the POST
		wantStatus int
		want       string
	}{
		{name: "first", addr: "tcp@h:1", wantStatus: 200, want: "tcp@h:1"},
		{name: "second", addr: "tcp@h:2", wantStatus: 200, want: "tcp@h:1,tcp@h:2"},
		{name: "third", addr: "tcp@h:3", advance: 30 * time.Second, wantStatus: 200, want: "tcp@h:1,tcp@h:2,tcp@h:3"},
		{name: "fourth refused", addr: "tcp@h:4", wantStatus: 507, want: "tcp@h:1,tcp@h:2,tcp@h:3"},
		{name: "refresh allowed when full", addr: "tcp@h:1", wantStatus: 200, want: "tcp@h:1,tcp@h:2,tcp@h:3"},
		{name: "room after h:2 expired", addr: "tcp@h:4", advance: 40 * time.Second, wantStatus: 200, want: "tcp@h:1,tcp@h:3,tcp@h:4"},
		{name: "full again", addr: "tcp@h:5", wantStatus: 507, want: "tcp@h:1,tcp@h:3,tcp@h:4"},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			clock.Advance(st.advance)
			rec := serve(r, http.MethodPost, map[string]string{ServerHeader: st.addr})
			if rec.Code != st.wantStatus {
				t.Fatalf("status %d, want %d", rec.Code, st.wantStatus)
			}
			if got := listed(r); got != st.want {
				t.Fatalf("listed %q, want %q", got, st.want)
			}
		})
	}
}

// TestDefaultCapAgainstFlood posts thousands of distinct bogus-but-valid
// addresses: exactly DefaultMaxInstances are kept.
func TestDefaultCapAgainstFlood(t *testing.T) {
	r := NewWithOptions(Options{})
	accepted, full := 0, 0
	for i := range 3000 {
		addr := fmt.Sprintf("tcp@10.%d.%d.1:%d", i/256, i%256, 1+i)
		switch rec := serve(r, http.MethodPost, map[string]string{ServerHeader: addr}); rec.Code {
		case http.StatusOK:
			accepted++
		case http.StatusInsufficientStorage:
			full++
		default:
			t.Fatalf("POST %s: status %d", addr, rec.Code)
		}
	}
	if accepted != DefaultMaxInstances || full != 3000-DefaultMaxInstances {
		t.Fatalf("accepted %d, refused %d; want %d accepted", accepted, full, DefaultMaxInstances)
	}
	if n := strings.Count(listed(r), ",") + 1; n != DefaultMaxInstances {
		t.Fatalf("listed %d servers, want %d", n, DefaultMaxInstances)
	}
}

func TestWeights(t *testing.T) {
	tests := []struct {
		name       string
		weight     string // "" for no header
		wantStatus int
		wantWeight int
	}{
		{name: "no weight", wantStatus: 200, wantWeight: DefaultWeight},
		{name: "weight 3", weight: "3", wantStatus: 200, wantWeight: 3},
		{name: "max weight", weight: fmt.Sprint(MaxWeight), wantStatus: 200, wantWeight: MaxWeight},
		{name: "zero", weight: "0", wantStatus: 400},
		{name: "negative", weight: "-2", wantStatus: 400},
		{name: "too big", weight: fmt.Sprint(MaxWeight + 1), wantStatus: 400},
		{name: "overflow", weight: "99999999999999999999999", wantStatus: 400},
		{name: "not a number", weight: "heavy", wantStatus: 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := New(DefaultTimeout)
			hdr := map[string]string{ServerHeader: "tcp@h:1"}
			if tt.weight != "" {
				hdr[WeightHeader] = tt.weight
			}
			if rec := serve(r, http.MethodPost, hdr); rec.Code != tt.wantStatus {
				t.Fatalf("status %d, want %d", rec.Code, tt.wantStatus)
			}
			if tt.wantStatus != 200 {
				return
			}
			rec := serve(r, http.MethodGet, map[string]string{"Accept": "text/plain, application/json;q=0.9"})
			var l listing
			if err := json.Unmarshal(rec.Body.Bytes(), &l); err != nil {
				t.Fatalf("JSON answer %q: %v", rec.Body, err)
			}
			if len(l.Servers) != 1 || l.Servers[0].Addr != "tcp@h:1" || l.Servers[0].Weight != tt.wantWeight {
				t.Fatalf("JSON servers %+v, want tcp@h:1 weight %d", l.Servers, tt.wantWeight)
			}
		})
	}
}

// TestJSONAnswerKeepsHeader checks that a JSON GET carries the same
// ServersHeader as a plain one, and that a plain GET has no body.
func TestJSONAnswerKeepsHeader(t *testing.T) {
	r := New(DefaultTimeout)
	post(t, r, "tcp@h:2")
	post(t, r, "tcp@h:1")
	plain := serve(r, http.MethodGet, nil)
	js := serve(r, http.MethodGet, map[string]string{"Accept": "application/json"})
	if p, j := plain.Header().Get(ServersHeader), js.Header().Get(ServersHeader); p != "tcp@h:1,tcp@h:2" || j != p {
		t.Fatalf("plain header %q, JSON header %q", p, j)
	}
	if plain.Body.Len() != 0 || plain.Header().Get("Content-Type") != "" {
		t.Fatalf("plain GET has a body %q or content type", plain.Body)
	}
	want := `{"servers":[{"addr":"tcp@h:1","weight":1},{"addr":"tcp@h:2","weight":1}]}`
	if js.Body.String() != want || js.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("JSON body %s (%s), want %s", js.Body, js.Header().Get("Content-Type"), want)
	}
}

func TestHandleHTTPTwice(t *testing.T) {
	HandleHTTP()
	HandleHTTP() // the original panicked here
	New(0).HandleHTTP(DefaultPath)
	_, pattern := http.DefaultServeMux.Handler(httptest.NewRequest(http.MethodGet, DefaultPath, nil))
	if pattern != DefaultPath {
		t.Fatalf("DefaultServeMux pattern %q for %s", pattern, DefaultPath)
	}
	rec := httptest.NewRecorder()
	http.DefaultServeMux.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, DefaultPath, nil))
	if rec.Code != http.StatusInternalServerError {
		t.Fatalf("POST without header through DefaultServeMux: %d, want 500", rec.Code)
	}
}

// TestConcurrentUse runs writers and readers together under -race.
func TestConcurrentUse(t *testing.T) {
	r := NewWithOptions(Options{MaxInstances: 64})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				addr := fmt.Sprintf("tcp@h%d:%d", g, 1+i%20)
				serve(r, http.MethodPost, map[string]string{ServerHeader: addr})
				serve(r, http.MethodGet, map[string]string{"Accept": "application/json"})
				if i%3 == 0 {
					serve(r, http.MethodDelete, map[string]string{ServerHeader: addr})
				}
			}
		}()
	}
	wg.Wait()
	if n := len(r.alive()); n > 64 {
		t.Fatalf("%d servers held, cap 64", n)
	}
}
