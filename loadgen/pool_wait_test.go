package loadgen

import (
	"context"
	"testing"
	"time"

	"github.com/portlab/portlab/echo"
	"github.com/portlab/portlab/echo/echotest"
)

// Workers still waiting for a pooled connection when the run stops never
// started a request: only the one on the connection can be in flight.
func TestPoolWaitersAreNotStarted(t *testing.T) {
	srv := echotest.Start(t, func(c *echo.Config) { c.Delay = 2 * time.Second })
	cfg := testConfig(srv.Addr().String())
	cfg.Mode, cfg.PoolSize, cfg.Concurrency = ModePool, 1, 8
	cfg.Duration, cfg.Timeout = 300*time.Millisecond, 10*time.Second
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	tot := res.Totals
	if tot.RequestsStarted != tot.RequestsOK+tot.RequestsFailed+tot.RequestsIncomplete {
		t.Errorf("totals do not add up: %+v", tot)
	}
	if tot.RequestsIncomplete > 1 || tot.RequestsStarted > 1 {
		t.Errorf("started %d, incomplete %d; want at most the one request on the pooled connection", tot.RequestsStarted, tot.RequestsIncomplete)
	}
}
