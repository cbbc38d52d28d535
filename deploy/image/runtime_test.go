package main

import (
	"archive/tar"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/portlab/portlab/deploy/kubernetes"
	"github.com/portlab/portlab/report"
)

// checkUnderRuntime runs the image with runc, the OCI runtime under
// containerd and CRI-O, as the manifests ask a kubelet to: the image's
// own entrypoint and user, no capability, no new privileges, a read-only
// root, its own network namespace with the load Job's sysctls. The echo
// server runs with the echo Deployment's arguments; a load is exec'd
// beside it and must complete and see the port range the Job sets.
func checkUnderRuntime(t *testing.T, ctx context.Context, img v1.Image) {
	runc, err := exec.LookPath("runc")
	if err == nil && os.Geteuid() != 0 {
		err = errors.New("not root")
	}
	if err != nil {
		if os.Getenv("PORTLAB_REQUIRE_NETNS") == "1" {
			t.Fatalf("runc: %v (CI must run the image)", err)
		}
		t.Skipf("runc: %v", err)
	}
	m, err := kubernetes.Generate(kubernetes.DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	bundle := t.TempDir()
	if err := extractRootfs(img, filepath.Join(bundle, "rootfs")); err != nil {
		t.Fatal(err)
	}
	writeRuntimeSpec(t, ctx, runc, bundle, img, m)
	deleteStale(ctx, runc)
	id := fmt.Sprintf("%s%d", containerPrefix, os.Getpid())
	// The detached container keeps runc's stdout and stderr: a file, not
	// a pipe that would never reach EOF.
	logPath := filepath.Join(bundle, "container.log")
	log, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	run := exec.CommandContext(ctx, runc, "run", "--detach", "--bundle", bundle, id)
	run.Stdout, run.Stderr = log, log
	if err := run.Run(); err != nil {
		out, _ := os.ReadFile(logPath)
		t.Fatalf("runc run: %v\n%s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command(runc, "delete", "--force", id).CombinedOutput(); err != nil {
			t.Errorf("runc delete: %v\n%s", err, out)
		}
	})
	checkInitProcess(t, ctx, runc, id)
	res := loadInContainer(t, ctx, runc, id)
	if got := res.Totals.RequestsOK; got != 200 {
		t.Errorf("load in the container: %d requests OK, want 200", got)
	}
	want := m.Job.Spec.Template.Spec.SecurityContext.Sysctls[0].Value
	if got := fmt.Sprintf("%d %d", res.Environment.IPLocalPortRange[0], res.Environment.IPLocalPortRange[1]); got != want {
		t.Errorf("load in the container saw ip_local_port_range %q, want the Job's %q", got, want)
	}
}

// containerPrefix, and the test process's pid, name its container.
const containerPrefix = "portlab-image-test-"

// deleteStale deletes the containers of earlier runs of this test that
// were killed before their cleanup ran (a go test timeout): each would
// keep its echo server running. A container whose test process still
// runs (or whose pid is reused) is left alone.
func deleteStale(ctx context.Context, runc string) {
	out, err := exec.CommandContext(ctx, runc, "list", "-q").Output()
	if err != nil {
		return
	}
	for _, id := range strings.Fields(string(out)) {
		pid, ok := strings.CutPrefix(id, containerPrefix)
		n, err := strconv.Atoi(pid)
		if !ok || err != nil {
			continue
		}
		if p, err := os.FindProcess(n); err == nil && p.Signal(syscall.Signal(0)) == nil {
			continue // its test is running
		}
		_ = exec.CommandContext(ctx, runc, "delete", "--force", id).Run()
	}
}

