package driver

import (
	"context"
	"net"
	"time"

	"github.com/mesos-shim/executor/compat/httpapi"
	"github.com/mesos-shim/executor/internal/httppipe"
	"github.com/mesos-shim/executor/internal/tlsopt"
)

// callsConn is one calls connection to the agent. warm and heard are
// guarded by the wire's mutex.
type callsConn struct {
	*httppipe.Conn
	// warm: the agent has accepted a call on this connection, so calls
	// may be pipelined on it (see the rules in wire_v1_calls.go).
	warm bool
	// heard is when the agent last answered, or when the first of the
	// calls now outstanding went out.
	heard time.Time
}

// callsTarget is where calls go and how: the agent's address, TLS, and
// the request line and fields every call shares.
type callsTarget struct {
	addr string
	tls  *tlsopt.Config // nil: plaintext
	head httppipe.RequestHead
}

// newCallsTarget prepares the calls' requests to endpoint (ip:port) as
// the HTTP client before it sent them: POST /api/v1/executor with Host,
// Content-Type and Accept of the codec, and the executor token if any.
func newCallsTarget(endpoint string, tlsCfg *tlsopt.Config, codec httpapi.Codec, token string) (callsTarget, error) {
	fields := []httppipe.Field{{Name: "Host", Value: endpoint},
		{Name: "Content-Type", Value: codec.ContentType()}, {Name: "Accept", Value: codec.ContentType()}}
	if token != "" {
		fields = append(fields, httppipe.Field{Name: "Authorization", Value: "Bearer " + token})
	}
	head, err := httppipe.NewRequestHead("POST", "/api/v1/executor", fields)
	if err != nil {
		return callsTarget{}, err
	}
	t := callsTarget{addr: endpoint, tls: tlsCfg, head: head}
	if _, _, err := net.SplitHostPort(endpoint); err != nil {
		t.addr = net.JoinHostPort(endpoint, "80")
		if tlsCfg != nil {
			t.addr = net.JoinHostPort(endpoint, "443")
		}
	}
	host, _, _ := net.SplitHostPort(t.addr)
	// As net/http, with the host dialled as ServerName; the check of the
	// agent's certificate learns it from there, an IP address included.
	t.tls = tlsopt.ForHost(tlsCfg, host)
	return t, nil
}

// dial opens a calls connection, with TLS if asked for, within timeout
// (both the connect and the handshake).
func (t callsTarget) dial(ctx context.Context, timeout time.Duration) (*callsConn, error) {
	nc, err := httppipe.Dial(ctx, t.addr, t.tls, timeout)
	if err != nil {
		return nil, err
	}
	return &callsConn{Conn: httppipe.NewConn(nc, callsWindow, maxAnswerBytes)}, nil
}

// write writes batch back to back and flushes it; a write blocked for
// timeout (the agent stopped reading) fails with a timeout error.
func (c *callsConn) write(head httppipe.RequestHead, batch []queuedCall, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for _, qc := range batch {
		if err := c.Write(head, qc.body, deadline); err != nil {
			return err
		}
	}
	return c.Flush(deadline)
}
