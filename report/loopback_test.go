package report_test

import (
	"context"
	"testing"
	"time"

	"github.com/portlab/portlab/echo"
	"github.com/portlab/portlab/loadgen"
	"github.com/portlab/portlab/report"
)

// loadConfig is a real load run against srv that leaves nothing in
// TIME_WAIT on the host: new connections close with RST (SO_LINGER 0).
func loadConfig(srv *echo.Server, label string, requests int64) loadgen.Config {
	cfg := loadgen.DefaultConfig()
	cfg.Target = srv.Addr().String()
	cfg.Label = label
	cfg.Requests = requests
	cfg.Duration = 20 * time.Second
	cfg.Concurrency = 4
	cfg.Linger = 0
	cfg.Interval = 100 * time.Millisecond
	return cfg
}

// runAll runs the loads at the same time, as several clients would.
func runAll(t *testing.T, cfgs ...loadgen.Config) []*report.Result {
	t.Helper()
	out := make([]*report.Result, len(cfgs))
	errs := make(chan error, len(cfgs))
	for i, cfg := range cfgs {
		go func() {
			var err error
			out[i], err = loadgen.Run(context.Background(), cfg)
			errs <- err
		}()
	}
	for range cfgs {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	return out
}
