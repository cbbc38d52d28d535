package topology

import (
	"encoding/json"
	"sync"
)

// The server host's pipes, as file descriptors in the server host:
// StartServerHost passes them as ExtraFiles, which start at 3.
const (
	fdControl = 3 // client host → server host
	fdReport  = 4 // server host → client host
)

// toServer is a message from the client host, one JSON document a line.
// The first carries the host's link, address and Sysctls and means "your
// link is in place"; Go tells a client host to start its run; Stop, or the
// pipe's end, means "report and exit".
type toServer struct {
	Sysctls map[string]string `json:"sysctls,omitempty"`
	Link    string            `json:"link,omitempty"`
	Addr    string            `json:"addr,omitempty"` // with its prefix length
	// Gateway, when set, is the host's default route.
	Gateway string `json:"gateway,omitempty"`
	Go      bool   `json:"go,omitempty"`
	Stop    bool   `json:"stop,omitempty"`
}

// fromServer is a message from the server host: Ready once it serves, then
// Sockets and its service's Report (or Error) when it stops. Error at any
// point ends the session.
type fromServer struct {
	Ready   bool            `json:"ready,omitempty"`
	Sockets *Sockets        `json:"sockets,omitempty"`
	Report  json.RawMessage `json:"report,omitempty"`
	Error   string          `json:"error,omitempty"`
}

// tailBuffer keeps the last max bytes written to it: the end of the server
// host's output, for error messages, however much it logs.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

// Write keeps the end of p and what came before, max bytes in all.
func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if over := len(t.b) - t.max; over > 0 {
		t.b = append(t.b[:0], t.b[over:]...)
	}
	return len(p), nil
}

// String returns the bytes kept.
func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}
