package exporter_test

import (
	"log"
	"net/http"

	"github.com/portlab/portlab/exporter"
)

// Serve this host's ephemeral-port usage on :9101/metrics, naming the 10
// busiest destinations, as `portlab ports --serve :9101` does.
func ExampleHandler() {
	h, err := exporter.Handler(exporter.NewPortsCollector(10))
	if err != nil {
		log.Fatal(err)
	}
	log.Fatal(http.ListenAndServe(":9101", h))
}
