// Package driver runs a Mesos executor written in Go against any Mesos
// agent, from 0.20 to 1.12, behind the classic executor callbacks.
//
// An executor implements Executor (or fills in Funcs) and runs a driver:
//
//	d, err := driver.NewFromEnv(myExecutor) // reads the agent's MESOS_* variables
//	if err != nil { ... }                   // every missing variable, by name
//	status, err := d.Run()                  // until Stop, Abort, or the agent's shutdown
//
// # Wires
//
// The driver speaks the legacy libprocess protocol (package messenger) or
// the v1 executor HTTP API, choosing from the environment the agent set:
// agents older than 0.27 and 0.27/0.28 get the legacy wire, 1.0 and later
// the v1 API, with a fallback to the legacy wire if v1 fails before it ever
// worked. MESOS_SHIM_PROTOCOL (auto, v0, v1) or Config.Protocol override
// the choice; Driver.Protocol says what was chosen. Both wires give the same
// callbacks in the same order: they feed one lifecycle core
// (driver/internal/core) in the v1 event vocabulary.
//
// When the agent enables SSL (LIBPROCESS_SSL_ENABLED or SSL_ENABLED true),
// both wires speak TLS; the legacy wire falls back to plaintext only where
// LIBPROCESS_SSL_SUPPORT_DOWNGRADE allows it, as libprocess does. An
// executor built with the mesosshim_notls tag leaves crypto/tls out, which
// saves every process 1.5-2 MB of memory and some start-up; such a driver
// refuses to start when the agent enables SSL, naming the variable and the
// tag.
//
// # Lifecycle
//
//	Start ─▶ registering ─▶ Registered ─▶ LaunchTask / KillTask / FrameworkMessage ...
//	                                   │
//	                      agent lost ──┤── checkpointing: Disconnected, then Reregistered
//	                                   │   (agent back within MESOS_RECOVERY_TIMEOUT) or Shutdown
//	                                   └── no checkpointing: Disconnected, Shutdown
//	SHUTDOWN from the agent ─▶ Shutdown ─▶ after MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD the
//	                                       driver kills the process group (Config.KeepProcessGroup),
//	                                       even if Stop was called, unless the process has exited
//
// Status updates are stamped (uuid, ids, timestamp, source), kept until the
// agent acknowledges them, and resent to a restarted agent. One made while
// no agent has the executor (before the registration reply, or while the
// agent is away) waits in the driver until the agent takes the executor
// (back) or asks it to shut down. Outside that recovery an update goes
// again only on v1, when the agent answered "retry" (503, while it
// recovers) or the calls connection broke before the answer came and the
// event stream has not acknowledged it; the agent recognises the uuid of
// one it handled and forwards it once. AwaitAcknowledgements lets an
// executor exit only once its terminal updates are safe.
//
// # Callback guarantees
//
// Callbacks run one at a time, in the order the events happened, on one
// goroutine of the driver's that holds no lock and does no I/O. Registered
// comes first, unless the registration fails or the agent answers it with
// a shutdown: then Shutdown, or Error, comes without it. Disconnected fires
// once per loss of the agent. A callback that panics, or calls
// runtime.Goexit (t.FailNow or a failed require in a test's executor), is
// reported through Error and aborts the driver. A callback that blocks
// holds back later callbacks but not the wire: messages and
// acknowledgements keep being received.
package driver
