package httpapi

import (
	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/executor"
)

// HeartbeatID is the executor and framework ID of a HEARTBEAT call. The
// agent answers HEARTBEAT before looking at any ID, but the IDs are required
// fields, so the C++ executor library fills them with this placeholder.
const HeartbeatID = "unused"

// HeartbeatCall returns a HEARTBEAT call as the C++ executor library sends
// it every 30 minutes while subscribed (MesosProcess::heartbeat in Mesos's
// src/executor/executor.cpp). Only agents 1.8
// and later know the call. Older ones answer 400: they drop the unknown
// type and reply "Expecting 'type' to be present" (protobuf, and JSON since
// 1.5), or fail to convert the JSON (before 1.5). Send it only to an agent
// known to be 1.8 or later.
func HeartbeatCall() *executor.Call {
	return &executor.Call{
		ExecutorID:  mesos.ExecutorID{Value: HeartbeatID},
		FrameworkID: mesos.FrameworkID{Value: HeartbeatID},
		Type:        executor.Call_HEARTBEAT,
	}
}
