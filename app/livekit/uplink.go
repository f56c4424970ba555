package livekit

import (
	"log/slog"
	"strings"
	"sync"

	"github.com/go-logr/logr"
	protoLogger "github.com/livekit/protocol/logger"
	"github.com/livekit/protocol/logger/pionlogger"
	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/cc"
	"github.com/pion/interceptor/pkg/gcc"
	"github.com/pion/interceptor/pkg/twcc"
)

// Bounds of the uplink estimate (bit/s). The floor keeps the small
// simulcast layer and a screen's text alive through a bad stretch; the
// ceiling is above anything Confer sends (a 1080p camera and a screen).
const (
	uplinkMinBitrate = 150_000
	uplinkMaxBitrate = 8_000_000
)

// uplinkStartKbps is the least the estimate starts from. GCC has no
// probing: it climbs 8 % a second at most, so starting low would leave a
// screen shared soon after joining blurred for half a minute on a good
// link. Starting high costs a second of queueing on a slow link, where the
// delay and loss it causes bring the estimate down within about a second.
const uplinkStartKbps = 1500

// uplink estimates how much the publisher connection can carry, with
// pion's Google Congestion Control fed by the server's transport-wide
// congestion control feedback, and paces video out at that rate. The
// session reads the estimate to steer its encoders.
//
// LiveKit's SDK gives both of its peer connections the same interceptors,
// so each builds an estimator; the publisher's is the one that gets a
// video stream to send (the subscriber sends none). A full reconnect
// builds new connections, and the same rule picks the new one.
type uplink struct {
	initial int // bit/s to start from: what the camera is configured for
	log     *slog.Logger

	mu  sync.Mutex
	est cc.BandwidthEstimator // the publisher connection's; nil before it sends video
}

// interceptors are what the SDK must add to its connections. The order
// matters: the first is nearest the network, so the transport-wide
// sequence number is written before a packet enters the pacer, which
// needs it to record the send time (without it GCC drops the packet).
func (u *uplink) interceptors() ([]interceptor.Factory, error) {
	ccf, err := cc.NewInterceptor(u.newEstimator)
	if err != nil {
		return nil, err
	}
	seq, err := twcc.NewHeaderExtensionInterceptor()
	if err != nil {
		return nil, err
	}
	return []interceptor.Factory{ccf, seq}, nil
}

func (u *uplink) newEstimator() (cc.BandwidthEstimator, error) {
	g, err := gcc.NewSendSideBWE(
		gcc.SendSideBWEInitialBitrate(u.initial),
		gcc.SendSideBWEMinBitrate(uplinkMinBitrate),
		gcc.SendSideBWEMaxBitrate(uplinkMaxBitrate),
		// Into the process log, not stderr: the pacer reports every
		// packet it could not write once a connection has closed.
		gcc.WithLoggerFactory(pionlogger.NewLoggerFactory(protoLogger.LogRLogger(logr.FromSlogHandler(u.log.Handler())))),
	)
	if err != nil {
		return nil, err
	}
	return &pacedVideo{SendSideBWE: g, u: u}, nil
}

// estimate is the publisher connection's target in bit/s, if known.
func (u *uplink) estimate() (int, bool) {
	u.mu.Lock()
	est := u.est
	u.mu.Unlock()
	if est == nil {
		return 0, false
	}
	return est.GetTargetBitrate(), true
}

func (u *uplink) use(est cc.BandwidthEstimator) {
	u.mu.Lock()
	u.est = est
	u.mu.Unlock()
}

// pacedVideo is GCC for video only. The server negotiates transport-wide
// sequence numbers for uplink video but not audio, so audio bypasses the
// pacer: it is small, steady and must never wait behind a keyframe.
type pacedVideo struct {
	*gcc.SendSideBWE
	u    *uplink
	once sync.Once
}

// AddStream implements cc.BandwidthEstimator.
func (p *pacedVideo) AddStream(info *interceptor.StreamInfo, w interceptor.RTPWriter) interceptor.RTPWriter {
	if !strings.HasPrefix(strings.ToLower(info.MimeType), "video/") {
		return w
	}
	p.once.Do(func() { p.u.use(p) })
	if info.SSRCRetransmission != 0 {
		// The NACK responder resends on the RTX SSRC through this stream's
		// writer; the pacer finds writers by SSRC, and would drop every
		// retransmission it had no writer for.
		rtx := *info
		rtx.SSRC = info.SSRCRetransmission
		_ = p.SendSideBWE.AddStream(&rtx, w)
	}
	return p.SendSideBWE.AddStream(info, w)
}
