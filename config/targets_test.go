package config

import (
	"slices"
	"testing"
)

func TestTargets(t *testing.T) {
	for _, tc := range []struct {
		protocol Protocol
		target   string
		want     []string
	}{
		{ProtocolTCP, "127.0.0.1:7777", []string{"127.0.0.1:7777"}},
		{ProtocolTCP, "127.0.0.1:7777,127.0.0.1:7778", []string{"127.0.0.1:7777", "127.0.0.1:7778"}},
		{ProtocolUDP, "127.0.0.1:9053", []string{"127.0.0.1:9053"}},
		{ProtocolHTTP, "http://127.0.0.1:8080/path", []string{"127.0.0.1:8080"}},
		{ProtocolHTTP, "http://localhost/", []string{"localhost:80"}},
		{ProtocolHTTP, "127.0.0.1:7777", []string{"127.0.0.1:7777"}},
		{ProtocolHTTP, "ftp://127.0.0.1:21/", nil},
	} {
		c := Load{Protocol: tc.protocol, Target: tc.target}
		if got := c.Targets(); !slices.Equal(got, tc.want) {
			t.Errorf("%s %q: Targets() = %q, want %q", tc.protocol, tc.target, got, tc.want)
		}
	}
}
