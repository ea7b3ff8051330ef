package agentsim

import (
	"fmt"
	"strings"

	"github.com/mesos-shim/executor/messenger"
)

// V1Endpoint is what an agent generation's /api/v1/executor route does
// (the /api/v1/executor route at each release tag).
type V1Endpoint int

// The generations of the v1 executor endpoint.
const (
	// V1None: agents up to 0.24 have no such route; every request to it
	// is answered 404 by libprocess.
	V1None V1Endpoint = iota
	// V1Stub: 0.25 and 0.26 route it to a stub. SUBSCRIBE gets 200 and a
	// stream that never carries SUBSCRIBED; UPDATE and MESSAGE get 202 and
	// are discarded; every call gets 503 while the agent recovers. The
	// executor stays REGISTERING, so a later RegisterExecutorMessage works.
	V1Stub
	// V1Works: from 0.27 on (experimental until 1.0) the endpoint serves
	// executors (Http::executor).
	V1Works
)

func (e V1Endpoint) String() string {
	switch e {
	case V1None:
		return "none"
	case V1Stub:
		return "stub"
	case V1Works:
		return "v1"
	}
	return "?"
}

// Profile is one generation of Mesos agent as an executor sees it: how it
// frames libprocess messages, whether it links to the executor, what its v1
// endpoint does, which environment variables it sets and which rules it
// applies. Each field names the release that introduced the behaviour
// (the release tags and CHANGELOG). Profiles() lists the predefined ones; a
// test may copy one and change a field to simulate an agent that never
// existed, for example to inject a fault.
type Profile struct {
	// Name is how the profile is chosen on a command line, e.g. "1.12".
	Name string
	// Describe says which releases the profile stands for.
	Describe string

	// Framing is how the agent writes libprocess messages: HTTP/1.0 with
	// only a User-Agent before 0.22, HTTP/1.1 with Libprocess-From and an
	// empty Host from 0.22 to 1.11, Host: <ip:port> after 1.11 (libprocess's
	// encoder.hpp; the captures).
	Framing messenger.Framing
	// LinksExecutor: since 0.27 the agent links to the executor's UPID when
	// it registers or reregisters, so every agent→executor message shares
	// one ordered connection; before, each send used a temporary one
	// (link in Slave::registerExecutor; SocketManager in process.cpp).
	LinksExecutor bool

	// EnvSandbox: MESOS_SANDBOX, set by the Mesos containerizer since 0.25.
	EnvSandbox bool
	// EnvLibprocessIP: LIBPROCESS_IP, copied from the agent since 0.26.
	EnvLibprocessIP bool
	// EnvAgentEndpoint: MESOS_AGENT_ENDPOINT since 0.27, together with
	// MESOS_SUBSCRIPTION_BACKOFF_MAX when the framework checkpoints.
	EnvAgentEndpoint bool
	// BackoffMaxIsReregistrationTimeout: MESOS_SUBSCRIPTION_BACKOFF_MAX is
	// the constant 2secs in 0.27-1.2.1/1.3.0 and equals
	// --executor_reregistration_timeout since 1.2.2/1.3.1/1.4.0.
	BackoffMaxIsReregistrationTimeout bool
	// EnvShutdownGracePeriod: MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD since 0.28.
	EnvShutdownGracePeriod bool
	// EnvHTTPCommandExecutor: MESOS_HTTP_COMMAND_EXECUTOR=0 since 1.0, set
	// for every executor, custom ones too (executorEnvironment; the captures).
	EnvHTTPCommandExecutor bool

	// RunTaskFrameworkID: agents before 0.24 set the deprecated
	// RunTaskMessage.framework_id (Slave::runTasks at the 0.23.0 and
	// 0.24.0 tags).
	RunTaskFrameworkID bool
	// KillPolicy: KillTaskMessage.kill_policy and the v1 KILL event's
	// kill_policy exist since 1.0 (messages.proto, executor.proto).
	KillPolicy bool
	// ShutdownTasklessExecutor: an executor that registers on the legacy
	// wire with no task queued is shut down instead: ShutdownExecutor
	// without Registered (Slave::registerExecutor, from the 0.28.2 and
	// 1.0.0 tags; not in 0.28.0, which Mesos028 stands for). A first
	// registration never comes after a task was sent, so the everSentTask
	// form of the rule (1.5.1) changes nothing on this wire.
	ShutdownTasklessExecutor bool
	// ShutdownTasklessSubscriber: the same for a v1 SUBSCRIBE with no task
	// or task group queued, from an executor never sent one: SHUTDOWN
	// without SUBSCRIBED (Slave::subscribe, from the 1.1.0 tag; the
	// everSentTask condition from 1.5.1). From 1.1 to 1.5.0 the rule also
	// caught the re-SUBSCRIBE of a running executor with nothing queued,
	// and the agent then failed a CHECK if the executor had tasks
	// running; that is not modelled.
	ShutdownTasklessSubscriber bool

	// V1 is what /api/v1/executor does: nothing before 0.25, a stub in
	// 0.25-0.26, the executor API from 0.27 on (Http::executor at those
	// tags).
	V1 V1Endpoint
	// V1EventNumbering027: 0.27 numbered the Event types SHUTDOWN=6 and
	// ERROR=7; 0.28 swapped them (ERROR=6, SHUTDOWN=7), so protobuf
	// encodings of the two cannot be mixed (executor.proto at 0.27.0 and
	// 0.28.0). JSON names are the
	// same.
	V1EventNumbering027 bool
	// V1UnknownCallType: since 1.0 Call.type is optional with UNKNOWN=0,
	// which the agent answers with 501; before, type was required and a
	// call without a known type did not parse (400) (executor.proto and
	// Http::executor, 0.28.0 against 1.0.0).
	V1UnknownCallType bool
	// V1ValidatesUUID: since 1.0 an UPDATE whose status.uuid is not a valid
	// UUID (16 bytes, version 1 to 5) is refused with 400 (validation.cpp
	// and stout's UUID::fromBytes from 1.0.0). Before, only a missing uuid
	// was. (Agents 1.0.0-1.0.2 and 1.1.0 abort instead: their validation
	// calls get() on the failed parse; fixed in 1.0.3, 1.1.1 and 1.2.0.)
	V1ValidatesUUID bool
	// V1ValidatesCheckStatus: since 1.2 an UPDATE whose status has a
	// check_status without a known type, or without the result its type
	// calls for, is refused with 400 (validation.cpp and checker.cpp at
	// the 1.2.0 tag; TCP checks from 1.3.0). Mesos11 plays 1.1 here.
	V1ValidatesCheckStatus bool
	// ChecksUpdateAgentID: since 1.1 the agent drops, unacknowledged, a
	// status update whose slave_id, or whose status's slave_id, is not its
	// own; on the legacy wire a status without one is dropped too, while a
	// v1 UPDATE's status gets the agent's id if it has none
	// (Slave::statusUpdate and protobuf::createStatusUpdate from the 1.1.0
	// tag). Before, neither id was looked at.
	ChecksUpdateAgentID bool
	// V1ContainerID: SUBSCRIBED carries container_id since 1.1
	// (executor.proto); it is the last path component of the sandbox (the
	// captures).
	V1ContainerID bool
	// AuthenticatesExecutors: a 1.3+ agent run with
	// --authenticate_http_executors and a secret key gives each executor a
	// token in MESOS_EXECUTOR_AUTHENTICATION_TOKEN and answers every v1
	// request without "Authorization: Bearer <token>" with 401, before the
	// handler runs (executorEnvironment, Http::executor; CHANGELOG 1.3). The
	// legacy wire is not authenticated. The captured 1.12 agent ran without
	// it.
	AuthenticatesExecutors bool
	// TaskGroups: since 1.1 a scheduler can launch a task group, which the
	// agent delivers as LAUNCH_GROUP (on the legacy wire, an unversioned
	// mesos.executor.Event) (Slave::___run; the captures).
	TaskGroups bool
	// Heartbeats: since 1.8 the HEARTBEAT call is answered 202 before any
	// id check, and the agent sends a HEARTBEAT event every 30 minutes
	// (AgentConfig.HeartbeatInterval). Older agents answer a HEARTBEAT
	// call with 400 (Http::executor; CHANGELOG 1.8).
	Heartbeats bool
}

