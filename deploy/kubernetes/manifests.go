package kubernetes

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Manifests are the objects a distributed run needs.
type Manifests struct {
	Job     *batchv1.Job       // the load: one pod per shard
	Echo    *appsv1.Deployment // the in-cluster echo server
	Service *corev1.Service    // its stable name for the load's --target
}

// Memory per pod, from portlab's measured RSS per keep-alive connection
// (README, Performance; loopback, RSS / connections): 19.3 kB at 1,000
// connections, 7.3 kB at 5,000, 5.8 kB at 10,000. About 12 MB of it is
// the binary's pages, a fixed cost; the rest is ~4.2 kB per connection.
// So a load pod requests 32 MiB (binary, runtime, one histogram set per
// CPU) + 8 KiB per connection of its share (the ~4.2 kB measured, or a
// new-connection worker's 8 kB stack): 1,000 connections -> 40 MiB for
// the 19.3 MB measured, 10,000 -> 111 MiB for 58 MB. The limit is twice
// the request: socket buffers are charged to the pod's cgroup too, and
// the garbage collector needs room. The echo server's cost was not
// measured: it gets twice the client's per-connection figure.
const (
	loadBaseBytes     = 32 << 20
	loadPerConnBytes  = 8 << 10
	echoBaseBytes     = 32 << 20
	echoPerConnBytes  = 16 << 10
	memoryLimitFactor = 2
)

// mebibytes rounds bytes up to whole MiB, the unit the manifests show.
func mebibytes(b int64) int64 { return (b + 1<<20 - 1) >> 20 }

// LoadMemoryMiB is the memory request of a load pod with conns
// connections.
func LoadMemoryMiB(conns int) int64 {
	return mebibytes(loadBaseBytes + int64(conns)*loadPerConnBytes)
}

// EchoMemoryMiB is the memory request of the echo server holding conns
// connections (every shard's).
func EchoMemoryMiB(conns int) int64 {
	return mebibytes(echoBaseBytes + int64(conns)*echoPerConnBytes)
}

// Generate makes the manifests from p.
func Generate(p Params) (Manifests, error) {
	if err := p.Validate(); err != nil {
		return Manifests{}, err
	}
	return Manifests{Job: loadJob(p), Echo: echoDeployment(p), Service: echoService()}, nil
}

// loadJob is the Indexed Job: N pods at once, each a shard. backoffLimit 0
// and restartPolicy Never because a shard run twice is not the same load:
// a failed pod fails the Job (which stops the other pods) rather than be
// retried at another time.
func loadJob(p Params) *batchv1.Job {
	labels := map[string]string{NameLabel: JobName}
	mode := batchv1.IndexedCompletion
	spec := hardenedPod(corev1.Container{
		Name:      LoadContainer,
		Image:     p.Image,
		Args:      p.LoadArgs(),
		Resources: memoryResources(LoadMemoryMiB(p.PerShard()), p.CPU),
	})
	spec.RestartPolicy = corev1.RestartPolicyNever
	// Each pod has its own network namespace: this range is its own, so
	// N pods have N times the ports toward the one destination.
	spec.SecurityContext.Sysctls = []corev1.Sysctl{{
		Name:  PortRangeSysctl,
		Value: fmt.Sprintf("%d %d", p.PortRange[0], p.PortRange[1]),
	}}
	// Spread over nodes when there are several: the point of many pods is
	// many hosts' cores and NICs. ScheduleAnyway keeps one node working.
	spec.TopologySpreadConstraints = []corev1.TopologySpreadConstraint{{
		MaxSkew:           1,
		TopologyKey:       "kubernetes.io/hostname",
		WhenUnsatisfiable: corev1.ScheduleAnyway,
		LabelSelector:     &metav1.LabelSelector{MatchLabels: labels},
	}}
	return &batchv1.Job{
		TypeMeta:   metav1.TypeMeta{APIVersion: "batch/v1", Kind: "Job"},
		ObjectMeta: metav1.ObjectMeta{Name: JobName, Labels: labels},
		Spec: batchv1.JobSpec{
			CompletionMode: &mode,
			Completions:    ptr(int32(p.Shards)),
			Parallelism:    ptr(int32(p.Shards)),
			BackoffLimit:   ptr(int32(0)),
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       spec,
			},
		},
	}
}

func echoDeployment(p Params) *appsv1.Deployment {
	labels := map[string]string{NameLabel: EchoName}
	c := corev1.Container{
		Name:  EchoContainer,
		Image: p.Image,
		Args:  []string{"echo", "--listen", fmt.Sprintf("0.0.0.0:%d", EchoPort)},
		Ports: []corev1.ContainerPort{{Name: "echo", ContainerPort: EchoPort, Protocol: corev1.ProtocolTCP}},
		ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{
			TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(EchoPort)},
		}},
		Resources: memoryResources(EchoMemoryMiB(p.Concurrency), p.CPU),
	}
	return &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{Name: EchoName, Labels: labels},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr(int32(1)),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       hardenedPod(c),
			},
		},
	}
}

func echoService() *corev1.Service {
	labels := map[string]string{NameLabel: EchoName}
	return &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: metav1.ObjectMeta{Name: EchoName, Labels: labels},
		Spec: corev1.ServiceSpec{
			Selector: labels,
			Ports: []corev1.ServicePort{{
				Name: "echo", Port: EchoPort, TargetPort: intstr.FromString("echo"), Protocol: corev1.ProtocolTCP,
			}},
		},
	}
}

// hardenedPod runs c as the image's non-root user with no privilege, no
// capability and a read-only root: portlab needs none of them in a pod
// (the port range comes from the pod's sysctls, not from a capability).
func hardenedPod(c corev1.Container) corev1.PodSpec {
	c.ImagePullPolicy = corev1.PullIfNotPresent
	c.SecurityContext = &corev1.SecurityContext{
		Privileged:               ptr(false),
		AllowPrivilegeEscalation: ptr(false),
		ReadOnlyRootFilesystem:   ptr(true),
		Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
	}
	return corev1.PodSpec{
		AutomountServiceAccountToken: ptr(false),
		EnableServiceLinks:           ptr(false),
		SecurityContext: &corev1.PodSecurityContext{
			RunAsNonRoot:   ptr(true),
			RunAsUser:      ptr(int64(UID)),
			RunAsGroup:     ptr(int64(UID)),
			SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
		},
		Containers: []corev1.Container{c},
	}
}

// memoryResources requests mib of memory and cpu, and limits memory only:
// a CPU limit would throttle the client in bursts, which shows up as
// latency it then reports as the server's.
func memoryResources(mib int64, cpu string) corev1.ResourceRequirements {
	return corev1.ResourceRequirements{
		Requests: corev1.ResourceList{
			corev1.ResourceCPU:    resource.MustParse(cpu),
			corev1.ResourceMemory: *resource.NewQuantity(mib<<20, resource.BinarySI),
		},
		Limits: corev1.ResourceList{
			corev1.ResourceMemory: *resource.NewQuantity(memoryLimitFactor*mib<<20, resource.BinarySI),
		},
	}
}

func ptr[T any](v T) *T { return &v }
