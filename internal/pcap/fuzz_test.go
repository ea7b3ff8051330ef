package pcap_test

// An external test package: internal/fuzzseed, which builds the corpus,
// reads captures with this package.

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"testing"

	"github.com/mesos-shim/executor/internal/fuzzseed"
	"github.com/mesos-shim/executor/internal/pcap"
)

// FuzzReadStreams reads arbitrary bytes as a capture file. It must not
// panic; it must fail only with an ErrFormat or, for a well-formed file of
// another link type, by naming it; and the streams it reassembles must hold
// no more payload than the file does (each captured byte at most once), and
// never a negative count of missing bytes. The committed corpus holds the
// start of every capture (see TestFuzzSeeds).
func FuzzReadStreams(f *testing.F) {
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		streams, err := pcap.ReadStreams(bytes.NewReader(data))
		if err != nil {
			if !errors.Is(err, pcap.ErrFormat) {
				pr, herr := pcap.NewReader(bytes.NewReader(data))
				if herr != nil || pr.LinkType() == pcap.LinkTypeEthernet {
					t.Fatalf("error without ErrFormat: %v", err)
				}
			}
			return
		}
		total := 0
		for _, s := range streams {
			total += len(s.Data)
			if s.Missing < 0 {
				t.Fatalf("%s: %d bytes missing", s.Flow, s.Missing)
			}
		}
		if total > len(data) {
			t.Fatalf("%d bytes of streams from a %d-byte file", total, len(data))
		}
	})
}

// firstPackets are how many packets of each capture the corpus keeps: the
// handshakes and first requests, small enough for the fuzzer to mutate.
const firstPackets = 8

// TestFuzzSeeds checks (with FUZZSEED=write, rewrites) the committed corpus
// of FuzzReadStreams: the file header and first packets of every capture
// (see internal/fuzzseed).
func TestFuzzSeeds(t *testing.T) {
	var seeds []fuzzseed.Seed
	for _, sc := range fuzzseed.Scenarios(t) {
		data, err := os.ReadFile(fuzzseed.PcapFile(t, sc))
		if err != nil {
			t.Fatal(err)
		}
		seeds = append(seeds, fuzzseed.New("captured-"+sc+"-head", head(t, data, firstPackets)))
	}
	fuzzseed.Sync(t, "FuzzReadStreams", seeds)
}

// head cuts a little-endian microsecond capture after n packets.
func head(t *testing.T, data []byte, n int) []byte {
	if len(data) < 24 || binary.LittleEndian.Uint32(data) != 0xa1b2c3d4 {
		t.Fatalf("not a little-endian microsecond capture")
	}
	end := 24
	for i := 0; i < n && end+16 <= len(data); i++ {
		end += 16 + int(binary.LittleEndian.Uint32(data[end+8:end+12]))
	}
	return data[:min(end, len(data))]
}
