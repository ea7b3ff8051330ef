// Package floor holds the programs bench/cmd/floor measures to give the
// executor figures a floor: what a Go process costs on this machine before
// any executor logic, in start-up time and memory. Each program does its
// work, then prints its own figures (report.go) as its first and only
// output line, so the time from exec to that line is its start-up plus its
// work:
//
//	hello       nothing (the Go runtime alone)
//	nethttp     one POST through net/http's client and server on loopback
//	mesostypes  the same, with a mesos-go v1 Event and Call encoded and decoded
//	mesosraw    mesostypes without net/http, the call written on a plain TCP
//	            connection, as this project's driver does
//	mesostls    mesosraw with crypto/tls linked but not run: what TLS
//	            support costs every process
//	churn       N operations of short-lived garbage: peak RSS growth with no
//	            data retained (the Go collector's own floor)
//
// Nothing here is imported by the library.
package floor
