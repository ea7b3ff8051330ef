//go:build !mesosshim_notls

package messenger

import (
	"crypto/tls"
	"fmt"
	"slices"
	"strings"

	"github.com/mesos-shim/executor/logging"
)

// libprocessCiphers is the cipher list libprocess uses when CIPHERS is
// unset (its ciphers flag). Of it Go can use only AES128-SHA and
// AES256-SHA (it has no DHE, and RC4 is left out below), both RSA key
// exchange, which Go has left out of its defaults since 1.22: without them
// a Go peer and an agent on default settings share no TLS 1.2 suite.
const libprocessCiphers = "AES128-SHA:AES256-SHA:RC4-SHA:DHE-RSA-AES128-SHA:DHE-DSS-AES128-SHA:DHE-RSA-AES256-SHA:DHE-DSS-AES256-SHA"

// opensslSuites maps OpenSSL's names of TLS 1.2 cipher suites to Go's, for
// every suite Go implements but the RC4 ones: RC4 is broken (RFC 7465)
// and libprocess's default list names RC4-SHA, so mapping it would turn
// RC4 on in every default configuration. DHE, DSS, CCM, PSK, Camellia...
// suites Go does not implement at all.
var opensslSuites = map[string]uint16{
	"AES128-SHA":                    tls.TLS_RSA_WITH_AES_128_CBC_SHA,
	"AES256-SHA":                    tls.TLS_RSA_WITH_AES_256_CBC_SHA,
	"AES128-SHA256":                 tls.TLS_RSA_WITH_AES_128_CBC_SHA256,
	"AES128-GCM-SHA256":             tls.TLS_RSA_WITH_AES_128_GCM_SHA256,
	"AES256-GCM-SHA384":             tls.TLS_RSA_WITH_AES_256_GCM_SHA384,
	"DES-CBC3-SHA":                  tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA,
	"ECDHE-RSA-AES128-SHA":          tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
	"ECDHE-RSA-AES256-SHA":          tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
	"ECDHE-RSA-AES128-SHA256":       tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256,
	"ECDHE-RSA-AES128-GCM-SHA256":   tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	"ECDHE-RSA-AES256-GCM-SHA384":   tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	"ECDHE-RSA-CHACHA20-POLY1305":   tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
	"ECDHE-RSA-DES-CBC3-SHA":        tls.TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA,
	"ECDHE-ECDSA-AES128-SHA":        tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
	"ECDHE-ECDSA-AES256-SHA":        tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA,
	"ECDHE-ECDSA-AES128-SHA256":     tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256,
	"ECDHE-ECDSA-AES128-GCM-SHA256": tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	"ECDHE-ECDSA-AES256-GCM-SHA384": tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	"ECDHE-ECDSA-CHACHA20-POLY1305": tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
}

// rsaKexAES are the RSA key-exchange AES suites, which OpenSSL's usual
// keyword strings (HIGH, DEFAULT, ALL...) include and Go's defaults lack.
var rsaKexAES = []uint16{
	tls.TLS_RSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_RSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_RSA_WITH_AES_128_CBC_SHA,
	tls.TLS_RSA_WITH_AES_256_CBC_SHA,
	tls.TLS_RSA_WITH_AES_128_CBC_SHA256,
}

// cipherSuites returns the TLS 1.2 suites for the CIPHERS variable (TLS
// 1.3 suites are not configurable in Go). Unset, it is libprocess's
// default, which Go's defaults widen: what it adds are suites an agent on
// that default refuses, so no common suite is lost, and peers with ECDSA
// certificates (which the default's RSA key exchange cannot serve) still
// connect. A list of plain names is honoured exactly, less the names Go
// cannot do; if none remains, that is a problem. A cipher string with
// OpenSSL keywords or operators (HIGH, !aNULL, +, @STRENGTH...) cannot be
// evaluated here: it gives Go's defaults, the RSA key-exchange AES suites
// and the suites it names, which covers what such strings usually allow.
func (e *sslEnv) cipherSuites() []uint16 {
	v, name := e.lookup("CIPHERS")
	if v == "" {
		suites, _ := translateCiphers(strings.Split(libprocessCiphers, ":"))
		return withGoDefaults(suites)
	}
	names, keywords := splitCipherString(v)
	suites, skipped := translateCiphers(names)
	if len(keywords) > 0 {
		logging.Warningf("messenger: %s=%q uses OpenSSL keywords or operators (%s) Go cannot evaluate: using Go's default suites, the RSA key-exchange AES suites and the suites it names",
			name, v, strings.Join(keywords, ", "))
		return withGoDefaults(append(slices.Clone(rsaKexAES), suites...))
	}
	if len(suites) == 0 {
		e.problems = append(e.problems, fmt.Errorf("%s=%q names no TLS 1.2 cipher suite Go can use (DHE, RC4, DSS, CCM, PSK... suites it cannot)", name, v))
		return nil
	}
	if len(skipped) > 0 {
		logging.V(1).Infof("messenger: %s: skipping %s, which Go does not implement", name, strings.Join(skipped, ", "))
	}
	return suites
}

// splitCipherString separates an OpenSSL cipher string into plain suite
// names and everything else (keywords, and names under an operator).
// OpenSSL separates with colons, commas or spaces. Every suite name has a
// hyphen and no keyword has, which tells the two apart.
func splitCipherString(s string) (names, keywords []string) {
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ':' || r == ',' || r == ' ' }) {
		if isCipherName(f) {
			names = append(names, f)
		} else {
			keywords = append(keywords, f)
		}
	}
	return names, keywords
}

// isCipherName says whether f is a bare suite name: letters, digits and
// inner hyphens (a leading one is OpenSSL's removal operator).
func isCipherName(f string) bool {
	if !strings.Contains(f, "-") || strings.HasPrefix(f, "-") {
		return false
	}
	return strings.IndexFunc(f, func(r rune) bool {
		return !(r == '-' || r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z')
	}) < 0
}

// translateCiphers returns Go's suites for the names it knows, without
// repeats, and the names it does not.
func translateCiphers(names []string) (suites []uint16, skipped []string) {
	for _, n := range names {
		id, ok := opensslSuites[n]
		switch {
		case !ok:
			skipped = append(skipped, n)
		case !slices.Contains(suites, id):
			suites = append(suites, id)
		}
	}
	return suites, skipped
}

// withGoDefaults returns Go's own TLS 1.2 suites (the secure ones it
// implements, which are its defaults) followed by those of extra it lacks.
func withGoDefaults(extra []uint16) []uint16 {
	var suites []uint16
	for _, s := range tls.CipherSuites() {
		if slices.Contains(s.SupportedVersions, tls.VersionTLS12) {
			suites = append(suites, s.ID)
		}
	}
	for _, id := range extra {
		if !slices.Contains(suites, id) {
			suites = append(suites, id)
		}
	}
	return suites
}
