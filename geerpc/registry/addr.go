package registry

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// MaxAddrLen is the longest server address, in bytes, the registry accepts.
const MaxAddrLen = 256

// MaxWeight is the largest weight the registry accepts.
const MaxWeight = 1 << 16

// DefaultWeight is the weight of a server that registered without one.
const DefaultWeight = 1

const maxProtoLen = 16

// CheckAddr reports whether addr is a server address the registry accepts:
// protocol@host:port (protocol in lower-case letters and digits, host a name
// or an IP literal, port 1..65535) or unix@path, at most MaxAddrLen bytes of
// printable ASCII without commas or spaces (the GET answer is a comma-joined
// list). The error wraps ErrBadAddr and names the expected form.
func CheckAddr(addr string) error {
	if len(addr) > MaxAddrLen {
		return fmt.Errorf("%w: %d bytes, more than %d", ErrBadAddr, len(addr), MaxAddrLen)
	}
	proto, rest, ok := strings.Cut(addr, "@")
	if !ok || !validProto(proto) || !printable(rest) || !validRest(proto, rest) {
		return fmt.Errorf("%w: %q, expected protocol@host:port or unix@path", ErrBadAddr, addr)
	}
	return nil
}

func validProto(p string) bool {
	if p == "" || len(p) > maxProtoLen || p[0] < 'a' || p[0] > 'z' {
		return false
	}
	for i := 0; i < len(p); i++ {
		if !isLower(p[i]) && !isDigit(p[i]) {
			return false
		}
	}
	return true
}

// printable reports whether s is non-empty printable ASCII without space or comma.
func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f || s[i] == ',' {
			return false
		}
	}
	return s != ""
}

func validRest(proto, rest string) bool {
	if strings.HasPrefix(proto, "unix") {
		return true // a socket path; printable already checked it
	}
	host, port, err := net.SplitHostPort(rest)
	return err == nil && validPort(port) && validHost(host)
}

func validPort(p string) bool {
	if p == "" || len(p) > 5 {
		return false
	}
	for i := 0; i < len(p); i++ {
		if !isDigit(p[i]) {
			return false
		}
	}
	n, _ := strconv.Atoi(p)
	return n >= 1 && n <= 65535
}

// validHost accepts an IP literal (IPv6 possibly with a zone) or a host name.
func validHost(h string) bool {
	if strings.Contains(h, ":") {
		_, err := netip.ParseAddr(h)
		return err == nil
	}
	if h == "" || len(h) > 253 {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !isLower(c|0x20) && !isDigit(c) && c != '.' && c != '-' && c != '_' {
			return false
		}
	}
	return true
}

func isLower(c byte) bool { return c >= 'a' && c <= 'z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// parseWeight reads the optional weight header value; empty means DefaultWeight.
func parseWeight(v string) (int, error) {
	if v == "" {
		return DefaultWeight, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > MaxWeight {
		return 0, fmt.Errorf("%w: expected an integer in 1..%d", ErrBadWeight, MaxWeight)
	}
	return n, nil
}
