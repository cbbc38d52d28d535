package kubernetes

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// PortRangeSysctl is the sysctl each load pod sets: per network
// namespace, so each pod has its own range.
const PortRangeSysctl = "net.ipv4.ip_local_port_range"

// SafeSysctls are the sysctls every Kubernetes version still supported
// allows a pod by default (no kubelet --allowed-unsafe-sysctls): namespaced,
// and unable to touch the node or other pods. Newer versions allow more;
// the manifests keep to these so they run on any cluster.
var SafeSysctls = []string{
	"kernel.shm_rmid_forced",
	"net.ipv4.ip_local_port_range",
	"net.ipv4.ip_unprivileged_port_start",
	"net.ipv4.ping_group_range",
	"net.ipv4.tcp_syncookies",
}

// A Check is one invariant of the manifests.
type Check struct {
	Name string
	Fn   func(Manifests) error
}

// Checks are the invariants a distributed run relies on.
var Checks = []Check{
	{"indexed", checkIndexed},
	{"parallelism", checkParallelism},
	{"restart", checkRestart},
	{"backoff", checkBackoff},
	{"sysctl", checkSysctl},
	{"non-root", checkNonRoot},
	{"privilege", checkPrivilege},
	{"restricted", checkRestricted},
	{"shards", checkShardArgs},
	{"image", checkImage},
	{"memory", checkMemory},
	{"target", checkTarget},
}

// Validate runs every check and returns each failure, prefixed with the
// check's name.
func (m Manifests) Validate() error {
	if m.Job == nil || m.Echo == nil || m.Service == nil {
		return errors.New("missing: want a Job, a Deployment and a Service")
	}
	var errs []error
	for _, c := range Checks {
		if err := c.Fn(m); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", c.Name, err))
		}
	}
	return errors.Join(errs...)
}

func checkIndexed(m Manifests) error {
	if mode := m.Job.Spec.CompletionMode; mode == nil || *mode != "Indexed" {
		return fmt.Errorf("job %s: completionMode %s, want Indexed (each pod gets JOB_COMPLETION_INDEX)", m.Job.Name, str(mode))
	}
	return nil
}

func checkParallelism(m Manifests) error {
	p, c := m.Job.Spec.Parallelism, m.Job.Spec.Completions
	if p == nil || c == nil || *p != *c || *c < 1 {
		return fmt.Errorf("job %s: parallelism %s, completions %s: want equal and >= 1, so every shard runs at once",
			m.Job.Name, str(p), str(c))
	}
	return nil
}

func checkRestart(m Manifests) error {
	if rp := m.Job.Spec.Template.Spec.RestartPolicy; rp != corev1.RestartPolicyNever {
		return fmt.Errorf("job %s: restartPolicy %q, want Never (a shard restarted is another load)", m.Job.Name, rp)
	}
	return nil
}

func checkBackoff(m Manifests) error {
	if b := m.Job.Spec.BackoffLimit; b == nil || *b != 0 {
		return fmt.Errorf("job %s: backoffLimit %s, want 0 (the default retries 6 times)", m.Job.Name, str(b))
	}
	return nil
}

func checkSysctl(m Manifests) error {
	sc := m.Job.Spec.Template.Spec.SecurityContext
	if sc == nil {
		return fmt.Errorf("job %s: no pod securityContext, want sysctl %s", m.Job.Name, PortRangeSysctl)
	}
	found := false
	for _, s := range sc.Sysctls {
		if !slices.Contains(SafeSysctls, s.Name) {
			return fmt.Errorf("job %s: sysctl %s is not on Kubernetes' safe list: the kubelet rejects the pod", m.Job.Name, s.Name)
		}
		if s.Name != PortRangeSysctl {
			continue
		}
		found = true
		var lo, hi int
		if n, err := fmt.Sscanf(s.Value, "%d %d", &lo, &hi); err != nil || n != 2 {
			return fmt.Errorf("job %s: %s = %q, want 'LOW HIGH'", m.Job.Name, PortRangeSysctl, s.Value)
		}
		if err := checkPortRange(lo, hi); err != nil {
			return fmt.Errorf("job %s: %s: %w", m.Job.Name, PortRangeSysctl, err)
		}
	}
	if !found {
		return fmt.Errorf("job %s: no sysctl %s", m.Job.Name, PortRangeSysctl)
	}
	return nil
}

