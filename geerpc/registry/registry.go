package registry

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Names and defaults of the registry wire protocol (docs/PROTOCOL.md, "The HTTP registry").
const (
	// DefaultPath is where HandleHTTP serves DefaultGeeRegister.
	DefaultPath = "/_geerpc_/registry"
	// DefaultTimeout is how long a server stays alive after a heartbeat
	// when nothing else is configured.
	DefaultTimeout = 5 * time.Minute
	// DefaultMaxInstances is the instance cap when Options.MaxInstances is zero.
	DefaultMaxInstances = 1024
	// ServerHeader carries the protocol@addr of the server in a POST or DELETE.
	ServerHeader = "X-Geerpc-Server"
	// ServersHeader carries the comma-joined sorted alive servers in a GET answer.
	ServersHeader = "X-Geerpc-Servers"
	// WeightHeader optionally carries the server's weight (1..MaxWeight) in a POST.
	WeightHeader = "X-Geerpc-Weight"
	// TokenHeader carries the shared token of a POST or DELETE when the registry requires one.
	TokenHeader = "X-Geerpc-Token"
)

// The original's unexported names, kept for readers of the tutorial.
const (
	defaultPath    = DefaultPath
	defaultTimeout = DefaultTimeout
)

// ServerItem is one registered server as the registry lists it.
type ServerItem struct {
	// Addr is the server's protocol@addr.
	Addr string `json:"addr"`
	// Weight is the server's balancing weight, DefaultWeight unless it sent one.
	Weight int       `json:"weight"`
	start  time.Time // last heartbeat
}

// Options configure a GeeRegistry. The zero value of every field works.
type Options struct {
	// TTL is how long a server stays alive after its last heartbeat.
	// Zero means DefaultTimeout; a negative value means servers never expire.
	TTL time.Duration
	// MaxInstances caps the number of distinct servers held; a POST for a
	// new server beyond it is answered 507 Insufficient Storage (expired
	// servers are swept first). Zero or negative means DefaultMaxInstances.
	MaxInstances int
	// Token, when not empty, must be sent in TokenHeader with every POST and
	// DELETE (compared in constant time), else the answer is 401. Empty means
	// writes need no token, as in the original. GET never needs it.
	Token string
	// Logger receives registrations, removals and rejected requests at
	// debug level. Nil means no logging.
	Logger *slog.Logger
	// Now returns the current time. Nil means time.Now; tests inject a clock.
	Now func() time.Time
}

// GeeRegistry is a simple register center: it keeps the servers that sent a
// heartbeat within its TTL and lists them. It is an http.Handler and is safe
// for concurrent use.
type GeeRegistry struct {
	ttl      time.Duration // <= 0: never expire
	max      int
	tokenSum *[sha256.Size]byte // nil: writes need no token
	log      *slog.Logger
	now      func() time.Time

	mu        sync.Mutex // protects following
	servers   map[string]*ServerItem
	lastSweep time.Time
}

var _ http.Handler = (*GeeRegistry)(nil)

// New returns a registry whose servers expire timeout after their last
// heartbeat; timeout <= 0 means they never expire, as with the original's 0.
func New(timeout time.Duration) *GeeRegistry {
	if timeout <= 0 {
		timeout = -1
	}
	return NewWithOptions(Options{TTL: timeout})
}

// NewWithOptions is like New but configured by opts.
func NewWithOptions(opts Options) *GeeRegistry {
	r := &GeeRegistry{ttl: opts.TTL, max: opts.MaxInstances, log: opts.Logger, now: opts.Now,
		servers: make(map[string]*ServerItem)}
	if r.ttl == 0 {
		r.ttl = DefaultTimeout
	}
	if r.max <= 0 {
		r.max = DefaultMaxInstances
	}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	if r.now == nil {
		r.now = time.Now
	}
	if opts.Token != "" {
		sum := sha256.Sum256([]byte(opts.Token))
		r.tokenSum = &sum
	}
	return r
}

// DefaultGeeRegister is the registry HandleHTTP serves, with DefaultTimeout.
var DefaultGeeRegister = New(defaultTimeout)

