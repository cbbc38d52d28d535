package loadgen

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/portlab/portlab/echo"
)

// selfSigned makes a self-signed certificate for 127.0.0.1 and writes it,
// PEM, to a file: the server's config and the file for --cacert.
func selfSigned(t *testing.T) (*tls.Config, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "portlab test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert := tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	return &tls.Config{Certificates: []tls.Certificate{cert}}, path
}

// TestHTTPS runs against a real TLS server on loopback with a certificate
// no system trusts: the run must refuse it, before the load and saying
// what to do, unless --cacert names it or --insecure is given.
func TestHTTPS(t *testing.T) {
	serverTLS, caFile := selfSigned(t)
	_, otherCA := selfSigned(t)
	tests := []struct {
		name     string
		cacert   string
		insecure bool
		ok       bool
	}{
		{"system roots", "", false, false},
		{"another CA", otherCA, false, false},
		{"cacert", caFile, false, true},
		{"insecure", "", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, url := startHeaderServer(t, serverTLS)
			cfg := httpConfig(url)
			cfg.Concurrency, cfg.Requests = 2, 10
			cfg.CACert, cfg.Insecure = tt.cacert, tt.insecure
			cfg.Header = []string{"X-Portlab-Test: tls"}
			res, err := Run(context.Background(), cfg)
			srv.mu.Lock()
			defer srv.mu.Unlock()
			if !tt.ok {
				var verify *tls.CertificateVerificationError
				if !errors.As(err, &verify) || !strings.Contains(err.Error(), "--cacert") {
					t.Fatalf("Run() = %v, want a certificate verification error that names --cacert", err)
				}
				if len(srv.seen) != 0 {
					t.Errorf("server saw %d requests, want none", len(srv.seen))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.Totals.RequestsOK != cfg.Requests || int64(len(srv.seen)) != cfg.Requests {
				t.Fatalf("ok = %d, server saw %d, want %d each (errors %v)", res.Totals.RequestsOK, len(srv.seen), cfg.Requests, res.Errors)
			}
			for i, h := range srv.seen {
				if h.Get("X-Portlab-Test") != "tls" {
					t.Errorf("request %d: X-Portlab-Test = %q, want tls", i, h.Get("X-Portlab-Test"))
				}
			}
		})
	}
}

// TestHTTPSEcho runs against portlab's own echo serving HTTPS with its
// self-signed certificate: refused unless --insecure; with it, a TLS
// connection per request under keep-alive off, counted on both ends.
func TestHTTPSEcho(t *testing.T) {
	for _, insecure := range []bool{false, true} {
		t.Run(fmt.Sprintf("insecure=%t", insecure), func(t *testing.T) {
			srv := startHTTPEcho(t, func(c *echo.Config) { c.TLS = true })
			cfg := httpConfig("https://" + srv.Addr().String() + "/")
			cfg.Mode, cfg.Concurrency, cfg.Requests, cfg.Insecure = ModeNew, 2, 40, insecure
			res, err := Run(context.Background(), cfg)
			if !insecure {
				var verify *tls.CertificateVerificationError
				if !errors.As(err, &verify) {
					t.Fatalf("Run() = %v, want a certificate verification error", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tot := res.Totals
			if tot.RequestsOK != cfg.Requests || tot.ConnectionsOpened != cfg.Requests {
				t.Fatalf("ok = %d on %d connections, want %d on as many (errors %v)", tot.RequestsOK, tot.ConnectionsOpened, cfg.Requests, res.Errors)
			}
			if want := cfg.Requests * int64(cfg.Payload); tot.BytesSent != want || tot.BytesReceived != want {
				t.Errorf("bytes sent %d, received %d, want %d each", tot.BytesSent, tot.BytesReceived, want)
			}
			// The two preflights (TCP, then a TLS handshake) made two more.
			srv.Close()
			if accepted := srv.Stats().Accepted - 2; accepted != tot.ConnectionsOpened {
				t.Errorf("server accepted %d connections besides the preflights, client counted %d", accepted, tot.ConnectionsOpened)
			}
			checkConsistent(t, res)
		})
	}
}
