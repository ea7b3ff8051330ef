package httpapi

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// The package's own status texts and constants are net/http's, which the
// package no longer imports outside tests. (A status registered after the
// table was written reads "", as an unknown one does in net/http.)
func TestStatusTextIsNetHTTPs(t *testing.T) {
	for status, text := range statusTexts {
		require.Equal(t, http.StatusText(status), text, "status %d", status)
	}
	require.Equal(t, "", statusText(599))
	for ours, theirs := range map[int]int{
		statusOK: http.StatusOK, statusAccepted: http.StatusAccepted, statusBadRequest: http.StatusBadRequest,
		statusUnauthorized: http.StatusUnauthorized, statusForbidden: http.StatusForbidden,
		statusNotFound: http.StatusNotFound, statusNotAcceptable: http.StatusNotAcceptable,
		statusUnsupportedMediaType: http.StatusUnsupportedMediaType,
		statusNotImplemented:       http.StatusNotImplemented, statusServiceUnavailable: http.StatusServiceUnavailable,
	} {
		require.Equal(t, theirs, ours)
	}
}
