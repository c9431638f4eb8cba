package chaos

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	toxiproxy "github.com/Shopify/toxiproxy/v2"
	"github.com/geerpclab/geerpc/chaos/scenario"
	"github.com/rs/zerolog"
)

// ErrNotLoopback is wrapped when a proxy's upstream is not a 127.0.0.1
// address: chaos only ever targets this machine.
var ErrNotLoopback = errors.New("geerpc: chaos: not a 127.0.0.1 address")

// Links embeds a Toxiproxy server in the process; its proxies carry the link
// faults. The zero value is not usable; call NewLinks.
type Links struct {
	srv *toxiproxy.ApiServer
}

// NewLinks returns an embedded Toxiproxy server that logs nothing.
func NewLinks() *Links {
	return &Links{srv: toxiproxy.NewServer(toxiproxy.NewMetricsContainer(nil), zerolog.Nop())}
}

// LinkFault is a fault on the link to one instance. Toxiproxy works in whole
// milliseconds, so Latency and Jitter are rounded down to them.
type LinkFault struct {
	Type      scenario.FaultType // a link fault: latency, bandwidth, blackhole, reset or down
	Latency   time.Duration      // latency: added to each chunk
	Jitter    time.Duration      // latency: ± this, drawn per chunk
	RateKB    int64              // bandwidth: KB/s
	Direction string             // "downstream" (default: server to client), "upstream" or "both"
}

// LinkProxy is one Toxiproxy proxy on 127.0.0.1 in front of an instance.
// Faults apply to every connection through it and always with toxicity 1:
// Toxiproxy draws toxicity once per connection, not per call, which on a
// multiplexed geerpc connection means all or nothing; per-call fractions are
// what CallInjector is for. It is safe for concurrent use.
type LinkProxy struct {
	mu     sync.Mutex // protects following
	p      *toxiproxy.Proxy
	down   bool // a down fault is active
	toxics map[string]bool
	closed bool
}

// Proxy starts a proxy on a free 127.0.0.1 port in front of upstream, which
// must be a 127.0.0.1 host:port.
func (l *Links) Proxy(name, upstream string) (*LinkProxy, error) {
	if err := checkLoopback(upstream); err != nil {
		return nil, err
	}
	p := toxiproxy.NewProxy(l.srv, name, "127.0.0.1:0", upstream)
	if err := p.Start(); err != nil {
		return nil, fmt.Errorf("%w: start proxy %s: %w", ErrFault, name, err)
	}
	return &LinkProxy{p: p, toxics: map[string]bool{}}, nil
}

func checkLoopback(hostport string) error {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil || host != "127.0.0.1" {
		return fmt.Errorf("%w: %q", ErrNotLoopback, hostport)
	}
	return nil
}

// Addr returns the proxy's host:port, the address clients dial.
func (lp *LinkProxy) Addr() string {
	lp.mu.Lock()
	defer lp.mu.Unlock()
	return lp.p.Listen
}

// Apply starts f: a down fault stops the proxy (new connections are refused,
// open ones closed), the others add toxics to every connection, open or new.
func (lp *LinkProxy) Apply(f LinkFault) error {
	lp.mu.Lock()
	defer lp.mu.Unlock()
	if lp.closed {
		return fmt.Errorf("%w: proxy %s is closed", ErrFault, lp.p.Name)
	}
	if f.Type == scenario.FaultDown {
		lp.down = true
		lp.p.Stop()
		return nil
	}
	for _, stream := range streams(f.Direction) {
		name, body, err := toxicJSON(f, stream)
		if err != nil {
			return err
		}
		if _, err := lp.p.Toxics.AddToxicJson(strings.NewReader(body)); err != nil {
			return fmt.Errorf("%w: %s on %s: %w", ErrFault, name, lp.p.Name, err)
		}
		lp.toxics[name] = true
	}
	return nil
}

