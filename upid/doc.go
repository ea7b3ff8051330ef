// Package upid parses and prints libprocess process identifiers (UPIDs).
//
// A UPID names one libprocess actor: "id@host:port", for example
// "slave(1)@10.0.0.5:5051" or "executor(1)@127.0.0.1:41235". Messages are
// addressed to a UPID: they are POSTed to http://host:port/id/<name>.
//
// Grammar, as libprocess reads it:
//
//   - id is everything before the first '@'. libprocess allows it to be
//     empty; it may contain parentheses and any byte other than '@', '/' and
//     whitespace (the id becomes a URL path segment, so '/' and whitespace
//     would make it unaddressable).
//   - host runs up to the last ':' and is an IPv4 literal or a hostname.
//   - port is a decimal uint16.
//
// Extension: libprocess up to 1.11 cannot express IPv6 in a UPID. This package
// also accepts a bracketed IPv6 literal, "executor(1)@[::1]:5051", and prints
// IPv6 hosts in that form. Such a UPID will not be understood by a C++ peer.
//
// Parse never performs I/O: hostnames are kept as written. Resolving a
// hostname is the caller's decision (see Resolve).
package upid
