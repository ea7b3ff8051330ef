package matrix

import (
	"context"
	"testing"
)

// Test runs the matrix the options choose and reports each cell as a
// subtest named profile/scenario/mode: skipped with its reason if N/A,
// failed with its checks and the agent's trace if FAIL. The cells run
// concurrently (Options.Parallel), before the subtests report them.
func Test(t *testing.T, opts Options) Result {
	t.Helper()
	res, err := Run(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range res.Cells {
		t.Run(c.Name(), func(t *testing.T) {
			switch c.Verdict {
			case NA:
				t.Skip(c.Reason)
			case Fail:
				t.Errorf("%s\n\nagent trace:\n%s", c.Report(), c.Trace)
			}
		})
	}
	return res
}
