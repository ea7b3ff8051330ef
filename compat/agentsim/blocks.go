package agentsim

// blocks is an append-only list kept in blocks of blockLen elements, so
// that a long list grows without copying what it holds. A busy agent adds
// a trace entry per message and records every update: copying them on
// growth, with the collector's write barriers on, was a large part of the
// simulated agent's cost in the benchmarks.
type blocks[T any] struct {
	b [][]T
	n int
}

const blockLen = 4096

// add appends v.
func (l *blocks[T]) add(v T) {
	if l.n%blockLen == 0 {
		l.b = append(l.b, make([]T, 0, blockLen))
	}
	last := &l.b[len(l.b)-1]
	*last = append(*last, v)
	l.n++
}

// len is the number of elements.
func (l *blocks[T]) len() int { return l.n }

// at returns element i, which the list goes on holding.
func (l *blocks[T]) at(i int) *T { return &l.b[i/blockLen][i%blockLen] }

// all returns a copy of the elements, in order.
func (l *blocks[T]) all() []T {
	out := make([]T, 0, l.n)
	for _, b := range l.b {
		out = append(out, b...)
	}
	return out
}
