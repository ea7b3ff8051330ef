// Package compat translates between the two generations of the executor
// protocol: the legacy libprocess messages of package mesosproto and the v1
// executor Event and Call shapes the driver's core speaks. Each direction is
// one small pure function per message; the nested Mesos types are shared, as
// their encodings are the same in both generations.
package compat
