// Package core is the executor driver's lifecycle as a pure state machine.
//
// It performs no I/O, reads no clock, starts no goroutine and logs nothing
// itself. The driver's loop goroutine feeds it one Input at a time, with the
// current time, and carries out the Output it returns: a connection change,
// calls to send to the agent, callbacks to queue for the executor, log
// lines, the next deadline, and whether to end the process group. Both wires
// speak to it in one vocabulary, the v1 executor Event and Call shapes, so
// they produce the same callbacks.
//
//	New ──Start──▶ Registering ──SUBSCRIBED──▶ Connected ◀──────────────┐
//	                  │   ▲                        │                    │
//	                  │   └ v1: 503, retry          │ Lost                │ SUBSCRIBED
//	                  │                             ▼                    │ (Reregistered)
//	                  │              checkpoint? ─yes─▶ Disconnected ──▶ Reregistering
//	                  │                   │ no          │   legacy: the agent's Reconnect
//	                  │ Lost              │             │   v1: subscribe again at once,
//	                  ▼                   ▼             │   then after growing random delays
//	             ShuttingDown ◀───────────┴─────────────┘ recovery timeout
//	                  │ grace period
//	                  ▼
//	             Terminate (the driver ends the process group)
//
// Without checkpointing, a loss on v1 that is only silence (calls
// unanswered, no SUBSCRIBED) goes to Disconnected too and subscribes again
// once: a slow agent takes the executor back, a failure shuts down.
//
// SHUTDOWN from the agent leads to ShuttingDown from anywhere; Stop and
// Abort end the driver from any state. The driver stays DRIVER_RUNNING
// while shutting down, so the executor can still send its final updates.
//
// Callback guarantees the core provides: Registered before any other
// callback (work that arrives earlier is held, then delivered right after
// it); Disconnected once per loss, followed by Reregistered or Shutdown;
// one Shutdown at most.
package core
