package driver

// choice is the wire the driver starts with, why, and whether it may fall
// back to the legacy wire should the v1 endpoint fail before it ever
// worked.
type choice struct {
	wire     Protocol
	reason   string
	fallback bool
}

// chooseWire picks the wire from the configuration and the environment the
// agent set (PROTOCOL.md §6).
func chooseWire(cfg Config) choice {
	canFallBack := !cfg.AgentPID.IsZero()
	switch {
	case cfg.Protocol == ProtocolV0:
		return choice{ProtocolV0, "asked for v0 (" + EnvProtocol + " or Config.Protocol)", false}
	case cfg.Protocol == ProtocolV1 && cfg.AgentEndpoint == "":
		return choice{ProtocolV0, "asked for v1, but " + EnvAgentEndpoint + " is unset (agent older than 0.27)", false}
	case cfg.Protocol == ProtocolV1:
		return choice{ProtocolV1, "asked for v1 (" + EnvProtocol + " or Config.Protocol)", false}
	case cfg.AgentEndpoint == "":
		return choice{ProtocolV0, EnvAgentEndpoint + " is unset: the agent is older than 0.27 and has no working v1 API", false}
	case cfg.HTTPCommandExecutor != "":
		return choice{ProtocolV1, EnvHTTPCommandExecutor + " is set: the agent is 1.0 or newer, where v1 is stable", canFallBack}
	case !cfg.AgentSetGracePeriod:
		return choice{ProtocolV0, "the agent is 0.27, whose v1 API is experimental and numbers its events differently", false}
	default:
		return choice{ProtocolV0, "the agent is 0.28, whose v1 API is experimental; the legacy wire is preferred (set " + EnvProtocol + "=v1 to change)", false}
	}
}