// Each generation is written as the one before it plus what changed, so
// that a profile's definition is the list of facts it adds.

// Mesos020 is an agent before 0.22 (0.20, 0.21): HTTP/1.0 framing without
// Libprocess-From, no link to the executor, no v1 endpoint, and the oldest
// environment (no MESOS_SANDBOX, LIBPROCESS_IP or MESOS_AGENT_ENDPOINT).
var Mesos020 = Profile{
	Name:               "0.20",
	Describe:           "Mesos 0.20-0.21: HTTP/1.0 framing, no link, oldest environment, no v1 endpoint",
	Framing:            messenger.FramingHTTP10,
	RunTaskFrameworkID: true,
}

// Mesos022 is an agent of 0.22 or 0.23: HTTP/1.1 framing with
// Libprocess-From and an empty Host, still no link, no MESOS_SANDBOX and no
// v1 endpoint.
var Mesos022 = Mesos020.then("0.22", "Mesos 0.22-0.23: HTTP/1.1 framing, no link, no v1 endpoint",
	func(p *Profile) { p.Framing = messenger.FramingHTTP11 })

// Mesos024 is an agent of 0.24: as Mesos022, but it no longer sets the
// deprecated RunTaskMessage.framework_id (Slave::runTasks), and libprocess
// reads LIBPROCESS_ADVERTISE_IP/_PORT (process.cpp at the 0.24.0 tag).
var Mesos024 = Mesos022.then("0.24", "Mesos 0.24: as 0.22 without RunTaskMessage.framework_id",
	func(p *Profile) { p.RunTaskFrameworkID = false })

