package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/portlab/portlab/config"
	"github.com/portlab/portlab/exporter"
	"github.com/portlab/portlab/loadgen"
)

// checkMetricsAddr checks --metrics before the run, like every address.
func checkMetricsAddr(addr string) error {
	if addr == "" {
		return nil
	}
	if _, err := config.CheckAddr(addr, "tcp", 0); err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	return nil
}

// serveLoadMetrics listens on addr and serves the run's live metrics on
// /metrics until the returned stop is called. It listens before the run
// starts, so a port already taken fails the command before any load.
func serveLoadMetrics(addr string, m *loadgen.Monitor, stderr io.Writer) (stop func(), err error) {
	h, err := exporter.Handler(exporter.NewLoadCollector(m))
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	fmt.Fprintf(stderr, "portlab load: metrics on http://%s/metrics\n", ln.Addr())
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintf(stderr, "portlab load: metrics: %v\n", err)
		}
	}()
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		srv.Shutdown(ctx) // a scrape under way gets a second to finish
		srv.Close()
		<-done
	}, nil
}
