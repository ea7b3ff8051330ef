package pcap

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// captures is where the real Mesos 1.12 captures live, committed in the
// repository at testdata/captures/mesos-1.12-dev.
var captures = filepath.Join("..", "..", "testdata", "captures", "mesos-1.12-dev")

var (
	client = netip.MustParseAddrPort("127.0.0.1:40000")
	server = netip.MustParseAddrPort("127.0.0.1:5051")
	t0     = time.Date(2026, 11, 22, 5, 42, 37, 432286000, time.UTC)
)

// tcpFrame builds an Ethernet/IPv4/TCP frame.
func tcpFrame(src, dst netip.AddrPort, seq uint32, flags uint8, payload string) []byte {
	tcp := make([]byte, 20, 20+len(payload))
	binary.BigEndian.PutUint16(tcp[0:], src.Port())
	binary.BigEndian.PutUint16(tcp[2:], dst.Port())
	binary.BigEndian.PutUint32(tcp[4:], seq)
	tcp[12] = 5 << 4
	tcp[13] = flags
	tcp = append(tcp, payload...)
	ip := make([]byte, 20, 20+len(tcp))
	ip[0] = 0x45
	binary.BigEndian.PutUint16(ip[2:], uint16(20+len(tcp)))
	ip[8], ip[9] = 64, protoTCP
	s, d := src.Addr().As4(), dst.Addr().As4()
	copy(ip[12:], s[:])
	copy(ip[16:], d[:])
	ip = append(ip, tcp...)
	eth := make([]byte, 14, 14+len(ip))
	binary.BigEndian.PutUint16(eth[12:], etherTypeIPv4)
	return append(eth, ip...)
}

// capture writes a classic pcap file holding frames, one per microsecond
// (or nanosecond) after t0.
func capture(order binary.ByteOrder, nano bool, linkType uint32, frames ...[]byte) []byte {
	var b bytes.Buffer
	h := make([]byte, 24)
	magic := uint32(magicMicro)
	if nano {
		magic = magicNano
	}
	order.PutUint32(h[0:], magic)
	order.PutUint16(h[4:], 2)
	order.PutUint16(h[6:], 4)
	order.PutUint32(h[16:], maxRecordBytes)
	order.PutUint32(h[20:], linkType)
	b.Write(h)
	for i, f := range frames {
		r := make([]byte, 16)
		frac := uint32(t0.Nanosecond()/1000 + i)
		if nano {
			frac = uint32(t0.Nanosecond() + i)
		}
		order.PutUint32(r[0:], uint32(t0.Unix()))
		order.PutUint32(r[4:], frac)
		order.PutUint32(r[8:], uint32(len(f)))
		order.PutUint32(r[12:], uint32(len(f)))
		b.Write(r)
		b.Write(f)
	}
	return b.Bytes()
}

func streamsOf(t *testing.T, frames ...[]byte) []*Stream {
	t.Helper()
	ss, err := ReadStreams(bytes.NewReader(capture(binary.LittleEndian, false, LinkTypeEthernet, frames...)))
	require.NoError(t, err)
	return ss
}

func TestReaderReadsEveryByteOrderAndResolution(t *testing.T) {
	frame := tcpFrame(client, server, 1, FlagACK|FlagPSH, "hello")
	for _, c := range []struct {
		name  string
		order binary.ByteOrder
		nano  bool
		step  time.Duration
	}{
		{"little-endian µs", binary.LittleEndian, false, time.Microsecond},
		{"big-endian µs", binary.BigEndian, false, time.Microsecond},
		{"little-endian ns", binary.LittleEndian, true, time.Nanosecond},
		{"big-endian ns", binary.BigEndian, true, time.Nanosecond},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, err := NewReader(bytes.NewReader(capture(c.order, c.nano, LinkTypeEthernet, frame, frame)))
			require.NoError(t, err)
			require.EqualValues(t, LinkTypeEthernet, r.LinkType())
			for i := 0; i < 2; i++ {
				p, err := r.Next()
				require.NoError(t, err)
				require.Equal(t, frame, p.Data)
				require.Equal(t, len(frame), p.OrigLen)
				require.Equal(t, t0.Add(time.Duration(i)*c.step), p.Time)
			}
			_, err = r.Next()
			require.Equal(t, io.EOF, err)
		})
	}
}

