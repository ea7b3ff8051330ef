package driver

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// sslVar reads LIBPROCESS_SSL_<name>, or the pre-1.0 SSL_<name>.
func sslVar(getenv func(string) string, names ...string) string {
	for _, n := range names {
		if v := getenv("LIBPROCESS_SSL_" + n); v != "" {
			return v
		}
		if v := getenv("SSL_" + n); v != "" {
			return v
		}
	}
	return ""
}

func sslFlag(getenv func(string) string, names ...string) bool {
	switch sslVar(getenv, names...) {
	case "1", "true", "TRUE", "True", "yes":
		return true
	}
	return false
}

// clientTLSFromEnv builds the TLS configuration libprocess would use to
// connect, from the LIBPROCESS_SSL_* variables (PROTOCOL.md §1.6), or nil
// when SSL is not enabled. As libprocess, it verifies the agent's
// certificate only when asked (VERIFY_CERT, or VERIFY_SERVER_CERT since
// 1.10).
func clientTLSFromEnv(getenv func(string) string) (*tls.Config, error) {
	if getenv == nil || !sslFlag(getenv, "ENABLED") {
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	var problems []error
	if cert, key := sslVar(getenv, "CERT_FILE"), sslVar(getenv, "KEY_FILE"); cert != "" || key != "" {
		pair, err := tls.LoadX509KeyPair(cert, key)
		if err != nil {
			problems = append(problems, fmt.Errorf("LIBPROCESS_SSL_CERT_FILE/KEY_FILE: %w", err))
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	pool, err := caPool(sslVar(getenv, "CA_FILE"), sslVar(getenv, "CA_DIR"))
	if err != nil {
		problems = append(problems, err)
	}
	cfg.RootCAs = pool
	cfg.InsecureSkipVerify = !sslFlag(getenv, "VERIFY_SERVER_CERT", "VERIFY_CERT")
	if sslFlag(getenv, "ENABLE_TLS_V1_3") {
		cfg.MaxVersion = tls.VersionTLS13
	} else {
		cfg.MaxVersion = tls.VersionTLS12 // libprocess enables only TLS 1.2 by default
	}
	return cfg, errors.Join(problems...)
}

// caPool loads the CA file and every file in the CA directory; nil (the
// system's roots) when neither is given.
func caPool(file, dir string) (*x509.CertPool, error) {
	if file == "" && dir == "" {
		return nil, nil
	}
	pool := x509.NewCertPool()
	var files []string
	if file != "" {
		files = append(files, file)
	}
	if dir != "" {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return nil, fmt.Errorf("LIBPROCESS_SSL_CA_DIR: %w", err)
		}
		for _, e := range entries {
			if !e.IsDir() {
				files = append(files, filepath.Join(dir, e.Name()))
			}
		}
	}
	for _, f := range files {
		pem, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("LIBPROCESS_SSL_CA: %w", err)
		}
		pool.AppendCertsFromPEM(pem)
	}
	return pool, nil
}
