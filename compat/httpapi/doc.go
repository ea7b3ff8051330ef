// Package httpapi holds the encodings of the Mesos v1 executor HTTP API
// (Mesos's include/mesos/v1/executor/executor.proto and Http::executor in
// src/slave/http.cpp), with no I/O: the content types, a Codec that turns
// mesos-go's executor.Call and executor.Event into request and event bytes
// and back (in protobuf and JSON, and in both event numberings), the
// classification of HTTP statuses into errors the driver can branch on, and
// the HEARTBEAT call. The executor side uses EncodeCall and DecodeEvent; a
// simulated agent uses DecodeCall and EncodeEvent. Events travel framed by
// package recordio.
//
// # Content types
//
// The agent compares Content-Type as a plain string, so requests must carry
// exactly ContentTypeProtobuf or ContentTypeJSON (a "; charset=" parameter
// gets 415). CodecForContentType matches the same way; NegotiateAccept
// chooses the SUBSCRIBE response encoding from Accept as the agent does.
//
// # Protobuf
//
// Bytes are decoded with gogo protobuf into mesos-go's types. Unknown fields
// are skipped (the agent's SUBSCRIBED carries AgentInfo field 7, SlaveInfo's
// deprecated checkpoint flag, which the v1 schema lacks). A decoder panic on
// a malformed length field (mesos-go v0.0.11's decoders can panic on lengths
// near 2^63) becomes a *DecodeError.
//
// # Event numbering
//
// Agents 0.28 and later number Event.Type ERROR=6 and SHUTDOWN=7; 0.25 to
// 0.27 used SHUTDOWN=6 and ERROR=7, and 0.27 put a Shutdown message
// {grace_period_seconds} in Event field 7 and the Error message in field 8.
// A protobuf Codec with Numbering027 translates both ways: decoding maps
// type 6 to SHUTDOWN and 7 to ERROR, moves field 8 into Event.Error and
// drops field 7 (the v1 Event has no room for the grace period, and a 0.27
// agent never sets it: only the 0.27 C++ library injects it locally). Events
// and calls that 0.27 did not have (LAUNCH_GROUP, HEARTBEAT, UNKNOWN) cannot
// be encoded with Numbering027. JSON names the types, so numbering changes
// nothing there beyond those checks. Agents 0.25 and 0.26 are not supported:
// they are a stub that never subscribes, and their JSON names differ as well
// (Subscribe had "tasks" and "updates", Update had "timestamp" and "uuid").
//
// # JSON
//
// Messages are written and read with mesos-go's ffjson methods, adjusted to
// what agents accept and send:
//
//   - Encoding drops members that are null (mesos-go writes null for every
//     nil slice and map; agents before 0.27 reject null), empty arrays and
//     objects of repeated and map fields, and optional enum fields left at
//     their zero value when that value is named UNKNOWN. Agents before 1.5
//     reject an enum name their schema lacks, and UNKNOWN was added to most
//     enums only later; an unset optional enum reads as its first value,
//     which is UNKNOWN, so the meaning is unchanged. It also drops enum
//     values mesos-go has no name for (it writes them as quoted numbers,
//     which no agent reads) unless the field is required. The result
//     otherwise matches the agent's own JSON: no nulls, bytes in base64.
//   - Decoding accepts unknown fields, and unknown enum names much as agents
//     since 1.5 do: in a repeated enum field, or in an optional one that
//     mesos-go can leave unset (a pointer), the name is dropped; in any
//     other optional field of an enum that has UNKNOWN=0 it is read as
//     UNKNOWN. So an event of a type newer than mesos-go comes back with
//     Type UNKNOWN (in protobuf, with its number) rather than as an error,
//     for the driver to ignore. An unknown name in a required field, or in
//     an optional one whose enum lacks UNKNOWN, is still an error. This
//     tolerant pass runs only when the plain decode fails, and only knows
//     member names spelled exactly (mesos-go's decoder also accepts them in
//     any case). Input must be valid UTF-8 JSON with nothing after it.
//
// # Decoded events
//
// DecodeEvent also checks that an event of a known type carries its
// payload (a SUBSCRIBED has "subscribed", and so on), so a driver can use
// the payload without nil checks; a missing one is a *DecodeError wrapping
// ErrMissingPayload. DecodeCall does no validation: that is the agent's job
// and a simulated agent wants to reproduce the agent's own answers.
package httpapi
