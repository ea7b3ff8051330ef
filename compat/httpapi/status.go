package httpapi

import "fmt"

// Kind classifies an unexpected answer to a call, for the driver to branch
// on.
type Kind int

const (
	// Other is any status not listed below, including 200 to a call
	// other than SUBSCRIBE and 202 to a SUBSCRIBE.
	Other Kind = iota
	// Retry is 503: the agent has not finished recovery. Retry the
	// call (an UPDATE too) after a delay.
	Retry
	// NotFound is 404: no v1 endpoint (agent older than 0.25). A driver
	// that has never subscribed may fall back to the legacy wire.
	NotFound
	// Unauthorized is 401 (token missing or invalid) and 403 (token
	// claims do not match, a call before SUBSCRIBE, or a path not allowed
	// over the domain socket).
	Unauthorized
	// BadRequest is 400: the call is invalid, or "Framework cannot be
	// found" / "Executor cannot be found" (wrong IDs). Do not fall back.
	BadRequest
	// Unsupported is 415 (Content-Type), 406 (Accept) and 501 (call type
	// UNKNOWN, or one the agent does not implement).
	Unsupported
)

func (k Kind) String() string {
	switch k {
	case Other:
		return "other"
	case Retry:
		return "retry"
	case NotFound:
		return "not found"
	case Unauthorized:
		return "unauthorized"
	case BadRequest:
		return "bad request"
	case Unsupported:
		return "unsupported"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// maxBodyBytes bounds how much of a response body an APIError keeps.
const maxBodyBytes = 4096

// APIError is an unexpected answer from the agent's executor endpoint.
type APIError struct {
	Status    int
	Body      string // the response body, cut at 4 KiB
	Kind      Kind
	Subscribe bool // the call was a SUBSCRIBE
}

func (e *APIError) Error() string {
	call := "call"
	if e.Subscribe {
		call = "SUBSCRIBE"
	}
	msg := fmt.Sprintf("httpapi: %s answered %d %s (%s)", call, e.Status, statusText(e.Status), e.Kind)
	if e.Body != "" {
		msg += ": " + e.Body
	}
	return msg
}

// ClassifyResponse returns nil for the success status of the call (200 for
// a SUBSCRIBE, 202 for any other call) and an *APIError for anything else.
// Only the status decides the Kind; the body is kept for messages.
func ClassifyResponse(status int, body []byte, subscribe bool) error {
	if status == successStatus(subscribe) {
		return nil
	}
	if len(body) > maxBodyBytes {
		body = body[:maxBodyBytes]
	}
	return &APIError{Status: status, Body: string(body), Kind: kindOf(status), Subscribe: subscribe}
}

func successStatus(subscribe bool) int {
	if subscribe {
		return statusOK
	}
	return statusAccepted
}

func kindOf(status int) Kind {
	switch status {
	case statusServiceUnavailable:
		return Retry
	case statusNotFound:
		return NotFound
	case statusUnauthorized, statusForbidden:
		return Unauthorized
	case statusBadRequest:
		return BadRequest
	case statusUnsupportedMediaType, statusNotAcceptable, statusNotImplemented:
		return Unsupported
	}
	return Other
}
