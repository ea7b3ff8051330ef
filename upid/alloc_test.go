package upid

import "testing"

// Parsing text in the form String prints, as every libprocess sender
// writes its own pid, allocates nothing: a receiver parses a sender per
// message.
func TestParsingCanonicalTextDoesNotAllocate(t *testing.T) {
	for _, s := range []string{"slave(1)@10.0.0.5:5051", "executor(1)@[2001:db8::1]:40161", "slave(1)@agent-1.example.com:5051"} {
		if n := testing.AllocsPerRun(100, func() { MustParse(s) }); n != 0 {
			t.Errorf("Parse(%q) allocates %v times", s, n)
		}
	}
}
