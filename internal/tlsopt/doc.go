// Package tlsopt holds the library's TLS connections, so that a build with
// the mesosshim_notls tag leaves TLS out: with the tag, crypto/tls is
// imported nowhere (besides here, only by the messenger's SSL environment
// parsing, tls_env.go, which the tag replaces). Importing crypto/tls, even
// without using it, runs the initialisation of two dozen crypto packages in
// every process: on the benchmark machine 2.0 MB of resident memory and
// 1.6 ms of start-up for a small program (bench/floor: mesostls against
// mesosraw), 1.5 MB for the benchmark executor (bench/cmd/harness -tags).
// An executor on a cluster without SSL need not pay that.
//
// In the default build Config is crypto/tls's Config and Client and Server
// run handshakes. In a mesosshim_notls build Config is an empty
// placeholder, Available is false, and every handshake fails with
// ErrUnavailable; the callers refuse TLS settings before it comes to that.
//
// PeerCheck, in the default build, verifies certificates by libprocess's
// rules rather than crypto/tls's; its lookups go through a Resolver, which
// needs no TLS and so exists in both builds.
package tlsopt

import "errors"

// Tag is the build tag that leaves TLS out.
const Tag = "mesosshim_notls"

// ErrUnavailable is the error of a TLS handshake in a build without TLS.
var ErrUnavailable = errors.New("TLS is not available: this program was built with the " + Tag + " tag")