func TestReaderRejectsMalformedFiles(t *testing.T) {
	good := capture(binary.LittleEndian, false, LinkTypeEthernet, tcpFrame(client, server, 1, FlagACK, "x"))
	oversize := bytes.Clone(good)
	binary.LittleEndian.PutUint32(oversize[24+8:], maxRecordBytes+1)
	version1 := bytes.Clone(good)
	binary.LittleEndian.PutUint16(version1[4:], 1)
	pcapng := append([]byte{0x0a, 0x0d, 0x0d, 0x0a}, good[4:]...)
	for _, c := range []struct {
		name string
		file []byte
		want string
	}{
		{"empty file", nil, "file header"},
		{"short file header", good[:20], "file header"},
		{"pcapng", pcapng, "pcapng is not supported"},
		{"version 1", version1, "version 1.4"},
		{"record header cut short", good[:24+10], "record header cut short"},
		{"record data cut short", good[:len(good)-1], "cut short"},
		{"record longer than any snapshot", oversize, "limit"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ReadStreams(bytes.NewReader(c.file))
			require.ErrorIs(t, err, ErrFormat)
			require.ErrorContains(t, err, c.want)
		})
	}
}

func TestReadStreamsRejectsOtherLinkTypes(t *testing.T) {
	const linkTypeLinuxSLL = 113
	_, err := ReadStreams(bytes.NewReader(capture(binary.LittleEndian, false, linkTypeLinuxSLL)))
	require.ErrorContains(t, err, "link type 113")
}

func TestDecodeSkipsFramesThatAreNotIPv4TCP(t *testing.T) {
	arp := make([]byte, 42)
	binary.BigEndian.PutUint16(arp[12:], 0x0806)
	ipv6 := make([]byte, 54)
	binary.BigEndian.PutUint16(ipv6[12:], 0x86dd)
	udp := tcpFrame(client, server, 1, 0, "x")
	udp[14+9] = 17
	fragment := tcpFrame(client, server, 1, 0, "x")
	fragment[14+6] = 0x20 // more fragments
	for name, f := range map[string][]byte{"ARP": arp, "IPv6": ipv6, "UDP": udp, "IP fragment": fragment} {
		_, ok, err := DecodeEthernetTCP(f, t0)
		require.NoError(t, err, name)
		require.False(t, ok, name)
	}
}

func TestDecodeRejectsFramesCutShort(t *testing.T) {
	f := tcpFrame(client, server, 1, 0, "payload")
	badOffset := bytes.Clone(f)
	badOffset[14+20+12] = 15 << 4 // 60-byte TCP header in a 27-byte segment
	for name, frame := range map[string][]byte{
		"Ethernet header": f[:10],
		"IPv4 header":     f[:14+12],
		"IPv4 packet":     f[:len(f)-1],
		"TCP data offset": badOffset,
	} {
		_, _, err := DecodeEthernetTCP(frame, t0)
		require.ErrorIs(t, err, ErrFormat, name)
	}
}

func TestDecodeReadsVLANTagAndDropsEthernetPadding(t *testing.T) {
	f := tcpFrame(client, server, 7, FlagACK|FlagPSH, "ab")
	tagged := append(bytes.Clone(f[:12]), 0x81, 0x00, 0x00, 0x05)
	tagged = append(tagged, f[12:]...)
	tagged = append(tagged, make([]byte, 60-len(tagged)+6)...) // padding to the minimum frame size
	seg, ok, err := DecodeEthernetTCP(tagged, t0)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, Flow{client, server}, seg.Flow())
	require.Equal(t, uint32(7), seg.Seq)
	require.Equal(t, uint8(FlagACK|FlagPSH), seg.Flags)
	require.Equal(t, []byte("ab"), seg.Payload)
}

func TestAssemblerOrdersBySequenceAndKeepsEachByteOnce(t *testing.T) {
	const isn = 1000
	ss := streamsOf(t,
		tcpFrame(client, server, isn, FlagSYN, ""),
		tcpFrame(server, client, 5000, FlagSYN|FlagACK, ""),
		tcpFrame(client, server, isn+1+6, FlagACK, "world"), // arrives before the bytes it follows
		tcpFrame(client, server, isn+1, FlagACK, "hello "),
		tcpFrame(client, server, isn+1, FlagACK, "hello "),   // retransmission
		tcpFrame(client, server, isn+1+3, FlagACK, "lo wor"), // overlaps both
		tcpFrame(server, client, 5001, FlagACK|FlagPSH, "HTTP/1.1 202 Accepted\r\n\r\n"),
		tcpFrame(client, server, isn+1+11, FlagACK|FlagFIN, "!"),
	)
	require.Len(t, ss, 2)
	require.Equal(t, Flow{client, server}, ss[0].Flow)
	require.Equal(t, "hello world!", string(ss[0].Data))
	require.True(t, ss[0].SYN)
	require.True(t, ss[0].FIN)
	require.Zero(t, ss[0].Missing)
	require.Equal(t, t0, ss[0].Start)
	require.Equal(t, Flow{server, client}, ss[1].Flow)
	require.Equal(t, ss[0].Flow.Reverse(), ss[1].Flow)
	require.Equal(t, "HTTP/1.1 202 Accepted\r\n\r\n", string(ss[1].Data))
	require.Equal(t, t0.Add(time.Microsecond), ss[1].Start)
}