// ServeHTTP speaks the original's protocol with our additions:
//
//   - GET: 200 with ServersHeader, the alive servers sorted and comma-joined,
//     and no body, as the original; when the Accept header names
//     application/json, also a body {"servers":[{"addr":..,"weight":..}]}.
//   - POST with ServerHeader (and optionally WeightHeader): 200, the server is
//     registered or its heartbeat refreshed. Missing header: 500, as the
//     original; malformed address or weight: 400; cap reached: 507.
//   - DELETE with ServerHeader: 200 whether or not the server was known;
//     missing or malformed header: 400.
//   - POST and DELETE without the configured token: 401.
//   - Any other method: 405.
//
// Request bodies are never read. Serve the registry from an http.Server with
// ReadHeaderTimeout and MaxHeaderBytes set against slow or bulky clients.
func (r *GeeRegistry) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	switch req.Method {
	case http.MethodGet:
		r.serveGet(w, req)
	case http.MethodPost:
		r.servePost(w, req)
	case http.MethodDelete:
		r.serveDelete(w, req)
	default:
		w.Header().Set("Allow", "GET, POST, DELETE")
		w.WriteHeader(http.StatusMethodNotAllowed)
	}
}

// listing is the JSON body of a GET that accepts application/json.
type listing struct {
	Servers []ServerItem `json:"servers"`
}

func (r *GeeRegistry) serveGet(w http.ResponseWriter, req *http.Request) {
	items := r.alive()
	addrs := make([]string, len(items))
	for i, it := range items {
		addrs[i] = it.Addr
	}
	w.Header().Set(ServersHeader, strings.Join(addrs, ","))
	if !acceptsJSON(req) {
		return
	}
	body, err := json.Marshal(listing{Servers: items})
	if err != nil {
		http.Error(w, "geerpc: encoding the server list failed", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(body)
}

func (r *GeeRegistry) servePost(w http.ResponseWriter, req *http.Request) {
	if !r.authorized(req) {
		r.reject(w, http.StatusUnauthorized, ErrUnauthorized)
		return
	}
	if req.Header.Get(ServerHeader) == "" {
		w.WriteHeader(http.StatusInternalServerError) // as the original
		return
	}
	addr, err := serverAddr(req)
	if err != nil {
		r.reject(w, http.StatusBadRequest, err)
		return
	}
	weight, err := parseWeight(req.Header.Get(WeightHeader))
	if err != nil {
		r.reject(w, http.StatusBadRequest, err)
		return
	}
	if err := r.putServer(addr, weight); err != nil {
		r.reject(w, http.StatusInsufficientStorage, err)
	}
}

func (r *GeeRegistry) serveDelete(w http.ResponseWriter, req *http.Request) {
	if !r.authorized(req) {
		r.reject(w, http.StatusUnauthorized, ErrUnauthorized)
		return
	}
	addr, err := serverAddr(req)
	if err != nil {
		r.reject(w, http.StatusBadRequest, err)
		return
	}
	r.deleteServer(addr)
}

// serverAddr returns the one valid address in ServerHeader.
func serverAddr(req *http.Request) (string, error) {
	vals := req.Header.Values(ServerHeader)
	if len(vals) != 1 {
		return "", fmt.Errorf("%w: expected exactly one %s header", ErrBadAddr, ServerHeader)
	}
	return vals[0], CheckAddr(vals[0])
}

func (r *GeeRegistry) reject(w http.ResponseWriter, code int, err error) {
	r.log.Debug("geerpc registry: request rejected", "status", code, "err", err)
	http.Error(w, err.Error(), code)
}

// authorized reports whether req carries the registry's token. Both sides
// are hashed first so that the comparison time does not reveal the length.
func (r *GeeRegistry) authorized(req *http.Request) bool {
	if r.tokenSum == nil {
		return true
	}
	got := sha256.Sum256([]byte(req.Header.Get(TokenHeader)))
	return subtle.ConstantTimeCompare(got[:], r.tokenSum[:]) == 1
}

// acceptsJSON reports whether an Accept header of req names application/json.
func acceptsJSON(req *http.Request) bool {
	for _, v := range req.Header.Values("Accept") {
		for part := range strings.SplitSeq(v, ",") {
			if mt, _, err := mime.ParseMediaType(part); err == nil && mt == "application/json" {
				return true
			}
		}
	}
	return false
}