// Clear ends f. Ending a blackhole or reset closes the connections through
// the proxy (Toxiproxy does so too when it removes them); clients redial.
func (lp *LinkProxy) Clear(f LinkFault) error {
	lp.mu.Lock()
	defer lp.mu.Unlock()
	if lp.closed {
		return nil
	}
	if f.Type == scenario.FaultDown {
		lp.down = false
		return lp.start()
	}
	cut := f.Type == scenario.FaultBlackhole || f.Type == scenario.FaultReset
	if cut {
		// Stop first: a toxic that closed its stub strands the one before it
		// if data still flows, so no data may flow while it is removed.
		lp.p.Stop()
	}
	errs := []error{lp.removeToxics(f)}
	if cut && !lp.down {
		errs = append(errs, lp.start())
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%w: clear %s on %s: %w", ErrFault, f.Type, lp.p.Name, err)
	}
	return nil
}

// removeToxics removes f's toxics; lp.mu must be held.
func (lp *LinkProxy) removeToxics(f LinkFault) error {
	var errs []error
	for _, stream := range streams(f.Direction) {
		name := toxicName(f.Type, stream)
		if lp.toxics[name] {
			delete(lp.toxics, name)
			errs = append(errs, lp.p.Toxics.RemoveToxic(context.Background(), name))
		}
	}
	return errors.Join(errs...)
}

// Restore removes every toxic and starts the proxy if it was down.
func (lp *LinkProxy) Restore() error {
	lp.mu.Lock()
	defer lp.mu.Unlock()
	if lp.closed {
		return nil
	}
	lp.p.Stop()
	lp.p.Toxics.ResetToxics(context.Background())
	clear(lp.toxics)
	lp.down = false
	return lp.start()
}

// Stop stops the proxy without touching its toxics, as when the host behind
// it dies; Start brings it back on the same address.
func (lp *LinkProxy) Stop() {
	lp.mu.Lock()
	defer lp.mu.Unlock()
	lp.p.Stop()
}

// Start starts a stopped proxy again on its address, unless a down fault
// holds it.
func (lp *LinkProxy) Start() error {
	lp.mu.Lock()
	defer lp.mu.Unlock()
	if lp.closed || lp.down {
		return nil
	}
	return lp.start()
}

// start starts the proxy on its address, retrying briefly while the port
// is not free yet. lp.mu must be held.
func (lp *LinkProxy) start() error {
	var err error
	for i := range 20 {
		err = lp.p.Start()
		if err == nil || errors.Is(err, toxiproxy.ErrProxyAlreadyStarted) {
			return nil
		}
		time.Sleep(time.Duration(i+1) * 5 * time.Millisecond)
	}
	return fmt.Errorf("%w: restart proxy %s: %w", ErrFault, lp.p.Name, err)
}

// Close stops the proxy and removes its toxics for good.
func (lp *LinkProxy) Close() {
	lp.mu.Lock()
	defer lp.mu.Unlock()
	if lp.closed {
		return
	}
	lp.closed = true
	lp.p.Stop()
	lp.p.Toxics.ResetToxics(context.Background())
}

func streams(direction string) []string {
	switch direction {
	case "upstream":
		return []string{"upstream"}
	case "both":
		return []string{"downstream", "upstream"}
	}
	return []string{"downstream"}
}

func toxicName(t scenario.FaultType, stream string) string {
	return "chaos-" + string(t) + "-" + stream
}

// toxicJSON returns the name and JSON body of f's toxic on stream. Toxicity
// is always sent as 1: an explicit 0 would disable the toxic.
func toxicJSON(f LinkFault, stream string) (name, body string, err error) {
	name = toxicName(f.Type, stream)
	var kind, attrs string
	switch f.Type {
	case scenario.FaultLatency:
		kind, attrs = "latency", fmt.Sprintf(`{"latency":%d,"jitter":%d}`, f.Latency.Milliseconds(), f.Jitter.Milliseconds())
	case scenario.FaultBandwidth:
		kind, attrs = "bandwidth", fmt.Sprintf(`{"rate":%d}`, f.RateKB)
	case scenario.FaultBlackhole:
		kind, attrs = "timeout", `{"timeout":0}`
	case scenario.FaultReset:
		kind, attrs = "reset_peer", `{"timeout":0}`
	default:
		return "", "", fmt.Errorf("%w: %q is not a link fault", ErrFault, f.Type)
	}
	body = fmt.Sprintf(`{"name":%q,"type":%q,"stream":%q,"toxicity":1,"attributes":%s}`, name, kind, stream, attrs)
	return name, body, nil
}
