// Package exporter exposes portlab's measurements as Prometheus metrics.
//
// [PortsCollector] reads the host's ephemeral-port usage on every scrape
// (sock_diag through internal/ports, never /proc text), so what Prometheus
// sees is the kernel's state at scrape time and nothing runs between
// scrapes: safe to leave running. Per-destination series are bounded: the
// busiest Top destinations by name, the rest folded into
// destination="other". [Handler] serves a registry of collectors on
// /metrics.
//
// Metric names start with portlab_ports_; deploy/prometheus holds the
// alert rules written against them.
package exporter
