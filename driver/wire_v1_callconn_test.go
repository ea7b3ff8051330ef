package driver

import (
	"context"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/compat/httpapi"
)

// The calls connection verifies the agent's certificate exactly when a
// net/http client configured from LIBPROCESS_SSL_* would, against the host
// dialled, and sends the same request line and fields.
func TestCallsConnectionTLSAndRequests(t *testing.T) {
	needTLS(t)
	got := make(chan *http.Request, 1)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		got <- r
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600))
	post := func(env map[string]string) error {
		cfg, err := clientTLSFromEnv(mapEnv(env))
		require.NoError(t, err)
		target, err := newCallsTarget(srv.Listener.Addr().String(), cfg, httpapi.JSON, "tok")
		require.NoError(t, err)
		c, err := target.dial(context.Background(), 5*time.Second)
		if err != nil {
			return err
		}
		defer c.Close()
		require.NoError(t, c.write(target.head, []queuedCall{{body: []byte("{}")}}, 5*time.Second))
		r := <-c.Results()
		require.NoError(t, r.Err)
		require.Equal(t, http.StatusAccepted, r.Response.Status)
		return nil
	}
	require.NoError(t, post(map[string]string{"LIBPROCESS_SSL_ENABLED": "true", "LIBPROCESS_SSL_CA_FILE": ca,
		"LIBPROCESS_SSL_VERIFY_SERVER_CERT": "true"}))
	r := <-got
	require.Equal(t, "POST", r.Method)
	require.Equal(t, "/api/v1/executor", r.URL.Path)
	require.Equal(t, srv.Listener.Addr().String(), r.Host)
	require.Equal(t, httpapi.ContentTypeJSON, r.Header.Get("Content-Type"))
	require.Equal(t, httpapi.ContentTypeJSON, r.Header.Get("Accept"))
	require.Equal(t, "Bearer tok", r.Header.Get("Authorization"))
	require.EqualValues(t, 2, r.ContentLength)

	require.NoError(t, post(map[string]string{"LIBPROCESS_SSL_ENABLED": "1"}), "no verification unless asked, as libprocess")
	<-got
	require.Error(t, post(map[string]string{"LIBPROCESS_SSL_ENABLED": "1", "LIBPROCESS_SSL_VERIFY_CERT": "1"}),
		"verification against the system roots fails for a test certificate")
}
