package cluster

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/geerpclab/geerpc/geerpc/registry"
)

// Deregister removes addr from the HTTP registry at registryURL at once, as
// a server that stops cleanly does. It gives up after 5s (a registry on a
// loaded machine, a soak's load beside it, can take over a second).
func Deregister(ctx context.Context, registryURL, addr string) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodDelete, registryURL, nil)
	if err != nil {
		return err
	}
	req.Header.Set(registry.ServerHeader, addr)
	resp, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req)
	if err != nil {
		return fmt.Errorf("geerpc: cluster: deregister %s: %w", addr, err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("geerpc: cluster: deregister %s: status %s", addr, resp.Status)
	}
	return nil
}
