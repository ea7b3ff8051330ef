package main

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func implNames(ims []impl) []string {
	var names []string
	for _, im := range ims {
		names = append(names, im.name)
	}
	return names
}

func TestOnlyPicksTheImplementationsItMatches(t *testing.T) {
	all, err := selectImpls("")
	require.NoError(t, err)
	require.Equal(t, []string{"ours-v0", "ours-v1", "mesos-go-v0", "mesos-go-v1"}, implNames(all))

	v1, err := selectImpls("v1$")
	require.NoError(t, err)
	require.Equal(t, []string{"ours-v1", "mesos-go-v1"}, implNames(v1))

	_, err = selectImpls("nothing")
	require.ErrorContains(t, err, `"nothing" matches no implementation`)

	_, err = selectImpls("(")
	require.ErrorContains(t, err, "-only")
}
