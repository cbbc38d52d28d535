// Command gen writes portlab's Kubernetes manifests (the Indexed Job of
// load shards, the echo Deployment and its Service) for a number of
// shards, a target and a rate: to stdout for kubectl apply -f -, or with
// -o into a directory. Run from the module's root:
//
//	go run ./deploy/kubernetes/gen -shards 8 -rate 8000 | kubectl apply -f -
//	go run ./deploy/kubernetes/gen -o deploy/kubernetes   # the committed defaults
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/portlab/portlab/deploy/kubernetes"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	p := kubernetes.DefaultParams()
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&p.Shards, "shards", p.Shards, "pods, one shard each (the Job's parallelism and completions)")
	fs.StringVar(&p.Target, "target", p.Target, "HOST:PORT every shard loads (default: the in-cluster echo Service)")
	fs.StringVar(&p.Mode, "mode", p.Mode, "portlab load --mode")
	fs.Float64Var(&p.Rate, "rate", p.Rate, "requests per second, all shards together (0 = closed loop)")
	fs.IntVar(&p.Concurrency, "concurrency", p.Concurrency, "workers or requests in flight, all shards together")
	fs.Int64Var(&p.Requests, "requests", p.Requests, "requests, all shards together (0 = for -duration)")
	fs.DurationVar(&p.Duration, "duration", p.Duration, "how long each shard runs")
	fs.StringVar(&p.StartAt, "start-at", p.StartAt, "RFC 3339 instant every shard starts at (after all pods are up)")
	fs.StringVar(&p.Image, "image", p.Image, "image of every container")
	fs.StringVar(&p.CPU, "cpu", p.CPU, "CPU request of each pod")
	fs.Func("port-range", "net.ipv4.ip_local_port_range of each load pod, 'LOW HIGH' (default '1024 65535')", func(s string) error {
		_, err := fmt.Sscanf(s, "%d %d", &p.PortRange[0], &p.PortRange[1])
		return err
	})
	out := fs.String("o", "", "write "+kubernetes.EchoFile+" and "+kubernetes.LoadFile+" into this directory instead of stdout")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "gen: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	m, err := kubernetes.Generate(p)
	if err != nil {
		fmt.Fprintf(stderr, "gen: %v\n", err)
		return 2
	}
	files, err := kubernetes.Render(m, p)
	if err == nil {
		err = write(files, *out, stdout)
	}
	if err != nil {
		fmt.Fprintf(stderr, "gen: %v\n", err)
		return 1
	}
	return 0
}

// write puts the files into dir (made if missing), or all on w as one
// stream of documents.
func write(files map[string][]byte, dir string, w io.Writer) error {
	if dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	for i, name := range []string{kubernetes.EchoFile, kubernetes.LoadFile} {
		if dir != "" {
			if err := os.WriteFile(filepath.Join(dir, name), files[name], 0o644); err != nil {
				return err
			}
			continue
		}
		if i > 0 {
			if _, err := io.WriteString(w, "---\n"); err != nil {
				return err
			}
		}
		if _, err := w.Write(files[name]); err != nil {
			return err
		}
	}
	return nil
}
