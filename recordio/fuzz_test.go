package recordio

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/mesos-shim/executor/internal/fuzzseed"
)

// FuzzReader feeds arbitrary bytes, in reads of a size taken from the first
// byte, to a Reader: it must never panic, every error must be one of the
// documented kinds, the records must not depend on how the bytes arrive,
// they must survive AppendRecord and a second reading unchanged, and a
// Reader with a small maximum (taken from the second byte) must give the
// same records up to the first one over it, and refuse that one with
// ErrRecordTooLarge.
//
// Besides the seeds added here, testdata/fuzz/FuzzReader holds the
// de-chunked bodies of every SUBSCRIBE response in the v1 captures
// (captured-<scenario>-<n>: the n-th 200 answer in
// testdata/captures/mesos-1.12-dev/pcap/<scenario>.pcap at the module
// root), written by TestFuzzSeeds; TestCapturedSeeds checks their records
// against the transcripts.
func FuzzReader(f *testing.F) {
	for _, s := range []string{
		"", "0\n", "5\nhello", "5\nhello3\nabc", "5\nhel", "12", "\n", "-1\n", "5\r\nhello",
		"18446744073709551615\n", "18446744073709551616\n", "000000000000000000003\nabc",
		"2097152\nxyz",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		chunk, small := 1, 1
		if len(data) > 1 {
			chunk, small = int(data[0])%13+1, int(data[1])%64+1
		}
		recs, err := readAll(NewReader(&chunky{r: bytes.NewReader(data), max: chunk}))
		checkEnding(t, err)
		whole, wholeErr := readAll(NewReader(bytes.NewReader(data)))
		requireSameRecords(t, "read at once", recs, whole)
		if (err == io.EOF) != (wholeErr == io.EOF) {
			t.Fatalf("read in %d-byte pieces ends with %v, at once with %v", chunk, err, wholeErr)
		}
		checkSmallMaximum(t, data, small, recs)
		var again []byte
		for _, rec := range recs {
			again = AppendRecord(again, rec)
		}
		back, err := readAll(NewReader(bytes.NewReader(again)))
		if err != io.EOF {
			t.Fatalf("re-encoded records end with %v", err)
		}
		requireSameRecords(t, "re-encoded", recs, back)
	})
}

// checkSmallMaximum reads data with a maximum of max bytes: the records
// must be those of an unlimited Reader up to the first one longer than max,
// which must be refused with ErrRecordTooLarge.
func checkSmallMaximum(t *testing.T, data []byte, max int, unlimited [][]byte) {
	limited, err := readAll(NewReader(bytes.NewReader(data), WithMaxRecordBytes(max)))
	checkEnding(t, err)
	n := 0
	for n < len(unlimited) && len(unlimited[n]) <= max {
		n++
	}
	if len(limited) > n {
		t.Fatalf("a Reader with maximum %d read %d records, only %d fit", max, len(limited), n)
	}
	requireSameRecords(t, fmt.Sprintf("read with maximum %d", max), unlimited[:len(limited)], limited)
	if len(limited) < len(unlimited) && n == len(limited) && !errors.Is(err, ErrRecordTooLarge) {
		t.Fatalf("record %d of %d bytes is over the maximum %d, but reading ended with %v",
			n, len(unlimited[n]), max, err)
	}
}

func requireSameRecords(t *testing.T, how string, want, got [][]byte) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d records, want %d", how, len(got), len(want))
	}
	for i := range want {
		if !bytes.Equal(want[i], got[i]) {
			t.Fatalf("%s: record %d is %q, want %q", how, i, got[i], want[i])
		}
	}
}

// checkEnding fails unless err is a documented way for a stream to end.
func checkEnding(t *testing.T, err error) {
	var fe *FormatError
	switch {
	case err == io.EOF:
	case errors.Is(err, io.ErrUnexpectedEOF):
	case errors.As(err, &fe):
	default:
		t.Fatalf("undocumented error %T: %v", err, err)
	}
}

// TestFuzzSeeds checks (with FUZZSEED=write, rewrites) the committed corpus
// of FuzzReader: the de-chunked body of every 200 answer to a SUBSCRIBE in
// the captures (see internal/fuzzseed).
func TestFuzzSeeds(t *testing.T) {
	var seeds []fuzzseed.Seed
	n := map[string]int{}
	for _, x := range fuzzseed.Exchanges(t) {
		if x.Resp == nil || x.Resp.StatusCode != http.StatusOK || x.Libprocess() {
			continue
		}
		n[x.Scenario]++
		seeds = append(seeds, fuzzseed.New(fmt.Sprintf("captured-%s-%d", x.Scenario, n[x.Scenario]), x.RespBody))
	}
	fuzzseed.Sync(t, "FuzzReader", seeds)
}
