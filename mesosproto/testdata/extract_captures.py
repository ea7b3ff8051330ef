#!/usr/bin/env python3
"""Extracts the legacy (libprocess) message bodies from the Mesos 1.12 captures.

Usage: extract_captures.py <captures>/mesos-1.12-dev/pcap > captured-mesos-1.12.txt

The captures are committed in the repository's testdata/captures; from
mesosproto/testdata:

    python3 extract_captures.py ../../testdata/captures/mesos-1.12-dev/pcap > captured-mesos-1.12.txt

Reads every classic pcap (Ethernet, IPv4, TCP) in the directory, reassembles
each TCP direction, parses the HTTP/1.1 requests in it and prints one line per
libprocess message (request path /<process>/<name> with a libprocess
User-Agent or Libprocess-From header):

    <scenario> <index> <name> <body as hex, "-" when empty>

Only messages named mesos.internal.* or mesos.executor.* are kept, in the
order of each request's first byte.
"""
import os
import struct
import sys


def packets(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    endian = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    off = 24
    n = 0
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(endian + "IIII", data[off:off + 16])
        frame = data[off + 16:off + 16 + incl]
        off += 16 + incl
        n += 1
        if len(frame) < 14 or frame[12:14] != b"\x08\x00":
            continue
        ip = frame[14:]
        ihl = (ip[0] & 0x0F) * 4
        if ip[9] != 6:
            continue
        total = struct.unpack(">H", ip[2:4])[0]
        src, dst = ip[12:16], ip[16:20]
        tcp = ip[ihl:total]
        sport, dport, seq = struct.unpack(">HHI", tcp[:8])
        doff = (tcp[12] >> 4) * 4
        flags = tcp[13]
        yield n, (src, sport, dst, dport), seq, flags, tcp[doff:]


def streams(path):
    """Returns {direction: (first frame number, bytes)} per TCP direction."""
    isn, segs, first = {}, {}, {}
    for n, key, seq, flags, payload in packets(path):
        if flags & 0x02:  # SYN
            isn[key] = seq + 1
            continue
        if not payload:
            continue
        first.setdefault(key, n)
        segs.setdefault(key, {})[seq] = (n, payload)
    out = {}
    for key, by_seq in segs.items():
        base = isn.get(key, min(by_seq))
        buf = bytearray()
        frames = []
        for seq in sorted(by_seq, key=lambda s: (s - base) & 0xFFFFFFFF):
            n, payload = by_seq[seq]
            rel = (seq - base) & 0xFFFFFFFF
            if rel + len(payload) <= len(buf):
                continue  # retransmission
            buf += payload[len(buf) - rel:]
            frames.append((rel, n))
        out[key] = (frames, bytes(buf))
    return out


def frame_at(frames, pos):
    n = frames[0][1]
    for rel, fn in frames:
        if rel <= pos:
            n = fn
    return n


def requests(frames, buf):
    pos = 0
    while pos < len(buf):
        end = buf.find(b"\r\n\r\n", pos)
        if end < 0:
            return
        head = buf[pos:end].decode("latin-1").split("\r\n")
        start = pos
        pos = end + 4
        if not head[0].startswith("POST "):
            return  # responses or something else: not a request stream
        headers = {}
        for line in head[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        body = b""
        if headers.get("transfer-encoding", "").lower() == "chunked":
            while True:
                eol = buf.index(b"\r\n", pos)
                size = int(buf[pos:eol].split(b";")[0], 16)
                pos = eol + 2
                body += buf[pos:pos + size]
                pos += size + 2
                if size == 0:
                    break
        elif "content-length" in headers:
            size = int(headers["content-length"])
            body = buf[pos:pos + size]
            pos += size
        libprocess = headers.get("user-agent", "").startswith("libprocess/") or "libprocess-from" in headers
        path = head[0].split(" ")[1]
        yield frame_at(frames, start), libprocess, path, body


def main(directory):
    print("# Legacy message bodies from the captures in testdata/captures/mesos-1.12-dev (Mesos 1.12.0-dev),")
    print("# made by extract_captures.py; fields: scenario, index, name, body hex ('-' = empty).")
    for name in sorted(os.listdir(directory)):
        if not name.endswith(".pcap"):
            continue
        scenario = name[:-len(".pcap")]
        found = []
        for frames, buf in streams(os.path.join(directory, name)).values():
            for frame, libprocess, path, body in requests(frames, buf):
                msg = path.lstrip("/").partition("/")[2] if path.count("/") >= 2 else path.lstrip("/")
                if libprocess and (msg.startswith("mesos.internal.") or msg.startswith("mesos.executor.")):
                    found.append((frame, msg, body))
        for i, (_, msg, body) in enumerate(sorted(found)):
            print(scenario, i, msg, body.hex() or "-")


if __name__ == "__main__":
    main(sys.argv[1])
