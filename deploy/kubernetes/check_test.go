package kubernetes

import (
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

func loadContainer(m *Manifests) *corev1.Container {
	c, _ := m.loadArgs()
	return c
}

func setArg(m *Manifests, name, value string) {
	c := loadContainer(m)
	for i, a := range c.Args {
		if a == name {
			c.Args[i+1] = value
			return
		}
	}
	c.Args = append(c.Args, name, value)
}

// dropArg removes flag name and its value, if it has one.
func dropArg(m *Manifests, name string) {
	c := loadContainer(m)
	for i, a := range c.Args {
		if a != name {
			continue
		}
		end := i + 1
		if end < len(c.Args) && !strings.HasPrefix(c.Args[end], "-") {
			end++
		}
		c.Args = append(c.Args[:i], c.Args[end:]...)
		return
	}
}

// brokenCases break a copy of the default manifests one way each, and
// name the check that must catch it.
var brokenCases = []struct {
	check string
	brk   func(m *Manifests)
}{
	{"indexed", func(m *Manifests) { m.Job.Spec.CompletionMode = ptr(batchv1.NonIndexedCompletion) }},
	{"indexed", func(m *Manifests) { m.Job.Spec.CompletionMode = nil }},
	{"parallelism", func(m *Manifests) { m.Job.Spec.Parallelism = ptr(int32(2)) }},
	{"parallelism", func(m *Manifests) { m.Job.Spec.Parallelism = nil }},
	{"restart", func(m *Manifests) { m.Job.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyOnFailure }},
	{"backoff", func(m *Manifests) { m.Job.Spec.BackoffLimit = nil }},
	{"backoff", func(m *Manifests) { m.Job.Spec.BackoffLimit = ptr(int32(6)) }},
	{"sysctl", func(m *Manifests) { m.Job.Spec.Template.Spec.SecurityContext.Sysctls = nil }},
	{"sysctl", func(m *Manifests) { m.Job.Spec.Template.Spec.SecurityContext.Sysctls[0].Value = "65535 1024" }},
	{"sysctl", func(m *Manifests) { m.Job.Spec.Template.Spec.SecurityContext.Sysctls[0].Value = "1024" }},
	{"sysctl", func(m *Manifests) {
		sc := m.Job.Spec.Template.Spec.SecurityContext
		sc.Sysctls = append(sc.Sysctls, corev1.Sysctl{Name: "net.ipv4.tcp_tw_reuse", Value: "1"})
	}},
	{"non-root", func(m *Manifests) { m.Job.Spec.Template.Spec.SecurityContext.RunAsNonRoot = nil }},
	{"non-root", func(m *Manifests) { m.Echo.Spec.Template.Spec.Containers[0].SecurityContext.RunAsUser = ptr(int64(0)) }},
	{"non-root", func(m *Manifests) { loadContainer(m).SecurityContext.RunAsNonRoot = ptr(false) }},
	{"privilege", func(m *Manifests) { loadContainer(m).SecurityContext.Privileged = ptr(true) }},
	{"privilege", func(m *Manifests) { loadContainer(m).SecurityContext.AllowPrivilegeEscalation = nil }},
	{"privilege", func(m *Manifests) { m.Echo.Spec.Template.Spec.Containers[0].SecurityContext.Capabilities.Drop = nil }},
	{"privilege", func(m *Manifests) {
		loadContainer(m).SecurityContext.Capabilities.Add = []corev1.Capability{"NET_ADMIN"}
	}},
	{"privilege", func(m *Manifests) { m.Job.Spec.Template.Spec.HostNetwork = true }},
	{"restricted", func(m *Manifests) { m.Job.Spec.Template.Spec.SecurityContext.SeccompProfile = nil }},
	{"restricted", func(m *Manifests) {
		m.Echo.Spec.Template.Spec.SecurityContext.SeccompProfile.Type = corev1.SeccompProfileTypeUnconfined
	}},
	{"restricted", func(m *Manifests) { m.Echo.Spec.Template.Spec.Containers[0].Ports[0].HostPort = 7777 }},
	{"shards", func(m *Manifests) { setArg(m, "--shards", "3") }},
	{"shards", func(m *Manifests) { dropArg(m, "--shards") }},
	{"shards", func(m *Manifests) { setArg(m, "--shard", "1/4") }},
	{"shards", func(m *Manifests) { dropArg(m, "--json") }},
	{"shards", func(m *Manifests) { loadContainer(m).Args[0] = "run" }},
	{"shards", func(m *Manifests) {
		c := loadContainer(m)
		c.Env = append(c.Env, corev1.EnvVar{Name: "JOB_COMPLETION_INDEX", Value: "0"})
	}},
	{"image", func(m *Manifests) { m.Echo.Spec.Template.Spec.Containers[0].Image = "portlab:old" }},
	{"memory", func(m *Manifests) { setArg(m, "--concurrency", "40000") }},
	{"memory", func(m *Manifests) { setArg(m, "--concurrency", "many") }},
	{"memory", func(m *Manifests) { dropArg(m, "--concurrency"); setArg(m, "-c", "40000") }},
	{"memory", func(m *Manifests) { delete(loadContainer(m).Resources.Limits, corev1.ResourceMemory) }},
	{"memory", func(m *Manifests) {
		m.Echo.Spec.Template.Spec.Containers[0].Resources.Requests[corev1.ResourceMemory] = resource.MustParse("8Mi")
	}},
	{"target", func(m *Manifests) { setArg(m, "--target", EchoName+":8080") }},
	{"target", func(m *Manifests) { setArg(m, "--target", EchoName) }},
	{"target", func(m *Manifests) { m.Service.Spec.Selector = map[string]string{NameLabel: "other"} }},
}

// TestChecksCatch breaks a copy of the default manifests one way at a
// time and wants the check named for it to fail, and only that one.
func TestChecksCatch(t *testing.T) {
	covered := map[string]bool{}
	for _, tc := range brokenCases {
		covered[tc.check] = true
		m, err := Generate(DefaultParams())
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Validate(); err != nil {
			t.Fatalf("unbroken: %v", err)
		}
		tc.brk(&m)
		err = m.Validate()
		if err == nil {
			t.Errorf("%s: broken manifests pass", tc.check)
			continue
		}
		lines := strings.Split(err.Error(), "\n")
		if len(lines) != 1 || !strings.HasPrefix(lines[0], tc.check+": ") {
			t.Errorf("broken for %s: got %q, want that check alone to fail", tc.check, lines)
		}
	}
	for _, c := range Checks {
		if !covered[c.Name] {
			t.Errorf("check %s: no case breaks it", c.Name)
		}
	}
}

// TestDecodeStrict: a field the API types do not have, a key given
// twice, a kind the manifests do not use and a second Job are errors,
// not silently dropped.
func TestDecodeStrict(t *testing.T) {
	good, err := Generate(DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	files, err := Render(good, DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	load := string(files[LoadFile])
	for _, tc := range []struct {
		name, yaml, want string
	}{
		{"misspelt field", strings.Replace(load, "completionMode:", "completionsMode:", 1), "unknown field"},
		{"misplaced field", strings.Replace(load, "      restartPolicy: Never", "      restartPolicy: Never\n      parallelism: 4", 1), "unknown field"},
		{"misplaced sysctls", strings.Replace(load, "          allowPrivilegeEscalation: false",
			"          allowPrivilegeEscalation: false\n          sysctls: []", 1), "unknown field"},
		{"duplicate key", strings.Replace(load, "  backoffLimit: 0", "  backoffLimit: 0\n  backoffLimit: 3", 1), "already set"},
		{"wrong type", strings.Replace(load, "  backoffLimit: 0", "  backoffLimit: none", 1), "backoffLimit"},
		{"other kind", strings.Replace(load, "kind: Job", "kind: CronJob", 1), "not one of"},
		{"old apiVersion", strings.Replace(load, "apiVersion: batch/v1", "apiVersion: batch/v1beta1", 1), "not one of"},
		{"two jobs", load + "---\n" + load, "second object"},
	} {
		if tc.yaml == load {
			t.Fatalf("%s: the mutation did not apply", tc.name)
		}
		var m Manifests
		err := Decode(LoadFile, []byte(tc.yaml), &m)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one saying %q", tc.name, err, tc.want)
		}
	}
	var m Manifests
	if err := Decode(LoadFile, []byte(load), &m); err != nil {
		t.Errorf("unbroken: %v", err)
	}
}
