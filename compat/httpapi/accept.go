package httpapi

import (
	"strconv"
	"strings"
)

// NegotiateAccept chooses the encoding of a SUBSCRIBE response from the
// request's Accept header values, as the agent does: JSON if it is
// acceptable, otherwise protobuf, otherwise none (the agent answers 406).
// No Accept header at all accepts everything. Each media range may be
// exact, type/* or */*; the first range that matches decides, and q=0
// refuses.
func NegotiateAccept(values []string) (Codec, bool) {
	if values == nil {
		return JSON, true
	}
	header := strings.Join(values, ",")
	switch {
	case accepts(header, ContentTypeJSON):
		return JSON, true
	case accepts(header, ContentTypeProtobuf):
		return Protobuf, true
	}
	return Codec{}, false
}

// accepts reports whether the Accept header accepts mediaType, trying the
// exact type first, then type/*, then */*.
func accepts(header, mediaType string) bool {
	header = strings.NewReplacer(" ", "", "\t", "", "\n", "").Replace(header)
	kind, _, _ := strings.Cut(mediaType, "/")
	for _, candidate := range []string{mediaType, kind + "/*", "*/*"} {
		for _, r := range strings.Split(header, ",") {
			params := strings.Split(r, ";")
			if strings.EqualFold(params[0], candidate) {
				return positiveQ(params[1:])
			}
		}
	}
	return false
}

// positiveQ reports whether a media range's parameters leave it acceptable:
// no q or more than one q (malformed) accept; one q accepts if above 0.
func positiveQ(params []string) bool {
	var qs []string
	for _, p := range params {
		if name, value, ok := strings.Cut(p, "="); ok && name == "q" {
			qs = append(qs, value)
		}
	}
	if len(qs) != 1 {
		return true
	}
	q, err := strconv.ParseFloat(qs[0], 64)
	return err == nil && q > 0
}
