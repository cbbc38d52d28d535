package loadgen

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
	"testing"
)

// headerServer is a real net/http server on loopback that keeps the
// headers and Host of every request it serves.
type headerServer struct {
	mu    sync.Mutex
	seen  []http.Header
	hosts []string
}

func (s *headerServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.seen = append(s.seen, r.Header.Clone())
	s.hosts = append(s.hosts, r.Host)
	s.mu.Unlock()
}

func startHeaderServer(t *testing.T) (*headerServer, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &headerServer{}
	hs := &http.Server{Handler: s}
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ln) }()
	t.Cleanup(func() {
		hs.Close()
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Error(err)
		}
	})
	return s, "http://" + ln.Addr().String() + "/h"
}

// TestHTTPHeadersSent checks that every request carries the --header
// values, as the server read them off the wire.
func TestHTTPHeadersSent(t *testing.T) {
	srv, url := startHeaderServer(t)
	cfg := httpConfig(url)
	cfg.Concurrency, cfg.Requests = 4, 40
	cfg.Header = []string{"X-Portlab-Test: one", "x-portlab-test:two", "Authorization:  Bearer t0ken ", "Host: example.test"}
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.Totals.RequestsOK != cfg.Requests {
		t.Fatalf("ok = %d, want %d (errors %v)", res.Totals.RequestsOK, cfg.Requests, res.Errors)
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if int64(len(srv.seen)) != cfg.Requests {
		t.Fatalf("server saw %d requests, want %d", len(srv.seen), cfg.Requests)
	}
	for i, h := range srv.seen {
		if got := h.Values("X-Portlab-Test"); len(got) != 2 || got[0] != "one" || got[1] != "two" {
			t.Errorf("request %d: X-Portlab-Test = %q, want [one two]", i, got)
		}
		if got := h.Get("Authorization"); got != "Bearer t0ken" {
			t.Errorf("request %d: Authorization = %q, want %q", i, got, "Bearer t0ken")
		}
		if srv.hosts[i] != "example.test" {
			t.Errorf("request %d: Host = %q, want example.test", i, srv.hosts[i])
		}
	}
}