// Mesos025 is an agent of 0.25: as Mesos024, with MESOS_SANDBOX and the v1
// endpoint as a stub (V1Stub).
var Mesos025 = Mesos024.then("0.25", "Mesos 0.25: HTTP/1.1 framing, no link, MESOS_SANDBOX, v1 endpoint is a stub",
	func(p *Profile) { p.EnvSandbox, p.V1 = true, V1Stub })

// Mesos026 is an agent of 0.26: as Mesos025, plus LIBPROCESS_IP.
var Mesos026 = Mesos025.then("0.26", "Mesos 0.26: HTTP/1.1 framing, no link, MESOS_SANDBOX and LIBPROCESS_IP, v1 endpoint is a stub",
	func(p *Profile) { p.EnvLibprocessIP = true })

// Mesos027 is an agent of 0.27: the v1 executor API works, with the old
// protobuf event numbers; the agent links to the executor and exports
// MESOS_AGENT_ENDPOINT (and MESOS_SUBSCRIPTION_BACKOFF_MAX=2secs when
// checkpointing), but not yet the shutdown grace period.
var Mesos027 = Mesos026.then("0.27", "Mesos 0.27: links, MESOS_AGENT_ENDPOINT, v1 API (experimental, SHUTDOWN=6)",
	func(p *Profile) {
		p.LinksExecutor, p.EnvAgentEndpoint = true, true
		p.V1, p.V1EventNumbering027 = V1Works, true
	})

// Mesos028 is an agent of 0.28: as Mesos027 with today's event numbers and
// MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD.
var Mesos028 = Mesos027.then("0.28", "Mesos 0.28: as 0.27, event numbers as today, MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD",
	func(p *Profile) { p.V1EventNumbering027, p.EnvShutdownGracePeriod = false, true })

// Mesos10 is an agent of 1.0: v1 stable (UNKNOWN calls get 501, UPDATE
// uuids are validated), kill policies on both wires, and the full 1.0
// environment with MESOS_SUBSCRIPTION_BACKOFF_MAX fixed at 2secs.
var Mesos10 = Mesos028.then("1.0", "Mesos 1.0: links, kill policy, v1 stable, shuts down taskless registrations", func(p *Profile) {
	p.EnvHTTPCommandExecutor, p.KillPolicy = true, true
	p.V1UnknownCallType, p.V1ValidatesUUID = true, true
	p.ShutdownTasklessExecutor = true
})

