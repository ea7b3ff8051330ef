package agentsim

import (
	"strings"

	"github.com/gogo/protobuf/proto"
	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/mesos-shim/executor/mesosproto"
)

// HTTPFrameworkPID is what agents put in RunTaskMessage.pid for a framework
// on the v1 scheduler API, as mesos-execute is (as in the captures).
const HTTPFrameworkPID = "@0.0.0.0:0"

func (a *Agent) agentID() mesos.AgentID         { return mesos.AgentID{Value: a.cfg.AgentID} }
func (a *Agent) frameworkID() mesos.FrameworkID { return mesos.FrameworkID{Value: a.cfg.FrameworkID} }
func (a *Agent) executorID() mesos.ExecutorID   { return mesos.ExecutorID{Value: a.cfg.ExecutorID} }

// agentInfo is the SlaveInfo the agent sends; the hostname is what the
// captured agent reported.
func (a *Agent) agentInfo() *mesos.AgentInfo {
	id := a.agentID()
	return &mesos.AgentInfo{Hostname: "localhost", Port: proto.Int32(int32(a.self.Port)), ID: &id}
}

func (a *Agent) frameworkInfo() *mesos.FrameworkInfo {
	id := a.frameworkID()
	return &mesos.FrameworkInfo{User: "agentsim", Name: "agentsim", ID: &id, Checkpoint: proto.Bool(a.cfg.Checkpoint)}
}

// executorInfoLocked describes the executor; its command is what
// LaunchExecutor ran, if anything.
func (a *Agent) executorInfoLocked() *mesos.ExecutorInfo {
	fw := a.frameworkID()
	info := &mesos.ExecutorInfo{ExecutorID: a.executorID(), FrameworkID: &fw, Name: proto.String("agentsim executor")}
	if len(a.command) > 0 {
		info.Command = &mesos.CommandInfo{Value: proto.String(a.command[0]), Shell: proto.Bool(false), Arguments: a.command}
		info.Name = proto.String("agentsim executor (" + strings.Join(a.command, " ") + ")")
	}
	return info
}

func (a *Agent) registeredMessageLocked() *mesosproto.ExecutorRegisteredMessage {
	fw, agent := a.frameworkID(), a.agentID()
	return &mesosproto.ExecutorRegisteredMessage{
		ExecutorInfo:  a.executorInfoLocked(),
		FrameworkID:   &fw,
		FrameworkInfo: a.frameworkInfo(),
		SlaveID:       &agent,
		SlaveInfo:     a.agentInfo(),
	}
}

// runTaskMessage wraps task as this agent generation sends it.
func (a *Agent) runTaskMessage(task mesos.TaskInfo) *mesosproto.RunTaskMessage {
	m := &mesosproto.RunTaskMessage{Framework: a.frameworkInfo(), PID: proto.String(HTTPFrameworkPID), Task: &task}
	if a.cfg.Profile.RunTaskFrameworkID {
		fw := a.frameworkID()
		m.FrameworkID = &fw
	}
	return m
}

// CommandTask is a TaskInfo whose command is run by /bin/sh -c, as a
// scheduler gives a command task to the agent's command executor.
func CommandTask(id, command string) mesos.TaskInfo {
	return mesos.TaskInfo{
		Name:    id,
		TaskID:  mesos.TaskID{Value: id},
		Command: &mesos.CommandInfo{Value: proto.String(command)},
	}
}
