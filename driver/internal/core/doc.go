// Package core is the executor driver's lifecycle as a pure state machine.
//
// It performs no I/O, reads no clock, starts no goroutine and logs nothing
// itself. The driver's loop goroutine feeds it one Input at a time, with the
// current time, and carries out the Output it returns: callbacks to queue for
// the executor, calls to send to the agent, connection changes, the next
// deadline, and log lines. Both wires speak to it in one vocabulary, the v1
// executor Event and Call shapes, so they produce the same callbacks.
//
//	             Start
//	New ───────────────────▶ Registering ──Subscribed──▶ Registered ◀────┐
//	                             │                        │              │
//	                       Lost (before                Lost + checkpoint  │
//	                       registration)                  │     Subscribed│
//	                             │                        ▼              │
//	                             │                  Disconnected ─Reconnect/
//	                             │                        │        resubscribe
//	                             │           recovery timeout, or
//	                             ▼           Lost without checkpoint
//	                       ShuttingDown ◀─────────────────┘
//	                             │  grace period
//	                             ▼
//	                       Terminate (the driver ends the process group)
//
// Stop and Abort end the driver from any state.
package core
