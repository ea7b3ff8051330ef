// Package agentsim is a simulated Mesos agent for testing executors: it
// plays the agent's side of both executor wires, the legacy libprocess
// messages and the v1 executor HTTP API, for one executor run as a
// subprocess or in-process, and records every message both ways in a Trace.
//
// Its behaviour is read from Apache Mesos (paths in the apache/mesos
// repository; what changed when, from its release tags and CHANGELOG): the
// agent in src/slave/slave.cpp (Slave::registerExecutor, reregisterExecutor,
// statusUpdate and subscribe; executorEnvironment), its v1 endpoint in
// src/slave/http.cpp (Http::executor) and src/slave/validation.cpp, its
// checkpoints in src/slave/state.cpp, its flags in src/slave/flags.cpp, the
// messages in src/messages/messages.proto and
// include/mesos/v1/executor/executor.proto, and libprocess in
// 3rdparty/libprocess/src (encoder.hpp, process.cpp, openssl.cpp). What a
// real 1.12.0-dev agent did is in testdata/captures/mesos-1.12-dev ("the
// captures").
//
// # One port, both wires
//
// As on a real agent, one listener serves both: MESOS_SLAVE_PID and
// MESOS_AGENT_ENDPOINT (0.27+) name the same ip:port. Each connection is
// routed by its first request line, read ahead without being consumed: a
// path under /api/v1/executor or /slave(1)/api/v1/executor goes to the v1
// endpoint (plain calls by a small HTTP/1.1 loop, everything else by
// net/http: v1conn.go), anything else to the libprocess messenger. Which
// wire the executor uses is decided by its first successful contact:
// a RegisterExecutorMessage makes it a PID executor, a SUBSCRIBE answered
// with SUBSCRIBED an HTTP one (Agent.Wire). Every trace entry says which
// wire it was on (Entry.Wire, printed in its own column), and Entry.Kind
// names a message alike on both ("UPDATE" for a StatusUpdateMessage too).
//
// # Profiles
//
// A Profile is one agent generation: its libprocess framing, whether it
// links to the executor, what its v1 endpoint does (nothing up to 0.24, a
// stub in 0.25-0.26, 0.27's event numbering, 1.0's validation, 1.1's
// container id, 1.2's check_status rules, 1.3's executor tokens, 1.8's
// heartbeats), the exact
// environment it gives the executor (Profile.Env) and the rules that
// changed between releases. Profiles() lists the predefined ones, from
// Mesos020 to Mesos112; each documents the facts it encodes. Agents before
// 0.27 do not link to the executor: each legacy message goes over a
// temporary connection, so two messages sent back to back (ExecutorRegistered
// and the first RunTask) can arrive in either order, as they could from
// such an agent.
//
// # Running an executor
//
//	a, err := agentsim.Start(ctx, agentsim.AgentConfig{Profile: agentsim.Mesos14, Checkpoint: true})
//	defer a.Close()
//	a.Launch(agentsim.CommandTask("t1", "sleep 30")) // queued until registration
//	a.LaunchExecutor("bin/command-executor")         // or driver.ConfigFromEnv(a.Getenv) in-process
//	a.WaitRegistered(ctx)                            // registered or subscribed
//	a.WaitUpdate(ctx, "t1", mesos.TASK_RUNNING)
//	latency, err := a.Restart(ctx, true)             // crash, restart, reregister or re-subscribe
//	a.Shutdown()
//	status, err := a.WaitExecutorExit(ctx)
//	a.Trace().WriteTo(os.Stdout)
//
// # What the agent does
//
// Its logic is slave.cpp's, in legacy messages, whatever the wire; the v1
// endpoint converts at its edge with package compat (LegacyFromCall for
// calls, EventFromLegacy for events). As slave.cpp does
// (Slave::registerExecutor, Slave::subscribe): a registration of a
// REGISTERING executor is answered with ExecutorRegisteredMessage and the
// queued tasks (linking to the executor first from 0.27 on); any other
// registration with ShutdownExecutorMessage. A SUBSCRIBE of a REGISTERING or
// RUNNING executor gets 200, a chunked RecordIO stream in the encoding
// Accept chose, one record per chunk: SUBSCRIBED and the queued LAUNCH or
// LAUNCH_GROUP events; a previous subscription is closed and the SUBSCRIBE's
// unacknowledged updates are replayed. An executor that registers, or
// subscribes, with no task queued and none sent before is shut down instead,
// from 1.0 on the legacy wire and from 1.1 on v1, where the stream carries
// SHUTDOWN alone (Profile.ShutdownTasklessExecutor,
// Profile.ShutdownTasklessSubscriber). A status update is checked (uuid,
// agent id, framework, no TASK_STAGING), recorded and acknowledged after
// AckDelay: on the legacy wire to StatusUpdateMessage.pid, not to the
// sender; on v1 as ACKNOWLEDGED on the stream, the UPDATE having been
// answered 202, and only for a task the agent launched (an update for any
// other is recorded, never acknowledged, as Slave::___statusUpdate does).
// The v1 endpoint refuses bad calls with the statuses of
// Http::executor (401 without the token on 1.3, 503 while recovering, 405,
// 400 (with an incomplete check_status from 1.2 on), 415, 406, 403
// before SUBSCRIBE, 501 for UNKNOWN on 1.0+). A
// reregistration, or a re-SUBSCRIBE, after a checkpointed Restart is
// expected within ReregistrationTimeout (with ReregistrationRetryInterval,
// the ReconnectExecutorMessage is repeated until the executor reregisters,
// and a reregistration from a running executor is ignored rather than shut
// down); the agent stays RECOVERING for that whole window, answering v1
// UPDATE and MESSAGE with 503 "Agent has not finished recovery" (as in the
// captures). Framework messages are kept unless the agent is recovering. The
// loss of the executor's connection is only recorded: a real agent learns of
// an executor's death by reaping it, as this one does for the process
// LaunchExecutor started.
//
// Crash stops the agent without a restart (a v1 stream ends with a FIN, no
// last chunk); Restart crashes it and starts a new one on the same port,
// reconnecting a checkpointed PID executor, awaiting a checkpointed HTTP
// executor's SUBSCRIBE, or, without checkpointing, forgetting it.
//
// # Faults
//
// InjectRaw sends bytes as a legacy message or as one v1 record;
// InjectStreamBytes writes unframed bytes on a v1 stream; CutStream drops
// a v1 subscription as a network failure would; InjectFromStranger sends a
// legacy message from an impostor; FailCalls answers the next v1 calls of
// a type with a chosen status (503 with the recovery body, 404, ...);
// StallSubscribes answers SUBSCRIBEs with a stream that never carries
// SUBSCRIBED; SetAckDelay holds acknowledgements back.
//
// Not simulated: the master (script operations stand in for it and are
// accepted while the agent recovers; LaunchGroup works on every profile),
// TASK_DROPPED/TASK_LOST for tasks a reregistering executor does not list,
// pre-1.4 libprocess not answering libprocess senders (the messenger always
// answers 202), JWT claims (the token is an opaque string compared as a
// whole), HTTPS, domain sockets, and a call whose protobuf leaves the type
// out (read as UNKNOWN: 501 rather than 400 on 1.0+).
//
// # Waiting
//
// Every Wait method blocks on the agent's state changes, never on a
// timer, until its condition holds or its context ends.
package agentsim
