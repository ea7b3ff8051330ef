package recordio

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// FuzzReader feeds arbitrary bytes, in reads of a size taken from the first
// byte, to a Reader: it must never panic, every error must be one of the
// documented kinds, and the records read must survive AppendRecord and a
// second reading unchanged.
//
// Besides the seeds added here, testdata/fuzz/FuzzReader holds the
// de-chunked bodies of every SUBSCRIBE response in the shared v1 captures
// (captured-<scenario>-<n>: the n-th 200 answer in
// shared/captures/mesos-1.12-dev/pcap/<scenario>.pcap); TestCapturedSeeds
// checks their records against the transcripts.
func FuzzReader(f *testing.F) {
	for _, s := range []string{
		"", "0\n", "5\nhello", "5\nhello3\nabc", "5\nhel", "12", "\n", "-1\n", "5\r\nhello",
		"18446744073709551615\n", "18446744073709551616\n", "000000000000000000003\nabc",
		"2097152\nxyz",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		chunk := 1
		if len(data) > 0 {
			chunk = int(data[0])%13 + 1
		}
		recs, err := readAll(NewReader(&chunky{r: bytes.NewReader(data), max: chunk}))
		checkEnding(t, err)
		var again []byte
		for _, rec := range recs {
			again = AppendRecord(again, rec)
		}
		back, err := readAll(NewReader(bytes.NewReader(again)))
		if err != io.EOF {
			t.Fatalf("re-encoded records end with %v", err)
		}
		if len(back) != len(recs) {
			t.Fatalf("re-encoded %d records, read back %d", len(recs), len(back))
		}
		for i := range recs {
			if !bytes.Equal(recs[i], back[i]) {
				t.Fatalf("record %d: read %q, read back %q", i, recs[i], back[i])
			}
		}
	})
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
