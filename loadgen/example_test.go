package loadgen_test

import (
	"context"
	"fmt"

	"github.com/portlab/portlab/echo"
	"github.com/portlab/portlab/loadgen"
)

// New sets the run up, so a bad target fails before any load; Run sends
// it. The options say what only the caller knows.
func ExampleNew() {
	scfg := echo.DefaultConfig()
	scfg.Listen = "127.0.0.1:0"
	srv, err := echo.New(scfg)
	if err != nil || srv.Start() != nil {
		fmt.Println("no echo server:", err)
		return
	}
	defer srv.Close()

	cfg := loadgen.DefaultConfig()
	cfg.Target, cfg.Mode, cfg.Requests = srv.Addr().String(), loadgen.ModeKeepAlive, 100
	r, err := loadgen.New(context.Background(), cfg, loadgen.WithVersion("v1.0.0"))
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := r.Run(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Totals.RequestsOK, "ok, stopped by", res.StopReason)
	// Output: 100 ok, stopped by requests
}
