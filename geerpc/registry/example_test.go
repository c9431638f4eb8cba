package registry_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/geerpclab/geerpc/geerpc/registry"
)

// A registry served on a mux of your own; servers announce themselves with
// a POST (what Heartbeat sends) and clients list them.
func Example() {
	mux := http.NewServeMux()
	mux.Handle(registry.DefaultPath, registry.NewWithOptions(registry.Options{}))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	url := srv.URL + registry.DefaultPath

	for _, addr := range []string{"tcp@127.0.0.1:9002", "tcp@127.0.0.1:9001"} {
		req, _ := http.NewRequest(http.MethodPost, url, nil)
		req.Header.Set(registry.ServerHeader, addr)
		resp, err := srv.Client().Do(req)
		if err != nil {
			fmt.Println(err)
			return
		}
		resp.Body.Close()
	}
	servers, err := registry.FetchServers(context.Background(), srv.Client(), url)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range servers {
		fmt.Println(s.Addr, "weight", s.Weight)
	}
	// Output:
	// tcp@127.0.0.1:9001 weight 1
	// tcp@127.0.0.1:9002 weight 1
}