// pods are the pod specs of the manifests, by the name of their owner.
func (m Manifests) pods() map[string]*corev1.PodSpec {
	return map[string]*corev1.PodSpec{
		"job " + m.Job.Name:         &m.Job.Spec.Template.Spec,
		"deployment " + m.Echo.Name: &m.Echo.Spec.Template.Spec,
	}
}

// checkNonRoot: runAsNonRoot, and no uid 0, for every container (a
// container's own securityContext overrides the pod's).
func checkNonRoot(m Manifests) error {
	for owner, pod := range m.pods() {
		for _, c := range pod.Containers {
			nonRoot, uid := false, int64(-1)
			for _, sc := range []*corev1.SecurityContext{podLevel(pod.SecurityContext), c.SecurityContext} {
				if sc != nil && sc.RunAsNonRoot != nil {
					nonRoot = *sc.RunAsNonRoot
				}
				if sc != nil && sc.RunAsUser != nil {
					uid = *sc.RunAsUser
				}
			}
			if !nonRoot || uid == 0 {
				return fmt.Errorf("%s: container %s: runAsNonRoot %t, runAsUser %d: want non-root", owner, c.Name, nonRoot, uid)
			}
		}
	}
	return nil
}

// podLevel is the part of a pod's securityContext a container's may
// override.
func podLevel(p *corev1.PodSecurityContext) *corev1.SecurityContext {
	if p == nil {
		return nil
	}
	return &corev1.SecurityContext{RunAsNonRoot: p.RunAsNonRoot, RunAsUser: p.RunAsUser, SeccompProfile: p.SeccompProfile}
}

// checkRestricted checks what the restricted Pod Security Standard asks
// beyond non-root and no privilege: a seccomp profile, RuntimeDefault or
// Localhost (the container's, else the pod's), and no port of the node.
func checkRestricted(m Manifests) error {
	for owner, pod := range m.pods() {
		for _, c := range pod.Containers {
			var profile *corev1.SeccompProfile
			for _, sc := range []*corev1.SecurityContext{podLevel(pod.SecurityContext), c.SecurityContext} {
				if sc != nil && sc.SeccompProfile != nil {
					profile = sc.SeccompProfile
				}
			}
			if profile == nil || (profile.Type != corev1.SeccompProfileTypeRuntimeDefault && profile.Type != corev1.SeccompProfileTypeLocalhost) {
				return fmt.Errorf("%s: container %s: seccompProfile %+v, want RuntimeDefault (the restricted profile)", owner, c.Name, profile)
			}
			for _, p := range c.Ports {
				if p.HostPort != 0 {
					return fmt.Errorf("%s: container %s: hostPort %d: a port of the node", owner, c.Name, p.HostPort)
				}
			}
		}
	}
	return nil
}

func checkPrivilege(m Manifests) error {
	for owner, pod := range m.pods() {
		if pod.HostNetwork || pod.HostPID || pod.HostIPC {
			return fmt.Errorf("%s: shares the node's namespaces (hostNetwork/hostPID/hostIPC): the port range would be the node's", owner)
		}
		for _, c := range pod.Containers {
			sc := c.SecurityContext
			switch {
			case sc == nil:
				return fmt.Errorf("%s: container %s: no securityContext", owner, c.Name)
			case sc.Privileged != nil && *sc.Privileged:
				return fmt.Errorf("%s: container %s: privileged", owner, c.Name)
			case sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation:
				return fmt.Errorf("%s: container %s: allowPrivilegeEscalation %s, want false", owner, c.Name, str(sc.AllowPrivilegeEscalation))
			case sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") || len(sc.Capabilities.Add) > 0:
				return fmt.Errorf("%s: container %s: capabilities %+v, want drop ALL and add none", owner, c.Name, sc.Capabilities)
			}
		}
	}
	return nil
}

// loadArgs is the load container's command line, or nil.
func (m Manifests) loadArgs() (*corev1.Container, []string) {
	for i, c := range m.Job.Spec.Template.Spec.Containers {
		if c.Name == LoadContainer {
			return &m.Job.Spec.Template.Spec.Containers[i], append(slices.Clone(c.Command), c.Args...)
		}
	}
	return nil, nil
}

// flagValue is the value of --name in args (as --name V or --name=V).
func flagValue(args []string, name string) (string, bool) {
	for i, a := range args {
		if v, ok := strings.CutPrefix(a, name+"="); ok {
			return v, true
		}
		if a == name && i+1 < len(args) {
			return args[i+1], true
		}
	}
	return "", false
}

