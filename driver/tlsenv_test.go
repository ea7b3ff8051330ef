//go:build !mesosshim_notls

package driver

import (
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestClientTLSIsOffUnlessEnabled(t *testing.T) {
	cfg, err := clientTLSFromEnv(mapEnv(map[string]string{}))
	require.NoError(t, err)
	require.Nil(t, cfg)
}

// The agent's certificate is verified only when libprocess would verify
// it, with the CA from LIBPROCESS_SSL_CA_FILE (or the pre-1.0 SSL_ name).
func TestClientTLSFollowsTheLibprocessVariables(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	defer srv.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600))

	get := func(env map[string]string) error {
		cfg, err := clientTLSFromEnv(mapEnv(env))
		require.NoError(t, err)
		resp, err := (&http.Client{Transport: newTransport(cfg)}).Get(srv.URL)
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	require.NoError(t, get(map[string]string{"LIBPROCESS_SSL_ENABLED": "true", "LIBPROCESS_SSL_CA_FILE": ca,
		"LIBPROCESS_SSL_VERIFY_SERVER_CERT": "true"}))
	require.NoError(t, get(map[string]string{"SSL_ENABLED": "1", "SSL_CA_FILE": ca, "SSL_VERIFY_CERT": "1"}), "pre-1.0 names")
	require.NoError(t, get(map[string]string{"LIBPROCESS_SSL_ENABLED": "1"}), "no verification unless asked, as libprocess")
	require.Error(t, get(map[string]string{"LIBPROCESS_SSL_ENABLED": "1", "LIBPROCESS_SSL_VERIFY_CERT": "1"}),
		"verification against the system roots fails for a test certificate")
}

func TestClientTLSNamesTheBadVariable(t *testing.T) {
	_, err := clientTLSFromEnv(mapEnv(map[string]string{"LIBPROCESS_SSL_ENABLED": "1",
		"LIBPROCESS_SSL_CERT_FILE": "/nonexistent.pem", "LIBPROCESS_SSL_KEY_FILE": "/nonexistent.key"}))
	require.ErrorContains(t, err, "LIBPROCESS_SSL_CERT_FILE")
	_, err = clientTLSFromEnv(mapEnv(map[string]string{"LIBPROCESS_SSL_ENABLED": "1", "LIBPROCESS_SSL_CA_DIR": "/nonexistent"}))
	require.ErrorContains(t, err, "LIBPROCESS_SSL_CA_DIR")
}
