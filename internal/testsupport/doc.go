// Package testsupport holds the helpers portlab's tests share, so each is
// written once: building the real portlab binary, running a test as an
// ordinary user (uid 65534) to exercise the rootless path, checking that a
// child dies with its parent (Pdeathsig), loopback servers that read each
// connection to EOF, golden files, and skipping a test for a missing
// facility unless the environment demands it.
//
// It imports only the standard library and internal/netns, so the
// in-package tests of every platform helper (ports, sockstate) can use it
// without an import cycle. It must never import echo, loadgen or report.
package testsupport
