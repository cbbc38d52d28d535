package echo_test

import (
	"fmt"
	"io"
	"net"

	"github.com/portlab/portlab/echo"
)

func ExampleNewServer() {
	cfg := echo.DefaultConfig()
	cfg.Listen = "127.0.0.1:0" // any free port
	cfg.Close = echo.CloseServer
	cfg.Payload = 5
	srv, err := echo.NewServer(cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()

	c, err := net.Dial("tcp", srv.Addr().String())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	if _, err := c.Write([]byte("hello")); err != nil {
		fmt.Println(err)
		return
	}
	// The server answers one Payload-sized request, then closes first.
	reply, err := io.ReadAll(c)
	fmt.Printf("%s %v\n", reply, err)
	// Output: hello <nil>
}