// writeRuntimeSpec edits runc's default spec into the pod's terms.
func writeRuntimeSpec(t *testing.T, ctx context.Context, runc, bundle string, img v1.Image, m kubernetes.Manifests) {
	t.Helper()
	if out, err := exec.CommandContext(ctx, runc, "spec", "--bundle", bundle).CombinedOutput(); err != nil {
		t.Fatalf("runc spec: %v\n%s", err, out)
	}
	path := filepath.Join(bundle, "config.json")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var spec map[string]any
	if err := json.Unmarshal(b, &spec); err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	uid, gid, _ := strings.Cut(cf.Config.User, ":")
	u, _ := strconv.Atoi(uid)
	g, _ := strconv.Atoi(gid)
	none := []string{}
	proc := spec["process"].(map[string]any)
	proc["terminal"] = false
	proc["args"] = append(cf.Config.Entrypoint, m.Echo.Spec.Template.Spec.Containers[0].Args...)
	proc["env"] = cf.Config.Env
	proc["cwd"] = cf.Config.WorkingDir
	proc["user"] = map[string]any{"uid": u, "gid": g}
	proc["noNewPrivileges"] = true
	proc["capabilities"] = map[string]any{"bounding": none, "effective": none, "permitted": none, "ambient": none}
	spec["root"].(map[string]any)["readonly"] = true
	sysctls := map[string]string{}
	for _, s := range m.Job.Spec.Template.Spec.SecurityContext.Sysctls {
		sysctls[s.Name] = s.Value
	}
	spec["linux"].(map[string]any)["sysctl"] = sysctls
	if b, err = json.Marshal(spec); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// checkInitProcess reads the container's first process from the host:
// the image's user is the one the manifests run as, and it has no
// effective capability.
func checkInitProcess(t *testing.T, ctx context.Context, runc, id string) {
	t.Helper()
	out, err := exec.CommandContext(ctx, runc, "state", id).Output()
	if err != nil {
		t.Fatalf("runc state: %v", err)
	}
	var st struct{ Pid int }
	if err := json.Unmarshal(out, &st); err != nil {
		t.Fatal(err)
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", st.Pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) > 1 && f[0] == "Uid:" && f[1] != strconv.Itoa(kubernetes.UID):
			t.Errorf("container's process: %s, want the manifests' runAsUser %d", line, kubernetes.UID)
		case len(f) > 1 && f[0] == "CapEff:" && strings.Trim(f[1], "0") != "":
			t.Errorf("container's process: %s, want none", line)
		}
	}
}

// loadInContainer runs a load inside the running container, once the
// echo server there accepts; a bounded number of tries.
func loadInContainer(t *testing.T, ctx context.Context, runc, id string) *report.Result {
	t.Helper()
	out := filepath.Join(t.TempDir(), "load.json")
	var stderr []byte
	for try := 0; try < 50; try++ {
		cmd := exec.CommandContext(ctx, runc, "exec", id, Entrypoint, "load",
			"--target", fmt.Sprintf("127.0.0.1:%d", kubernetes.EchoPort), "-n", "200", "-c", "4", "--json", "--quiet")
		f, err := os.Create(out)
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stdout = f
		stderr = nil
		cmd.Stderr = writerFunc(func(p []byte) { stderr = append(stderr, p...) })
		err = cmd.Run()
		f.Close()
		if err == nil {
			res, err := report.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			return res
		}
		time.Sleep(200 * time.Millisecond) // the echo server may not listen yet
	}
	t.Fatalf("load in the container never succeeded: %s", stderr)
	return nil
}

type writerFunc func([]byte)

func (w writerFunc) Write(p []byte) (int, error) { w(p); return len(p), nil }

// extractRootfs unpacks the image's layers into dir, as a runtime's
// snapshotter would.
func extractRootfs(img v1.Image, dir string) error {
	return walkLayers(img, func(h *tar.Header, r io.Reader) error {
		path := filepath.Join(dir, filepath.FromSlash(h.Name))
		if !strings.HasPrefix(path, filepath.Clean(dir)+string(filepath.Separator)) {
			return fmt.Errorf("layer entry %q leaves the root", h.Name)
		}
		switch h.Typeflag {
		case tar.TypeDir:
			return os.MkdirAll(path, os.FileMode(h.Mode)&os.ModePerm)
		case tar.TypeReg:
			return writeEntry(path, r, os.FileMode(h.Mode)&os.ModePerm)
		}
		return fmt.Errorf("layer entry %q: type %c not expected", h.Name, h.Typeflag)
	})
}

func writeEntry(path string, r io.Reader, mode os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
