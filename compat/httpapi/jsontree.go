package httpapi

import (
	"bytes"
	"errors"
	"strings"
)

// A JSON value as parsed by parseJSON: nil for null, *object, []any, or a
// literal holding any other value exactly as written (a string keeps its
// quotes and escapes). Objects keep their members in order. Keeping the
// text of scalars means writing a value back reproduces it byte for byte.
type object struct{ members []member }

type member struct {
	name  literal
	value any
}

type literal string

// text returns the content of a string literal without escapes; ok is false
// for any other literal and for a string with escapes (no mesos-go field or
// enum name needs one).
func (l literal) text() (string, bool) {
	s := string(l)
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' || strings.IndexByte(s, '\\') >= 0 {
		return "", false
	}
	return s[1 : len(s)-1], true
}

var errSyntax = errors.New("httpapi: malformed JSON")

// parseJSON parses one JSON value, which must be all of data. It checks
// only what it needs to find the structure: call json.Valid first on input
// from outside, which also bounds the nesting depth.
func parseJSON(data []byte) (any, error) {
	p := &parser{b: data}
	v, err := p.value()
	if p.space(); err == nil && p.i != len(p.b) {
		err = errSyntax
	}
	return v, err
}

type parser struct {
	b []byte
	i int
}

func (p *parser) space() {
	for p.i < len(p.b) && (p.b[p.i] == ' ' || p.b[p.i] == '\t' || p.b[p.i] == '\n' || p.b[p.i] == '\r') {
		p.i++
	}
}

func (p *parser) value() (any, error) {
	p.space()
	if p.i == len(p.b) {
		return nil, errSyntax
	}
	switch p.b[p.i] {
	case '{':
		return p.object()
	case '[':
		return p.array()
	case '"':
		return p.str()
	}
	return p.scalar()
}

// scalar reads a number, true, false or null.
func (p *parser) scalar() (any, error) {
	start := p.i
	for p.i < len(p.b) && strings.IndexByte(",]} \t\n\r", p.b[p.i]) < 0 {
		p.i++
	}
	lit := literal(p.b[start:p.i])
	switch {
	case lit == "":
		return nil, errSyntax
	case lit == "null":
		return nil, nil
	}
	return lit, nil
}

// str reads a string, quotes and escapes included.
func (p *parser) str() (literal, error) {
	start := p.i
	for p.i++; p.i < len(p.b); p.i++ {
		switch p.b[p.i] {
		case '\\':
			p.i++
		case '"':
			p.i++
			return literal(p.b[start:p.i]), nil
		}
	}
	return "", errSyntax
}

// next skips space and reports whether the next byte is c, consuming it.
func (p *parser) next(c byte) bool {
	p.space()
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *parser) object() (*object, error) {
	p.i++ // '{'
	o := new(object)
	if p.next('}') {
		return o, nil
	}
	for {
		if p.space(); p.i == len(p.b) || p.b[p.i] != '"' {
			return nil, errSyntax
		}
		name, err := p.str()
		if err != nil || !p.next(':') {
			return nil, errSyntax
		}
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		o.members = append(o.members, member{name: name, value: v})
		if p.next('}') {
			return o, nil
		}
		if !p.next(',') {
			return nil, errSyntax
		}
	}
}

func (p *parser) array() ([]any, error) {
	p.i++ // '['
	a := []any{}
	if p.next(']') {
		return a, nil
	}
	for {
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		a = append(a, v)
		if p.next(']') {
			return a, nil
		}
		if !p.next(',') {
			return nil, errSyntax
		}
	}
}

// writeJSON writes a parsed value back as compact JSON.
func writeJSON(v any) []byte {
	var buf bytes.Buffer
	writeValue(&buf, v)
	return buf.Bytes()
}

func writeValue(buf *bytes.Buffer, v any) {
	switch v := v.(type) {
	case nil:
		buf.WriteString("null")
	case literal:
		buf.WriteString(string(v))
	case []any:
		buf.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeValue(buf, e)
		}
		buf.WriteByte(']')
	case *object:
		buf.WriteByte('{')
		for i, m := range v.members {
			if i > 0 {
				buf.WriteByte(',')
			}
			buf.WriteString(string(m.name))
			buf.WriteByte(':')
			writeValue(buf, m.value)
		}
		buf.WriteByte('}')
	}
}
