//go:build !mesosshim_notls

package httppipe

import (
	"context"
	"crypto/tls"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Go's server (the simulated agent's) streaming a response through a
// Flusher, over TLS: each flushed piece reaches the reader before the
// next is written.
func TestDoAgainstNetHTTPOverTLS(t *testing.T) {
	next := make(chan string)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		for s := range next {
			io.WriteString(w, s)
			w.(http.Flusher).Flush()
		}
	}))
	defer srv.Close()
	defer srv.CloseClientConnections()
	nc, err := Dial(context.Background(), srv.Listener.Addr().String(), &tls.Config{InsecureSkipVerify: true}, 5*time.Second)
	require.NoError(t, err)
	h, err := NewRequestHead("POST", "/", []Field{{"Host", srv.Listener.Addr().String()}})
	require.NoError(t, err)
	go func() { next <- "first" }()
	s, err := Do(context.Background(), nc, h, nil)
	require.NoError(t, err)
	defer s.Body.Close()
	require.Equal(t, "application/json", s.ContentType)
	require.Equal(t, "first", readSome(t, s.Body))
	next <- "second"
	require.Equal(t, "second", readSome(t, s.Body))
	close(next)
	b, err := io.ReadAll(s.Body)
	require.NoError(t, err)
	require.Empty(t, b)
}