// checkShardArgs: each pod runs portlab load with --shards N for the N
// pods, takes its index from JOB_COMPLETION_INDEX (no --shard I/N, which
// would give every pod the same shard) and prints its result as JSON,
// the log line collect.sh reads.
func checkShardArgs(m Manifests) error {
	c, args := m.loadArgs()
	if c == nil {
		return fmt.Errorf("job %s: no container %q", m.Job.Name, LoadContainer)
	}
	if len(args) == 0 || args[0] != "load" {
		return fmt.Errorf("job %s: args %q, want portlab load", m.Job.Name, args)
	}
	n, ok := flagValue(args, "--shards")
	if want := str(m.Job.Spec.Completions); !ok || n != want {
		return fmt.Errorf("job %s: --shards %q, want the completions, %s", m.Job.Name, n, want)
	}
	if _, ok := flagValue(args, "--shard"); ok {
		return fmt.Errorf("job %s: --shard fixes one index for every pod; want JOB_COMPLETION_INDEX", m.Job.Name)
	}
	for _, e := range c.Env {
		if e.Name == "JOB_COMPLETION_INDEX" {
			return fmt.Errorf("job %s: env sets JOB_COMPLETION_INDEX, which the Job controller sets per pod", m.Job.Name)
		}
	}
	if !slices.Contains(args, "--json") {
		return fmt.Errorf("job %s: no --json: the pod's log must be its result", m.Job.Name)
	}
	return nil
}

func checkImage(m Manifests) error {
	var first string
	for owner, pod := range m.pods() {
		for _, c := range append(slices.Clone(pod.InitContainers), pod.Containers...) {
			if c.Image == "" {
				return fmt.Errorf("%s: container %s: no image", owner, c.Name)
			}
			if first == "" {
				first = c.Image
			}
			if c.Image != first {
				return fmt.Errorf("%s: container %s: image %q, want the one image %q", owner, c.Name, c.Image, first)
			}
		}
	}
	return nil
}

// checkMemory: each load pod's memory request covers its share of the
// connections at the measured cost (manifests.go), the echo server's all
// of them, and each limit is at least its request.
func checkMemory(m Manifests) error {
	_, args := m.loadArgs()
	conns := 16 // portlab load's default --concurrency
	for _, name := range []string{"--concurrency", "-c"} {
		if v, ok := flagValue(args, name); ok {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return fmt.Errorf("job %s: %s %q, want a number of connections", m.Job.Name, name, v)
			}
			conns = n
		}
	}
	shards := int(*m.Job.Spec.Completions)
	need := map[string]int64{
		LoadContainer: LoadMemoryMiB((conns + shards - 1) / shards),
		EchoContainer: EchoMemoryMiB(conns),
	}
	for owner, pod := range m.pods() {
		for _, c := range pod.Containers {
			req, lim := c.Resources.Requests.Memory(), c.Resources.Limits.Memory()
			want := need[c.Name] << 20
			if req.Value() < want || lim.Value() < req.Value() {
				return fmt.Errorf("%s: container %s: memory request %s, limit %s: want a request >= %d MiB and a limit >= it",
					owner, c.Name, req, lim, need[c.Name])
			}
		}
	}
	return nil
}

// checkTarget: a load aimed at the in-cluster echo server names its
// Service and port, and the Service selects the echo pods.
func checkTarget(m Manifests) error {
	tmpl := m.Echo.Spec.Template.Labels
	for k, v := range m.Service.Spec.Selector {
		if tmpl[k] != v {
			return fmt.Errorf("service %s: selector %v does not select deployment %s's pods %v", m.Service.Name, m.Service.Spec.Selector, m.Echo.Name, tmpl)
		}
	}
	if len(m.Service.Spec.Selector) == 0 {
		return fmt.Errorf("service %s: no selector", m.Service.Name)
	}
	_, args := m.loadArgs()
	target, _ := flagValue(args, "--target")
	host, port, err := net.SplitHostPort(target)
	if err != nil {
		return fmt.Errorf("job %s: --target %q: %v", m.Job.Name, target, err)
	}
	if host != m.Service.Name && !strings.HasPrefix(host, m.Service.Name+".") {
		return nil // a target outside the cluster
	}
	for _, sp := range m.Service.Spec.Ports {
		if strconv.Itoa(int(sp.Port)) == port {
			return nil
		}
	}
	return fmt.Errorf("job %s: --target %s: service %s has no port %s", m.Job.Name, target, m.Service.Name, port)
}

// str prints an optional value, or "unset".
func str[T any](p *T) string {
	if p == nil {
		return "unset"
	}
	return fmt.Sprint(*p)
}
