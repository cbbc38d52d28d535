package config

import (
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/portlab/portlab/internal/regularfile"
)

// URL is Target as the URL to request; a bare HOST:PORT means
// http://HOST:PORT/.
func (c *Load) URL() (*url.URL, error) {
	if c.Target == "" {
		return nil, Errorf("target", "required (http://HOST:PORT/PATH or HOST:PORT)")
	}
	t := c.Target
	if !strings.Contains(t, "://") {
		t = "http://" + t
	}
	u, err := url.Parse(t)
	if err != nil {
		return nil, Errorf("target", "%q is not a URL: %v", c.Target, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, Errorf("target", "%q: only http:// and https:// URLs are supported", c.Target)
	}
	if u.Hostname() == "" {
		return nil, Errorf("target", "%q has no host", c.Target)
	}
	if err := validHost(u.Hostname()); err != nil {
		return nil, Errorf("target", "%q: %v", c.Target, err)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return nil, Errorf("target", "%q: port must be from 1 to 65535, got %s", c.Target, p)
		}
	}
	if u.Path == "" {
		u.Path = "/"
	}
	return u, nil
}

// HostPort is the address a URL's requests connect to.
func HostPort(u *url.URL) string {
	port := u.Port()
	switch {
	case port != "":
	case u.Scheme == "https":
		port = "443"
	default:
		port = "80"
	}
	return net.JoinHostPort(u.Hostname(), port)
}

// tokenRE matches an HTTP method (a token, RFC 9110 section 5.6.2).
var tokenRE = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")

func (c *Load) validateHTTP() error {
	switch {
	case c.Mode == ModePool:
		return Errorf("mode", "pool does not apply to --protocol http: the http.Transport is the pool "+
			"(--mode keepalive with --max-idle-per-host, --max-conns-per-host)")
	case c.RequestsPerConn > 0:
		return Errorf("requests_per_conn", "does not apply to --protocol http")
	case c.AwaitClose:
		return Errorf("await_close", "does not apply to --protocol http (the server's Connection: close decides who closes)")
	case c.Method != "" && !tokenRE.MatchString(c.Method):
		return Errorf("method", "%q is not an HTTP method", c.Method)
	case c.MaxIdlePerHost < 0:
		return Errorf("max_idle_per_host", "must be >= 0 (0 = Go's default, %d), got %d", http.DefaultMaxIdleConnsPerHost, c.MaxIdlePerHost)
	case c.MaxIdlePerHost > 0 && c.Mode == ModeNew:
		return Errorf("max_idle_per_host", "does not apply with keep-alive off (--mode new)")
	case c.MaxConnsPerHost < 0:
		return Errorf("max_conns_per_host", "must be >= 0 (0 = no limit), got %d", c.MaxConnsPerHost)
	}
	if _, err := c.RequestHeader(); err != nil {
		return err
	}
	if err := c.validateBodyFile(); err != nil {
		return err
	}
	if err := c.validateTLS(); err != nil {
		return err
	}
	return c.onlyFor(ProtocolHTTP)
}

// validateTLS checks CACert and Insecure, reading and parsing CACert so
// that a wrong file is the user's to fix before the run.
func (c *Load) validateTLS() error {
	if c.CACert == "" && !c.Insecure {
		return nil
	}
	u, err := c.URL()
	switch {
	case err != nil:
		return err
	case u.Scheme != "https" && c.CACert != "":
		return Errorf("cacert", "only applies to https:// targets, got %q", c.Target)
	case u.Scheme != "https":
		return Errorf("insecure", "only applies to https:// targets, got %q", c.Target)
	case c.Insecure && c.CACert != "":
		return Errorf("insecure", "skips the check --cacert sets up: give one or the other")
	}
	_, err = c.RootCAs()
	return err
}

// MaxCACert bounds the CACert file: a bundle of every public root is
// a quarter of it.
const MaxCACert = 1 << 20

// RootCAs is the certificate pool CACert holds: nil without CACert, which
// means the system's roots.
func (c *Load) RootCAs() (*x509.CertPool, error) {
	if c.CACert == "" {
		return nil, nil
	}
	pem, err := regularfile.Read(c.CACert, MaxCACert, "a CA certificate file", "give a PEM file")
	if err != nil {
		return nil, Errorf("cacert", "%v", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, Errorf("cacert", "%s holds no PEM certificate", c.CACert)
	}
	return pool, nil
}

// validateBodyFile checks BodyFile before the run, so a missing or wrong
// file is the user's to fix; the run reads it.
func (c *Load) validateBodyFile() error {
	if c.BodyFile == "" {
		return nil
	}
	if m := c.RequestMethod(); m == http.MethodGet || m == http.MethodHead {
		return Errorf("body_file", "--method %s sends no body", m)
	}
	st, err := os.Stat(c.BodyFile)
	switch {
	case err != nil:
		return Errorf("body_file", "%v", err)
	case !st.Mode().IsRegular():
		return Errorf("body_file", "%s is not a regular file", c.BodyFile)
	case st.Size() > MaxPayload:
		return Errorf("body_file", "%s is %d bytes, at most %d", c.BodyFile, st.Size(), MaxPayload)
	}
	return nil
}

// MaxHeaders bounds the Header knob: far more than any request needs.
const MaxHeaders = 100

// RequestHeader is Header parsed: each "Name: value" with Name a token and
// value free of control characters, blanks around the value trimmed.
func (c *Load) RequestHeader() (http.Header, error) {
	if len(c.Header) > MaxHeaders {
		return nil, Errorf("header", "at most %d headers, got %d", MaxHeaders, len(c.Header))
	}
	h := make(http.Header, len(c.Header))
	for _, line := range c.Header {
		name, value, ok := strings.Cut(line, ":")
		if !ok || !tokenRE.MatchString(name) {
			return nil, Errorf("header", "%q is not \"Name: value\" (e.g. -H 'Accept: text/plain')", line)
		}
		value = strings.Trim(value, " \t")
		if strings.ContainsFunc(value, func(r rune) bool { return r < ' ' && r != '\t' || r == 0x7f }) {
			return nil, Errorf("header", "%q: the value holds a control character", line)
		}
		h.Add(name, value)
	}
	return h, nil
}

// RequestMethod is the request method: Method, or POST with a body and GET
// without.
func (c *Load) RequestMethod() string {
	switch {
	case c.Method != "":
		return c.Method
	case c.Payload > 0 || c.BodyFile != "":
		return http.MethodPost
	}
	return http.MethodGet
}

func (c *Load) httpStrategy() string {
	s := "http " + c.RequestMethod()
	if c.Mode == ModeNew {
		s += ", keep-alive off (Connection: close)"
	} else if c.MaxIdlePerHost == 0 {
		s += fmt.Sprintf(", keep-alive, MaxIdleConnsPerHost %d (Go's default)", http.DefaultMaxIdleConnsPerHost)
	} else {
		s += fmt.Sprintf(", keep-alive, MaxIdleConnsPerHost %d", c.MaxIdlePerHost)
	}
	if c.MaxConnsPerHost > 0 {
		s += fmt.Sprintf(", MaxConnsPerHost %d", c.MaxConnsPerHost)
	}
	if c.BodyFile != "" {
		s += ", body from " + c.BodyFile
	}
	if c.Insecure {
		s += ", TLS unverified"
	} else if c.CACert != "" {
		s += ", TLS verified against " + c.CACert
	}
	if c.UnreadBody {
		s += ", body left unread"
	}
	return s
}
