package sockstate

import (
	"encoding/binary"
	"errors"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// nlmsg builds one netlink message, padded to 4 bytes.
func nlmsg(typ, flags uint16, payload []byte) []byte {
	l := unix.NLMSG_HDRLEN + len(payload)
	b := make([]byte, (l+3)&^3)
	binary.NativeEndian.PutUint32(b[0:4], uint32(l))
	binary.NativeEndian.PutUint16(b[4:6], typ)
	binary.NativeEndian.PutUint16(b[6:8], flags)
	copy(b[unix.NLMSG_HDRLEN:], payload)
	return b
}

func errnoPayload(e int32) []byte {
	b := make([]byte, 4)
	binary.NativeEndian.PutUint32(b, uint32(-e))
	return b
}

func TestParseMessages(t *testing.T) {
	data := func(n byte) []byte { return nlmsg(sockDiagByFamily, unix.NLM_F_MULTI, []byte{n, 0, 0}) }
	cat := func(bs ...[]byte) []byte {
		var out []byte
		for _, b := range bs {
			out = append(out, b...)
		}
		return out
	}
	for _, tt := range []struct {
		name            string
		in              []byte
		wantPayloads    int
		done, intr      bool
		wantErr         error
		wantErrAnything bool
	}{
		{"two messages, more to come", cat(data(1), data(2)), 2, false, false, nil, false},
		{"done ends the dump", cat(data(1), nlmsg(unix.NLMSG_DONE, 0, []byte{0, 0, 0, 0}), data(2)), 1, true, false, nil, false},
		{"interrupted flag is kept", cat(nlmsg(sockDiagByFamily, unix.NLM_F_DUMP_INTR, []byte{1}), nlmsg(unix.NLMSG_DONE, 0, nil)), 1, true, true, nil, false},
		{"an error carries the errno", nlmsg(unix.NLMSG_ERROR, 0, errnoPayload(int32(syscall.EPERM))), 0, false, false, syscall.EPERM, false},
		{"error 0 is an acknowledgement", nlmsg(unix.NLMSG_ERROR, 0, errnoPayload(0)), 0, true, false, nil, false},
		{"a length past the buffer is malformed", func() []byte { b := data(1); binary.NativeEndian.PutUint32(b, 999); return b }(), 0, false, false, nil, true},
		{"a trailing fragment shorter than a header is ignored", cat(data(1), []byte{1, 2, 3}), 1, false, false, nil, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			n := 0
			done, intr, err := parseMessages(tt.in, func([]byte) { n++ })
			if n != tt.wantPayloads || done != tt.done || intr != tt.intr {
				t.Errorf("payloads %d, done %v, interrupted %v; want %d, %v, %v", n, done, intr, tt.wantPayloads, tt.done, tt.intr)
			}
			switch {
			case tt.wantErrAnything && err == nil:
				t.Error("no error, want one")
			case !tt.wantErrAnything && !errors.Is(err, tt.wantErr) && (err != nil || tt.wantErr != nil):
				t.Errorf("error %v, want %v", err, tt.wantErr)
			}
		})
	}
}
