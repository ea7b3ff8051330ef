// Package agentsim is a simulated Mesos agent for testing executors: it
// plays the agent's side of the legacy libprocess wire (PROTOCOL.md §1-§4,
// §7) for one executor, run as a subprocess or in-process, and records
// every message both ways in a Trace.
//
// # Profiles
//
// A Profile is one agent generation: its libprocess framing, whether it
// links to the executor, the exact environment it gives the executor
// (Profile.Env) and the rules that changed between releases. Mesos020,
// Mesos022, Mesos026, Mesos1x, Mesos14 and Mesos112 are predefined; each
// documents the facts it encodes. Agents before 0.27 do not link to the
// executor: each message goes over a temporary connection, so two messages
// sent back to back (ExecutorRegistered and the first RunTask) can arrive
// in either order, as they could from such an agent.
//
// # Running an executor
//
//	a, err := agentsim.Start(ctx, agentsim.AgentConfig{Profile: agentsim.Mesos14, Checkpoint: true})
//	defer a.Close()
//	a.Launch(agentsim.CommandTask("t1", "sleep 30")) // queued until registration
//	a.LaunchExecutor("bin/command-executor")         // or driver.ConfigFromEnv(a.Getenv) in-process
//	a.WaitRegistered(ctx)
//	a.WaitUpdate(ctx, "t1", mesos.TASK_RUNNING)
//	latency, err := a.Restart(ctx, true)             // crash, restart, Reconnect, Reregister
//	a.Shutdown()
//	status, err := a.WaitExecutorExit(ctx)
//	a.Trace().WriteTo(os.Stdout)
//
// # What the agent does
//
// As slave.cpp does (PROTOCOL.md §3.7): a registration of a REGISTERING
// executor is answered with ExecutorRegisteredMessage and the queued tasks
// (linking to the executor first from 0.27 on); any other registration
// with ShutdownExecutorMessage. A status update is checked (uuid, agent
// id, framework, no TASK_STAGING, which shuts the executor down), recorded
// and acknowledged to StatusUpdateMessage.pid, not to the sender, after
// AckDelay. A reregistration is accepted only after a checkpointed
// Restart, within ReregistrationTimeout; the updates it carries are
// replayed and acknowledged. Framework messages are kept unless the agent
// is recovering. The loss of the executor's connection is only recorded:
// a real agent learns of an executor's death by reaping it, as this one
// does for the process LaunchExecutor started.
//
// Crash stops the agent without a restart; Restart crashes it and starts
// a new one on the same port, reconnecting a checkpointed executor or, without
// checkpointing, forgetting it.
//
// Not simulated: the master (script operations stand in for it and are
// accepted while the agent recovers), TASK_DROPPED/TASK_LOST for tasks a
// reregistering executor does not list, pre-1.4 libprocess not answering
// libprocess senders (the messenger always answers 202), the v1 wire. The
// agent's logic speaks legacy messages and reaches the executor through a
// transport (transport.go), where a v1 wire and fault injection can plug in.
//
// # Waiting
//
// Every Wait method blocks on the agent's state changes, never on a
// timer, until its condition holds or its context ends.
package agentsim
