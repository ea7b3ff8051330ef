package httpapi

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestClassifyResponse(t *testing.T) {
	tests := []struct {
		status    int
		subscribe bool
		body      string
		want      Kind
		ok        bool
	}{
		{status: 200, subscribe: true, ok: true},
		{status: 202, ok: true},
		{status: 202, subscribe: true, want: Other},
		{status: 200, want: Other},
		{status: 503, subscribe: true, body: "Agent has not finished recovery", want: Retry},
		{status: 503, body: "Agent has not finished recovery", want: Retry},
		{status: 404, subscribe: true, want: NotFound},
		{status: 401, body: "Unauthorized", want: Unauthorized},
		{status: 403, body: "Executor is not subscribed", want: Unauthorized},
		{status: 400, subscribe: true, body: "Framework cannot be found", want: BadRequest},
		{status: 400, body: "Executor cannot be found", want: BadRequest},
		{status: 400, body: "Expecting 'type' to be present", want: BadRequest},
		{status: 415, want: Unsupported},
		{status: 406, subscribe: true, want: Unsupported},
		{status: 501, want: Unsupported},
		{status: 405, want: Other},
		{status: 500, want: Other},
		{status: 302, want: Other},
	}
	for _, tt := range tests {
		err := ClassifyResponse(tt.status, []byte(tt.body), tt.subscribe)
		if tt.ok {
			require.NoError(t, err, tt.status)
			continue
		}
		var ae *APIError
		require.ErrorAs(t, err, &ae, tt.status)
		require.Equal(t, APIError{Status: tt.status, Body: tt.body, Kind: tt.want, Subscribe: tt.subscribe}, *ae)
	}
}

func TestAPIErrorMessage(t *testing.T) {
	err := ClassifyResponse(503, []byte("Agent has not finished recovery"), false)
	require.EqualError(t, err, "httpapi: call answered 503 Service Unavailable (retry): Agent has not finished recovery")
	err = ClassifyResponse(404, nil, true)
	require.EqualError(t, err, "httpapi: SUBSCRIBE answered 404 Not Found (not found)")
}

func TestAPIErrorKeepsABoundedBody(t *testing.T) {
	err := ClassifyResponse(400, []byte(strings.Repeat("x", 10000)), false)
	var ae *APIError
	require.True(t, errors.As(err, &ae))
	require.Len(t, ae.Body, maxBodyBytes)
}

func TestKindString(t *testing.T) {
	names := map[Kind]string{Other: "other", Retry: "retry", NotFound: "not found",
		Unauthorized: "unauthorized", BadRequest: "bad request", Unsupported: "unsupported", Kind(42): "Kind(42)"}
	for k, want := range names {
		require.Equal(t, want, k.String())
	}
}

func TestNegotiateAccept(t *testing.T) {
	tests := []struct {
		accept []string
		want   Codec
		ok     bool
	}{
		{accept: nil, want: JSON, ok: true},
		{accept: []string{"application/x-protobuf", "application/x-protobuf"}, want: Protobuf, ok: true}, // mesos-go
		{accept: []string{"application/json"}, want: JSON, ok: true},
		{accept: []string{"Application/JSON"}, want: JSON, ok: true},
		{accept: []string{"*/*"}, want: JSON, ok: true},
		{accept: []string{"application/*"}, want: JSON, ok: true},
		{accept: []string{"application/json;q=0, application/x-protobuf"}, want: Protobuf, ok: true},
		{accept: []string{"application/json; q=0.5"}, want: JSON, ok: true},
		{accept: []string{"application/json;q=0;q=0"}, want: JSON, ok: true}, // two q values: malformed, accepted
		{accept: []string{"application/json;q=0", "*/*"}, want: Protobuf, ok: true},
		{accept: []string{"application/x-protobuf;q=0", "*/*;q=0"}},
		{accept: []string{"text/plain"}},
		{accept: []string{""}},
	}
	for _, tt := range tests {
		got, ok := NegotiateAccept(tt.accept)
		require.Equal(t, tt.ok, ok, "%q", tt.accept)
		require.Equal(t, tt.want, got, "%q", tt.accept)
	}
}
