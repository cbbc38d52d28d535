// Package echotest starts portlab's echo server for tests, as
// net/http/httptest does for HTTP: on a free loopback port, closed (and
// every connection waited for) when the test ends.
package echotest

import (
	"testing"

	"github.com/portlab/portlab/echo"
)

// Start starts an echo server on 127.0.0.1 with a free port, from
// echo.DefaultConfig edited by edit (nil keeps the defaults). The test
// fails if it cannot start or if closing it fails.
func Start(tb testing.TB, edit func(*echo.Config)) *echo.Server {
	tb.Helper()
	cfg := echo.DefaultConfig()
	cfg.Listen = "127.0.0.1:0"
	if edit != nil {
		edit(&cfg)
	}
	srv, err := echo.NewServer(cfg)
	if err != nil {
		tb.Fatalf("echo server: %v", err)
	}
	tb.Cleanup(func() {
		if err := srv.Close(); err != nil {
			tb.Errorf("echo server close: %v", err)
		}
	})
	return srv
}
