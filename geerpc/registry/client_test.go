package registry

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
)

// originalRegistry answers a GET the way the original registry does,
// whatever the Accept header: the list in the header only.
func originalRegistry(list string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set(ServersHeader, list)
	})
}

func TestFetchServers(t *testing.T) {
	weighted := New(DefaultTimeout)
	serve(weighted, http.MethodPost, map[string]string{ServerHeader: "tcp@h:2", WeightHeader: "5"})
	serve(weighted, http.MethodPost, map[string]string{ServerHeader: "tcp@h:1"})
	tests := []struct {
		name    string
		handler http.Handler
		want    []ServerItem
		wantErr error
	}{
		{name: "ours with weights", handler: weighted,
			want: []ServerItem{{Addr: "tcp@h:1", Weight: 1}, {Addr: "tcp@h:2", Weight: 5}}},
		{name: "original registry", handler: originalRegistry(" tcp@h:1, tcp@h:2 ,,"),
			want: []ServerItem{{Addr: "tcp@h:1", Weight: 1}, {Addr: "tcp@h:2", Weight: 1}}},
		{name: "original registry empty", handler: originalRegistry(""), want: nil},
		{name: "error status", handler: http.NotFoundHandler(), wantErr: ErrStatus},
		{name: "garbled JSON", wantErr: ErrBadAnswer,
			handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.Write([]byte(`{"servers":[{"addr":`))
			})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			got, err := FetchServers(context.Background(), srv.Client(), srv.URL+DefaultPath)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("FetchServers error %v, want %v", err, tt.wantErr)
			}
			if tt.wantErr == nil && !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("FetchServers = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestFetchServersUnreachableAndMalformed(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	closedURL := srv.URL
	srv.Close()
	tests := []struct {
		name    string
		url     string
		wantErr error
	}{
		{name: "nothing listening", url: closedURL, wantErr: ErrUnreachable},
		{name: "malformed URL", url: "http://[::1", wantErr: ErrBadURL},
		{name: "relative URL", url: "/_geerpc_/registry", wantErr: ErrBadURL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := FetchServers(context.Background(), nil, tt.url); !errors.Is(err, tt.wantErr) {
				t.Fatalf("FetchServers error %v, want %v", err, tt.wantErr)
			}
		})
	}
}
