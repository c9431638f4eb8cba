package etcdregistry

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode"
)

// record is the JSON value stored under a server's key.
type record struct {
	Addr     string            `json:"addr"`
	Weight   int               `json:"weight,omitempty"`
	Metadata map[string]string `json:"metadata,omitempty"`
}

// keyFor returns the etcd key of addr under prefix (both already checked).
func keyFor(prefix, addr string) string {
	return prefix + "/" + addr
}

// checkAddr reports whether addr looks like protocol@addr and is short enough.
func checkAddr(addr string) error {
	proto, rest, ok := strings.Cut(addr, "@")
	switch {
	case len(addr) > MaxAddrLen:
		return fmt.Errorf("%w: %d bytes, at most %d", ErrBadAddr, len(addr), MaxAddrLen)
	case !ok || proto == "" || rest == "":
		return fmt.Errorf("%w: %q, want protocol@addr such as tcp@127.0.0.1:9999", ErrBadAddr, addr)
	case strings.IndexFunc(addr, unicode.IsSpace) >= 0:
		return fmt.Errorf("%w: %q contains white space", ErrBadAddr, addr)
	}
	return nil
}

// decodeRecord turns a key and its value back into a record. The address is
// always the key without the directory prefix; a value that is not a JSON
// record (for example one written by hand with etcdctl) means weight 1 and no
// metadata. ok is false for a key that holds no valid address.
func decodeRecord(dirPrefix string, key, value []byte) (rec record, ok bool) {
	_ = json.Unmarshal(value, &rec) // a foreign value keeps the zero record
	rec.Addr = strings.TrimPrefix(string(key), dirPrefix)
	if rec.Weight <= 0 {
		rec.Weight = 1
	}
	return rec, checkAddr(rec.Addr) == nil
}
