package config

import (
	"strings"
	"testing"
)

func TestCheckAddr(t *testing.T) {
	for _, tc := range []struct {
		addr    string
		minPort int
		port    int
		want    string // "" for valid
	}{
		{"127.0.0.1:80", 1, 80, ""},
		{":0", 0, 0, ""},
		{":0", 1, 0, "port must be from 1 to 65535"},
		{"localhost:http", 1, 80, ""},
		{"[::1]:65535", 1, 65535, ""},
		{"127.0.0.1:+80", 0, 0, `got +80`},
		{"127.0.0.1:99999999999999999999", 0, 0, "port must be from 0 to 65535"},
		{"999.1.1.1:80", 0, 0, "is not an IP address"},
		{"a_b-c.example:80", 0, 80, ""},
		{"a b:80", 0, 0, "is not a host name"},
		{"127.0.0.1", 0, 0, "is not HOST:PORT"},
		{"127.0.0.1:", 0, 0, "has no port"},
		{":nosuchservice", 0, 0, "nor a known tcp service"},
	} {
		port, err := CheckAddr(tc.addr, "tcp", tc.minPort)
		switch {
		case tc.want == "" && (err != nil || port != tc.port):
			t.Errorf("CheckAddr(%q) = %d, %v; want %d", tc.addr, port, err, tc.port)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("CheckAddr(%q) = %v, want an error containing %q", tc.addr, err, tc.want)
		}
	}
}
