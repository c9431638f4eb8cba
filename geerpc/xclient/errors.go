package xclient

import "errors"

// ErrNoInstances is returned (possibly wrapped) when discovery knows no
// server, or every known server is ejected.
var ErrNoInstances = errors.New("geerpc: no available servers")
