package host

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"syscall"
	"time"

	"github.com/pion/stun/v3"
)

// The node hands every client one STUN server (rtc.stun_servers). It cannot
// hand out none: with no STUN or TURN configured, LiveKit gives clients
// Google's and Twilio's servers, and Confer contacts nothing off the
// LAN/machine unasked. Nor can it name the SFU's media port: Chromium treats
// every datagram from a STUN server's address as a STUN response and eats it
// (UDPPort::OnReadPacket in libwebrtc's stun_port.cc), so the SFU's ICE
// checks, DTLS and SRTP would never reach the connection and the browser
// would fall back to ICE over TCP. So the host answers STUN Binding requests
// itself, on a UDP port of its own. On a LAN the server-reflexive address a
// client learns equals its host candidate, and the browser discards it.

// stunResponder answers STUN Binding requests (RFC 8489) on one UDP socket.
type stunResponder struct {
	conn  *net.UDPConn
	log   *slog.Logger
	limit *sourceLimiter
	done  chan struct{}
}

// listenSTUN starts a responder on host:port (port 0 picks a free one).
func listenSTUN(host string, port int, log *slog.Logger) (*stunResponder, error) {
	addr, err := net.ResolveUDPAddr("udp", net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		return nil, err
	}
	conn, err := net.ListenUDP("udp", addr)
	if err != nil {
		return nil, fmt.Errorf("cannot listen for STUN: %w", err)
	}
	r := &stunResponder{conn: conn, log: log, limit: newSourceLimiter(), done: make(chan struct{})}
	go r.serve()
	return r, nil
}

// openSTUN starts the responder on the port cfg asks for. A port asked for
// by name must be free; the default one (RTC UDP port + 1) may be taken by
// someone else, and then a free port does as well: STUN only gives clients
// their server-reflexive address, which the host does not need to be
// reachable at a port a firewall knows about.
func openSTUN(host string, cfg Config) (*stunResponder, error) {
	port, explicit := stunPort(cfg)
	r, err := listenSTUN(host, port, cfg.Log)
	if err == nil || explicit || port == 0 || !errors.Is(err, syscall.EADDRINUSE) {
		return r, err
	}
	cfg.Log.Warn("STUN port in use, using a free one", "port", port)
	return listenSTUN(host, 0, cfg.Log)
}

// stunPort is the port the responder should use and whether the user chose
// it. 0 means any free port: when the RTC UDP port is picked automatically
// there is nothing to sit next to.
func stunPort(cfg Config) (port int, explicit bool) {
	switch {
	case cfg.STUNPort != 0:
		return cfg.STUNPort, true
	case cfg.RTCUDPPort != 0 && cfg.RTCUDPPort < 65535:
		return cfg.RTCUDPPort + 1, false
	default:
		return 0, false
	}
}

// Addr is the address the responder listens on.
func (r *stunResponder) Addr() *net.UDPAddr { return r.conn.LocalAddr().(*net.UDPAddr) }

// Close stops the responder and waits until its socket is released.
func (r *stunResponder) Close() error {
	err := r.conn.Close()
	<-r.done
	return err
}

func (r *stunResponder) serve() {
	defer close(r.done)
	// Larger datagrams are truncated, fail to decode and are ignored; no
	// Binding request a client sends comes near this size.
	buf := make([]byte, 1500)
	for {
		n, from, err := r.conn.ReadFromUDPAddrPort(buf)
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			// Windows reports an ICMP "port unreachable" for an earlier
			// answer as a read error; that must not stop the responder.
			r.log.Debug("STUN read", "err", err)
			time.Sleep(10 * time.Millisecond)
			continue
		}
		r.answer(buf[:n], from)
	}
}

func (r *stunResponder) answer(req []byte, from netip.AddrPort) {
	resp, ok := bindingResponse(req, from)
	if !ok || !r.limit.allow(from.Addr(), time.Now()) {
		return
	}
	if _, err := r.conn.WriteToUDPAddrPort(resp, from); err != nil {
		r.log.Debug("STUN write", "err", err, "to", from)
	}
}

