package driver

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/compat/httpapi"
	"github.com/mesos-shim/executor/internal/tlsopt"
)

// reverseDNS makes hosts answer the lookups of certificate verification
// until the test ends.
func reverseDNS(t *testing.T, hosts tlsopt.Hosts) {
	previous := tlsopt.SetResolver(hosts)
	t.Cleanup(func() { tlsopt.SetResolver(previous) })
}

// The calls connection verifies the agent's certificate exactly when
// libprocess would, from LIBPROCESS_SSL_*, and sends the same request line
// and fields as a net/http client. httptest's certificate names
// example.com, which the reverse lookup of 127.0.0.1 finds here.
func TestCallsConnectionTLSAndRequests(t *testing.T) {
	needTLS(t)
	reverseDNS(t, tlsopt.Hosts{"127.0.0.1": {"example.com"}})
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

// The v1 wire verifies the agent's certificate by libprocess's rules, not
// crypto/tls's: a certificate that names only localhost is good for an
// agent at 127.0.0.1 (MESOS_AGENT_ENDPOINT) that a reverse lookup finds as
// localhost, and not for one found under another name, on the calls
// connection and the subscription's alike.
func TestV1VerifiesTheAgentByTheNameItsAddressHas(t *testing.T) {
	needTLS(t)
	cert, ca := hostNameOnlyCert(t, "localhost")
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.StartTLS()
	defer srv.Close()
	endpoint := srv.Listener.Addr().String()
	env := map[string]string{"LIBPROCESS_SSL_ENABLED": "1", "LIBPROCESS_SSL_CA_FILE": ca, "LIBPROCESS_SSL_VERIFY_SERVER_CERT": "1"}

	reverseDNS(t, tlsopt.Hosts{"127.0.0.1": {"localhost"}})
	w := newStreamWire(t, endpoint, env)
	c, err := w.callsTo.dial(context.Background(), 5*time.Second)
	require.NoError(t, err)
	c.Close()

	reverseDNS(t, tlsopt.Hosts{"127.0.0.1": {"other.example"}})
	_, err = w.callsTo.dial(context.Background(), 5*time.Second)
	require.ErrorContains(t, err, `does not name host name "other.example"`)
	f := w.readSubscription(context.Background(), 1, nil)
	require.Contains(t, f.cause, `does not name host name "other.example"`)
}

// hostNameOnlyCert is a self-signed certificate naming only dnsNames, and
// the path of a CA file holding it.
func hostNameOnlyCert(t *testing.T, dnsNames ...string) (tls.Certificate, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "agent"}, DNSNames: dnsNames,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, ca
}