func TestAssemblerCountsBytesNeverCaptured(t *testing.T) {
	ss := streamsOf(t,
		tcpFrame(client, server, 10, FlagSYN, ""),
		tcpFrame(client, server, 11, FlagACK, "abc"),
		tcpFrame(client, server, 18, FlagACK, "hij"), // "defg" lost
	)
	require.Equal(t, "abchij", string(ss[0].Data))
	require.Equal(t, 4, ss[0].Missing)
}

func TestAssemblerHandlesSequenceWraparound(t *testing.T) {
	const isn = 0xfffffffd
	ss := streamsOf(t,
		tcpFrame(client, server, isn, FlagSYN, ""),
		tcpFrame(client, server, 1, FlagACK, "def"), // wrapped past zero
		tcpFrame(client, server, isn+1, FlagACK, "abc"),
	)
	require.Equal(t, "abcdef", string(ss[0].Data))
	require.Zero(t, ss[0].Missing)
}

func TestAssemblerStartsAtEarliestByteWithoutSYN(t *testing.T) {
	ss := streamsOf(t,
		tcpFrame(client, server, 500, FlagACK, "later"),
		tcpFrame(client, server, 495, FlagACK, "early"),
	)
	require.Equal(t, "earlylater", string(ss[0].Data))
	require.False(t, ss[0].SYN)
}

func TestAssemblerSplitsReusedFourTuple(t *testing.T) {
	ss := streamsOf(t,
		tcpFrame(client, server, 100, FlagSYN, ""),
		tcpFrame(client, server, 100, FlagSYN, ""), // retransmitted SYN: same connection
		tcpFrame(client, server, 101, FlagACK|FlagFIN, "first"),
		tcpFrame(client, server, 9000, FlagSYN, ""), // same ports, new connection
		tcpFrame(client, server, 9001, FlagACK, "second"),
	)
	require.Len(t, ss, 2)
	require.Equal(t, "first", string(ss[0].Data))
	require.Equal(t, "second", string(ss[1].Data))
	require.Equal(t, ss[0].Flow, ss[1].Flow)
}

// TestReadFileReassemblesARealCapture checks the reassembly of a real
// loopback capture against the byte counts in its transcript
// (transcripts/cpp-b-kill.txt, CONNECTIONS).
func TestReadFileReassemblesARealCapture(t *testing.T) {
	name := filepath.Join(captures, "pcap", "cpp-b-kill.pcap")
	_, err := os.Stat(name)
	require.NoError(t, err, "the Mesos 1.12 captures must be at %s (testdata/captures/mesos-1.12-dev in the repository)", captures)
	ss, err := ReadFile(name)
	require.NoError(t, err)
	type want struct {
		flow  string
		bytes int
		first string
	}
	wants := []want{
		{"127.0.0.1:36210->127.0.0.1:5051", 2396, "POST /slave(1)/mesos.internal.RegisterExecutorMessage HTTP/1.1\r\n"},
		{"127.0.0.1:5051->127.0.0.1:36210", 405, "HTTP/1.1 202 Accepted\r\n"},
		{"127.0.0.1:47064->127.0.0.1:40161", 3348, "POST /executor(1)/mesos.internal.ExecutorRegisteredMessage HTTP/1.1\r\n"},
		{"127.0.0.1:40161->127.0.0.1:47064", 648, "HTTP/1.1 202 Accepted\r\n"},
	}
	require.Len(t, ss, len(wants))
	for i, w := range wants {
		s := ss[i]
		require.Equal(t, w.flow, s.Flow.String())
		require.Len(t, s.Data, w.bytes, w.flow)
		require.True(t, bytes.HasPrefix(s.Data, []byte(w.first)), w.flow)
		require.True(t, s.SYN && s.FIN && !s.RST, w.flow)
		require.Zero(t, s.Missing, w.flow)
	}
	require.Equal(t, time.Date(2026, 11, 22, 5, 42, 37, 432286000, time.UTC), ss[0].Start)
}

func TestReadFileReportsMissingFile(t *testing.T) {
	_, err := ReadFile(filepath.Join(t.TempDir(), "absent.pcap"))
	require.True(t, errors.Is(err, os.ErrNotExist))
}
