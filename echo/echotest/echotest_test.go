package echotest_test

import (
	"io"
	"net"
	"testing"

	"github.com/portlab/portlab/echo"
	"github.com/portlab/portlab/echo/echotest"
)

func TestStartEchoes(t *testing.T) {
	srv := echotest.Start(t, func(c *echo.Config) { c.Payload = 4 })
	c, err := net.Dial("tcp", srv.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, 4)
	if _, err := io.ReadFull(c, got); err != nil || string(got) != "ping" {
		t.Fatalf("echo = %q, %v; want \"ping\"", got, err)
	}
}
