package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/portlab/portlab/internal/testsupport"
)

// TestCurlEchoHTTP has the real curl POST to `portlab echo --protocol http`
// and checks that it gets the body back byte for byte: what a user tries
// first, with a client that is not Go's.
func TestCurlEchoHTTP(t *testing.T) {
	curl, err := exec.LookPath("curl")
	testsupport.Require(t, testsupport.EnvRequireNetns, err)
	url := startCLIEcho(t, "--protocol", "http", "--listen", "127.0.0.1:0")
	dir := t.TempDir()
	tests := []struct {
		name  string
		size  int
		extra []string
	}{
		{"text", 11, nil},
		{"binary 64 KiB", 64 << 10, nil},
		// Above 1 MiB curl asks "Expect: 100-continue" first.
		{"binary 2 MiB", 2 << 20, nil},
		{"chunked", 100 << 10, []string{"-H", "Transfer-Encoding: chunked"}},
		{"empty", 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := make([]byte, tt.size)
			for i := range in {
				in[i] = byte(rand.Uint())
			}
			inFile, outFile := filepath.Join(dir, "in"), filepath.Join(dir, "out")
			if err := os.WriteFile(inFile, in, 0o600); err != nil {
				t.Fatal(err)
			}
			args := append([]string{"-sS", "--fail", "--noproxy", "*", "--data-binary", "@" + inFile,
				"-H", "Content-Type: application/octet-stream", "-o", outFile, "-w", "%{http_code}"}, tt.extra...)
			out, err := exec.Command(curl, append(args, url+"/echo")...).CombinedOutput()
			if err != nil || string(out) != "200" {
				t.Fatalf("curl: %v: %s", err, out)
			}
			got, err := os.ReadFile(outFile)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, in) {
				t.Errorf("curl got %d bytes back, want the %d sent", len(got), len(in))
			}
		})
	}
	t.Run("GET keeps the connection", func(t *testing.T) {
		out, err := exec.Command(curl, "-sS", "--fail", "--noproxy", "*", "-o", "/dev/null", "-o", "/dev/null",
			"-w", "%{size_download} %{num_connects}\n", url+"/a", url+"/b").CombinedOutput()
		if err != nil || string(out) != "32 1\n32 0\n" {
			t.Errorf("curl: %v: %q, want two 32-byte answers on one connection", err, out)
		}
	})
}

// startCLIEcho runs `portlab echo ARGS` in-process until the test ends and
// returns its http:// URL.
func startCLIEcho(t *testing.T, args ...string) string {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		code := runContext(ctx, append([]string{"echo"}, args...), pw, io.Discard)
		pw.Close()
		done <- code
	}()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != exitOK {
			t.Errorf("portlab echo exited %d", code)
		}
	})
	sc := bufio.NewScanner(pr)
	if !sc.Scan() || !strings.HasPrefix(sc.Text(), "listening on ") {
		t.Fatalf("portlab echo did not start: %q", sc.Text())
	}
	go io.Copy(io.Discard, pr) // the final statistics line
	return "http://" + strings.TrimPrefix(sc.Text(), "listening on ")
}