// bindingResponse is the answer to a STUN Binding request that came from
// "from", or ok false for anything else (other STUN messages, malformed
// ones, non-STUN datagrams), which the responder drops without a word.
//
// The answer is a Binding success carrying only XOR-MAPPED-ADDRESS and
// FINGERPRINT: 40 bytes for an IPv4 source, 52 for IPv6, whatever the
// request held. The smallest request is a bare 20-byte header, so the answer
// is at most 2.6 times the request, and a fixed few dozen bytes at most;
// with the per-source limit in sourceLimiter the responder is worthless as
// a reflector for amplification.
func bindingResponse(req []byte, from netip.AddrPort) (resp []byte, ok bool) {
	if !stun.IsMessage(req) {
		return nil, false // media and DTLS, or junk: the cheap test first
	}
	m := &stun.Message{Raw: req}
	if err := m.Decode(); err != nil || m.Type != stun.BindingRequest {
		return nil, false
	}
	if stunHeaderSize+int(m.Length) != len(req) {
		return nil, false // trailing bytes: not a well-formed message
	}
	if m.Contains(stun.AttrFingerprint) && stun.Fingerprint.Check(m) != nil {
		return nil, false // damaged, or not really STUN
	}
	ip := from.Addr().Unmap() // an IPv4 client on a dual-stack socket is IPv4
	out, err := stun.Build(
		stun.NewTransactionIDSetter(m.TransactionID),
		stun.BindingSuccess,
		&stun.XORMappedAddress{IP: ip.AsSlice(), Port: int(from.Port())},
		stun.Fingerprint,
	)
	if err != nil {
		return nil, false
	}
	return out.Raw, true
}

// stunHeaderSize is the length of a STUN message header (RFC 8489 §5).
const stunHeaderSize = 20

// Per-source limits. A browser asks once per socket while gathering (plus
// retransmissions until answered) and then every few seconds to keep the
// binding alive, for each of its peer connections; a handful of clients can
// share one address behind a NAT. This leaves them plenty and caps what a
// spoofed source can make the responder send at a few hundred bytes a second.
const (
	stunBurst      = 32   // answers a source may get at once
	stunPerSecond  = 16   // refill rate, answers per second
	stunMaxSources = 4096 // sources tracked at once; beyond that new ones wait
)

// sourceLimiter is a token bucket per source address. It is used by the
// responder's one goroutine only, so it has no lock.
type sourceLimiter struct {
	buckets   map[netip.Addr]*bucket
	lastSweep time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newSourceLimiter() *sourceLimiter {
	return &sourceLimiter{buckets: make(map[netip.Addr]*bucket)}
}

// allow takes one token from the source's bucket if it has one.
func (l *sourceLimiter) allow(src netip.Addr, now time.Time) bool {
	b := l.buckets[src]
	if b == nil {
		if len(l.buckets) >= stunMaxSources && !l.sweep(now) {
			return false // flooded from many addresses: fail closed
		}
		b = &bucket{tokens: stunBurst, last: now}
		l.buckets[src] = b
	}
	b.refill(now)
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// sweep forgets sources whose bucket has filled up again, as they are no
// different from new ones. It runs at most once a second, so a flood from
// many addresses does not make every packet walk the map, and tells whether
// there is now room.
func (l *sourceLimiter) sweep(now time.Time) bool {
	if now.Sub(l.lastSweep) >= time.Second {
		l.lastSweep = now
		for src, b := range l.buckets {
			if b.refill(now); b.tokens >= stunBurst {
				delete(l.buckets, src)
			}
		}
	}
	return len(l.buckets) < stunMaxSources
}

func (b *bucket) refill(now time.Time) {
	if dt := now.Sub(b.last).Seconds(); dt > 0 {
		b.tokens = min(stunBurst, b.tokens+dt*stunPerSecond)
	}
	b.last = now
}
