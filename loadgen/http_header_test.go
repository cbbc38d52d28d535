package loadgen

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// headerServer is a real net/http server on loopback that keeps the
// headers, Host, method and body of every request it serves.
type headerServer struct {
	mu      sync.Mutex
	seen    []http.Header
	hosts   []string
	methods []string
	bodies  []string
}

func (s *headerServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.seen = append(s.seen, r.Header.Clone())
	s.hosts = append(s.hosts, r.Host)
	s.methods = append(s.methods, r.Method)
	s.bodies = append(s.bodies, string(body))
	s.mu.Unlock()
}

// startHeaderServer serves on loopback, over TLS with tc, and returns the
// server and its URL.
func startHeaderServer(t *testing.T, tc *tls.Config) (*headerServer, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	scheme := "http"
	if tc != nil {
		ln, scheme = tls.NewListener(ln, tc), "https"
	}
	s := &headerServer{}
	hs := &http.Server{Handler: s, ErrorLog: log.New(io.Discard, "", 0)} // handshakes refused on purpose
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ln) }()
	t.Cleanup(func() {
		hs.Close()
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Error(err)
		}
	})
	return s, scheme + "://" + ln.Addr().String() + "/h"
}

// TestHTTPHeadersSent checks that every request carries the --header
// values, as the server read them off the wire.
func TestHTTPHeadersSent(t *testing.T) {
	srv, url := startHeaderServer(t, nil)
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

// TestHTTPBodyFile checks that every request carries the file's bytes as
// its body, in place of the payload, and that they are counted as sent.
func TestHTTPBodyFile(t *testing.T) {
	tests := []struct {
		name, method, content, wantMethod string
	}{
		{"post by default", "", "{\"portlab\": 1}\n", http.MethodPost},
		{"put", http.MethodPut, "line one\nline two\n", http.MethodPut},
		{"empty file", "", "", http.MethodPost},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, url := startHeaderServer(t, nil)
			path := filepath.Join(t.TempDir(), "body")
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg := httpConfig(url)
			cfg.Concurrency, cfg.Requests, cfg.Payload = 2, 10, 32
			cfg.Method, cfg.BodyFile = tt.method, path
			res, err := Run(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			if res.Totals.RequestsOK != cfg.Requests {
				t.Fatalf("ok = %d, want %d (errors %v)", res.Totals.RequestsOK, cfg.Requests, res.Errors)
			}
			if want := cfg.Requests * int64(len(tt.content)); res.Totals.BytesSent != want {
				t.Errorf("bytes_sent = %d, want %d", res.Totals.BytesSent, want)
			}
			srv.mu.Lock()
			defer srv.mu.Unlock()
			if int64(len(srv.bodies)) != cfg.Requests {
				t.Fatalf("server saw %d requests, want %d", len(srv.bodies), cfg.Requests)
			}
			for i, b := range srv.bodies {
				if b != tt.content || srv.methods[i] != tt.wantMethod {
					t.Errorf("request %d: %s %q, want %s %q", i, srv.methods[i], b, tt.wantMethod, tt.content)
				}
			}
		})
	}
}
