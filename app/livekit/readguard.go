package livekit

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"sync/atomic"

	"github.com/pion/interceptor"
)

// readGuard keeps a track's packets flowing past one that an interceptor
// cannot read. pion's interceptors return an error from a read when a
// packet does not parse (pion's cc also returns its estimator's), and the
// readers above treat any error as the end:
//
//   - LiveKit's SDK stops reading a published track's RTCP at the first
//     error, so from then on that layer hears no PLI and answers no NACK,
//     and its receivers wait for a keyframe that never comes;
//   - Confer's receive pipeline ends its track on an error that is not a
//     timeout, so one bad packet would stop a remote video for good.
//
// So the guard is the outermost reader of both: an error that is not the
// stream's end or a deadline drops that packet, and the next one is read.
// It returns only RTCP that parses, as the SDK unmarshals what it gets and
// also stops at a failure. A stream that gives nothing but errors still
// ends, after maxSkipped of them in a row.
type readGuard struct{ log *slog.Logger }

// maxSkipped is how many unreadable packets in a row end a stream.
const maxSkipped = 64

// NewInterceptor implements interceptor.Factory.
func (g readGuard) NewInterceptor(string) (interceptor.Interceptor, error) {
	return &readGuardInterceptor{log: g.log}, nil
}

type readGuardInterceptor struct {
	interceptor.NoOp
	log *slog.Logger
}

// BindRTCPReader guards a published track's RTCP.
func (g *readGuardInterceptor) BindRTCPReader(r interceptor.RTCPReader) interceptor.RTCPReader {
	st := &guardedStream{log: g.log, kind: "RTCP", r: parsedRTCP{r}}
	return interceptor.RTCPReaderFunc(st.Read)
}

// BindRemoteStream guards a received track's RTP.
func (g *readGuardInterceptor) BindRemoteStream(_ *interceptor.StreamInfo, r interceptor.RTPReader) interceptor.RTPReader {
	st := &guardedStream{log: g.log, kind: "RTP", r: r}
	return interceptor.RTPReaderFunc(st.Read)
}

// attrReader is what pion's RTP and RTCP readers have in common.
type attrReader interface {
	Read([]byte, interceptor.Attributes) (int, interceptor.Attributes, error)
}

// parsedRTCP fails a read whose RTCP does not parse; the packets it
// parsed stay in the attributes for the readers above.
type parsedRTCP struct{ r interceptor.RTCPReader }

func (p parsedRTCP) Read(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
	n, attr, err := p.r.Read(b, a)
	if err == nil {
		if attr == nil {
			attr = interceptor.Attributes{}
		}
		_, err = attr.GetRTCPPackets(b[:n])
	}
	return n, attr, err
}

// guardedStream is one stream's guard.
type guardedStream struct {
	log  *slog.Logger
	kind string
	r    attrReader
	seen atomic.Bool // an unreadable packet was logged as a warning
}

// Read reads until a packet comes through, the stream ends, a deadline
// passes, or maxSkipped packets in a row were unreadable. The first
// unreadable packet of a stream is a warning, as it means a peer sends
// what pion cannot read; the rest are debug.
func (g *guardedStream) Read(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
	for skipped := 0; ; skipped++ {
		n, attr, err := g.r.Read(b, a)
		if err == nil || streamEnded(err) || skipped == maxSkipped {
			return n, attr, err
		}
		level := slog.LevelDebug
		if !g.seen.Swap(true) {
			level = slog.LevelWarn
		}
		g.log.Log(context.Background(), level, "unreadable packet dropped", "kind", g.kind, "err", err)
		// Interceptors keep what they parsed in the attributes: the next
		// packet must not find this one's there.
		clear(a)
	}
}

// streamEnded tells the errors that end a read for good, or for now (a
// deadline the receive pipeline set), from a packet that did not parse.
func streamEnded(err error) bool {
	var ne net.Error
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrClosedPipe) || errors.Is(err, net.ErrClosed) ||
		errors.As(err, &ne) && ne.Timeout()
}
