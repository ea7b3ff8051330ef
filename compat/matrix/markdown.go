package matrix

import (
	"fmt"
	"strings"

	"github.com/mesos-shim/executor/compat/agentsim"
)

// Markdown is the matrix as a Markdown document: the agent profiles and
// the releases each stands for, the scenarios, and one row per scenario
// and profile with a column per mode. It holds no timings, so the same
// verdicts always print the same text.
func (r Result) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Compatibility matrix\n\n")
	fmt.Fprintf(&b, "The %s against every simulated agent generation of `compat/agentsim`, on every wire, "+
		"as `make matrix` (`go run ./cmd/matrix`) prints it. Do not edit: regenerate it with `make matrix`.\n\n", r.Executor)
	fmt.Fprintf(&b, "%d cells: %d PASS, %d FAIL, %d N/A.\n\n", len(r.Cells), r.Count(Pass), r.Count(Fail), r.Count(NA))

	b.WriteString("## Agents\n\n| profile | stands for | v1 endpoint |\n|---|---|---|\n")
	for _, p := range r.Profiles {
		fmt.Fprintf(&b, "| %s | %s | %s |\n", p.Name, cellText(p.Describe), v1Text(p.V1))
	}

	b.WriteString("\n## Modes\n\n")
	b.WriteString("- `auto`: the executor chooses its wire (`MESOS_SHIM_PROTOCOL=auto`).\n")
	b.WriteString("- `v0`: the legacy libprocess wire, forced (`MESOS_SHIM_PROTOCOL=v0`).\n")
	b.WriteString("- `v1`: the v1 executor HTTP API, forced (`MESOS_SHIM_PROTOCOL=v1`), on agents whose v1 endpoint works (0.27+).\n\n")
	b.WriteString("A PASS cell names the wire the executor registered on.\n")

	b.WriteString("\n## Scenarios\n\n| scenario | what it does and checks |\n|---|---|\n")
	for _, sc := range r.Scenarios {
		fmt.Fprintf(&b, "| %s | %s |\n", sc.Name, cellText(sc.Describe))
	}
	b.WriteString("\nEvery cell also checks that the executor registered on the wire its mode asks for, " +
		"that every status update was acknowledged exactly once, and that the agent had nothing to refuse, drop or destroy.\n")

	b.WriteString("\n## Results\n\n| scenario | agent |")
	for _, m := range r.Modes {
		fmt.Fprintf(&b, " %s |", m)
	}
	b.WriteString("\n|---|---|" + strings.Repeat("---|", len(r.Modes)) + "\n")
	for _, sc := range r.Scenarios {
		for _, p := range r.Profiles {
			fmt.Fprintf(&b, "| %s | %s |", sc.Name, p.Name)
			for _, m := range r.Modes {
				c, _ := r.Cell(p.Name, sc.Name, m)
				fmt.Fprintf(&b, " %s |", cellText(c.short()))
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}

// short is the cell as the table shows it.
func (c Cell) short() string {
	switch c.Verdict {
	case Pass:
		return fmt.Sprintf("PASS (%s)", c.Wire)
	case Fail:
		return "FAIL: " + c.Reason
	}
	return "N/A: " + c.Reason
}

func v1Text(e agentsim.V1Endpoint) string {
	switch e {
	case agentsim.V1None:
		return "none"
	case agentsim.V1Stub:
		return "stub (never sends SUBSCRIBED)"
	}
	return "works"
}

// cellText keeps s on one table line.
func cellText(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "\n", " ")
}