// Mesos1x is the name this package gave Mesos10 when one profile stood for
// 1.0 to 1.3.
//
// Deprecated: use Mesos10 (or Mesos11, Mesos13).
var Mesos1x = Mesos10

// Mesos11 is an agent of 1.1 or 1.2: as Mesos10, with task groups,
// SUBSCRIBED.container_id and the check of an update's agent ids.
var Mesos11 = Mesos10.then("1.1", "Mesos 1.1-1.2: as 1.0, LAUNCH_GROUP, SUBSCRIBED.container_id, shuts down taskless subscribers",
	func(p *Profile) {
		p.V1ContainerID, p.TaskGroups, p.ShutdownTasklessSubscriber = true, true, true
		p.ChecksUpdateAgentID = true
	})

// Mesos13 is an agent of 1.3.0 run with executor authentication: as
// Mesos11, plus MESOS_EXECUTOR_AUTHENTICATION_TOKEN, 401 for any v1
// request without the Bearer token, and 1.2's check_status validation.
var Mesos13 = Mesos11.then("1.3", "Mesos 1.3.0 with --authenticate_http_executors: as 1.1, executor tokens",
	func(p *Profile) { p.AuthenticatesExecutors, p.V1ValidatesCheckStatus = true, true })

// Mesos14 is an agent of 1.4: as Mesos11 (without authentication), with
// 1.2's check_status validation and MESOS_SUBSCRIPTION_BACKOFF_MAX
// following the reregistration timeout.
var Mesos14 = Mesos11.then("1.4", "Mesos 1.4: links, backoff max = reregistration timeout, v1 as 1.1",
	func(p *Profile) { p.BackoffMaxIsReregistrationTimeout, p.V1ValidatesCheckStatus = true, true })

// Mesos15 is an agent of 1.5 to 1.7: as Mesos14 in what is modelled. 1.5.1
// narrowed the shutdown of taskless subscribers to executors never sent a
// task (see Profile.ShutdownTasklessSubscriber), which the model applies
// to every profile.
var Mesos15 = Mesos14.then("1.5", "Mesos 1.5-1.7: as 1.4",
	func(*Profile) {})

// Mesos18 is an agent of 1.8 to 1.11: as Mesos15, with HEARTBEAT calls and
// events.
var Mesos18 = Mesos15.then("1.8", "Mesos 1.8-1.11: as 1.4, HEARTBEAT",
	func(p *Profile) { p.Heartbeats = true })

// Mesos112 is the 1.12.0-dev agent of the captures
// (testdata/captures/mesos-1.12-dev): as
// Mesos18, writing "Host: <ip:port>".
var Mesos112 = Mesos18.then("1.12", "Mesos 1.12.0-dev (captured): Host header, links, HEARTBEAT",
	func(p *Profile) { p.Framing = messenger.FramingHTTP11Host })

// then is p as the generation that followed it: named name, described by
// describe, with change applied.
func (p Profile) then(name, describe string, change func(*Profile)) Profile {
	p.Name, p.Describe = name, describe
	change(&p)
	return p
}

// Profiles lists the predefined profiles, oldest first.
func Profiles() []Profile {
	return []Profile{Mesos020, Mesos022, Mesos024, Mesos025, Mesos026, Mesos027, Mesos028,
		Mesos10, Mesos11, Mesos13, Mesos14, Mesos15, Mesos18, Mesos112}
}

// Newest is the most recent predefined profile.
func Newest() Profile { return Mesos112 }

// ProfileByName returns the predefined profile called name.
func ProfileByName(name string) (Profile, error) {
	var names []string
	for _, p := range Profiles() {
		if p.Name == name {
			return p, nil
		}
		names = append(names, p.Name)
	}
	return Profile{}, fmt.Errorf("agentsim: no profile %q (have %s)", name, strings.Join(names, ", "))
}

func (p Profile) String() string { return "mesos-" + p.Name }
