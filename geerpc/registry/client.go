package registry

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// maxListingBytes bounds the JSON body FetchServers reads.
const maxListingBytes = 4 << 20

// CheckURL reports whether registryURL is an absolute http or https URL
// with a host. The error wraps ErrBadURL.
func CheckURL(registryURL string) error {
	u, err := url.Parse(registryURL)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrBadURL, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%w: %q, expected http://host:port/path", ErrBadURL, registryURL)
	}
	return nil
}

// newClient returns an http.Client of its own transport without keep-alives:
// registry requests are seconds or minutes apart, and no idle connection
// (with its goroutines) outlives a request.
func newClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DisableKeepAlives = true
	return &http.Client{Transport: t}
}

// defaultClient serves FetchServers calls given a nil client.
var defaultClient = newClient()

// FetchServers asks the registry at registryURL for its alive servers. It
// asks for JSON to learn the weights and falls back to the ServersHeader of
// an original registry (every weight then DefaultWeight). A nil client means
// one without keep-alives; the request ends with ctx. Errors wrap ErrBadURL,
// ErrUnreachable, ErrStatus or ErrBadAnswer.
func FetchServers(ctx context.Context, client *http.Client, registryURL string) ([]ServerItem, error) {
	if err := CheckURL(registryURL); err != nil {
		return nil, err
	}
	if client == nil {
		client = defaultClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, registryURL, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadURL, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnreachable, err)
	}
	defer closeBody(resp)
	if err := statusError(resp); err != nil {
		return nil, err
	}
	return readListing(resp)
}

func readListing(resp *http.Response) ([]ServerItem, error) {
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if mt != "application/json" {
		return splitServers(resp.Header.Get(ServersHeader)), nil
	}
	var l listing
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxListingBytes)).Decode(&l); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadAnswer, err)
	}
	items := l.Servers[:0]
	for _, it := range l.Servers {
		if it.Addr == "" {
			continue
		}
		if it.Weight < 1 {
			it.Weight = DefaultWeight
		}
		items = append(items, it)
	}
	return items, nil
}

// splitServers parses a ServersHeader value as the original discovery did.
func splitServers(v string) []ServerItem {
	var items []ServerItem
	for s := range strings.SplitSeq(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			items = append(items, ServerItem{Addr: s, Weight: DefaultWeight})
		}
	}
	return items
}

// statusError maps a non-2xx answer to an error wrapping ErrStatus and,
// where one applies, the sentinel the registry meant.
func statusError(resp *http.Response) error {
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	var cause error
	switch resp.StatusCode {
	case http.StatusBadRequest:
		cause = ErrBadAddr
	case http.StatusUnauthorized:
		cause = ErrUnauthorized
	case http.StatusInsufficientStorage:
		cause = ErrRegistryFull
	}
	if cause == nil {
		return fmt.Errorf("%w %s", ErrStatus, resp.Status)
	}
	return fmt.Errorf("%w %s: %w", ErrStatus, resp.Status, cause)
}

// closeBody drains a little of the body, so the connection can be reused
// when keep-alives are on, and closes it.
func closeBody(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
}
