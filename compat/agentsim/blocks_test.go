package agentsim

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// Elements keep their index, and their place, across blocks: the list
// never copies them as it grows.
func TestBlocksKeepTheirElementsInPlace(t *testing.T) {
	var l blocks[int]
	first := (*int)(nil)
	for i := range 2*blockLen + 5 {
		l.add(i)
		if i == 0 {
			first = l.at(0)
		}
	}
	require.Equal(t, 2*blockLen+5, l.len())
	for _, i := range []int{0, blockLen - 1, blockLen, 2 * blockLen, 2*blockLen + 4} {
		require.Equal(t, i, *l.at(i))
	}
	require.Same(t, first, l.at(0), "the first element moved")
	all := l.all()
	require.Len(t, all, l.len())
	require.Equal(t, blockLen, all[blockLen])
}
