package livekit

import (
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/livekit/protocol/logger/pionlogger"
	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/cc"
	"github.com/pion/interceptor/pkg/gcc"
	"github.com/pion/rtcp"
	"github.com/pion/sdp/v3"

	"confer/internal/logs"
)

// Bounds of the uplink estimate (bit/s). The floor keeps the smallest
// simulcast layer moving, at a few frames a second, on a 300 kbit/s link
// that also carries the microphone; the ceiling is above anything Confer
// sends (a 1080p camera and a screen).
const (
	uplinkMinBitrate = 80_000
	uplinkMaxBitrate = 8_000_000
)

// uplinkStartKbps is where the estimate starts, whatever the camera is
// configured for. GCC has no probing: it climbs 8 % a second at most, so
// starting low would leave a screen shared soon after joining blurred for
// half a minute on a good link. Starting at the whole 720p simulcast
// (2250 kbit/s) flooded a 600 kbit/s link for 2–5 s on a loaded machine,
// while from 1500 it fitted within 2 s (TestNetworkSenderUnderACapSlowsDown
// with both cores busy, six runs each); on a fast link the full layers are
// reached within about 5 s.
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
	initial int // bit/s to start from (uplinkStartKbps)
	floor   int // bit/s never estimated below (uplinkMinBitrate, or the config's)
	log     *slog.Logger

	mu  sync.Mutex
	est *pacedVideo // the publisher connection's; nil before it sends video
}

// interceptors are what the SDK must add to its connections, nearest the
// network first. The pacer writes the transport-wide sequence numbers
// (pacer.go says why it, not pion's twcc.HeaderExtensionInterceptor).
func (u *uplink) interceptors() ([]interceptor.Factory, error) {
	ccf, err := cc.NewInterceptor(u.newEstimator)
	if err != nil {
		return nil, err
	}
	return []interceptor.Factory{ccf}, nil
}

func (u *uplink) newEstimator() (cc.BandwidthEstimator, error) {
	pacer := newSteeredPacer(u.initial)
	g, err := gcc.NewSendSideBWE(
		gcc.SendSideBWEInitialBitrate(u.initial),
		gcc.SendSideBWEMinBitrate(u.floor),
		gcc.SendSideBWEMaxBitrate(uplinkMaxBitrate),
		gcc.SendSideBWEPacer(pacer),
		gcc.WithLoggerFactory(pionlogger.NewLoggerFactory(logs.LiveKit(u.log.Handler(), slog.LevelDebug))),
	)
	if err != nil {
		_ = pacer.Close()
		return nil, err
	}
	return &pacedVideo{SendSideBWE: g, pacer: pacer, u: u, log: u.log}, nil
}

// Random loss. Wi-Fi and mobile links lose packets at random, and NACK
// retransmissions and FEC repair them; GCC's loss-based half cuts the rate
// whenever more than 10 % is lost, which on such a link starves the video
// for nothing, while a bottleneck's queue shows in the delay-based half
// first (and a policer that drops without queueing loses far more). So the
// loss-based estimate counts only once the loss, smoothed over about two
// seconds, is beyond what a bad link loses at random, and stops counting
// when it is well back below. At 25 % (the bound before) a link losing
// 30 % at random sent the smallest layer at the 100 kbit/s floor, 14–16
// fps at the receiver, and one losing 20 % now and then too, where NACK
// repairs such loss and the full layer came through at 27–28 fps
// (make bench, two alternating runs of each on 2026-12-02). What is given
// up: a policer that drops without queueing is noticed only once it drops
// 40 % of what is sent.
const (
	lossEngage    = 0.40
	lossDisengage = 0.30
	lossSmoothing = 0.1 // per estimate read, every rateEvery
)

// estimate is the rate the publisher connection's video is held to, in
// bit/s, if known. The pacer follows it. Only the session's rate loop
// calls it.
//
// It is never more than usable (bit/s; 0: no bound), what the published
// sources can send at most and their retransmissions (session.boundKbps):
// GCC's figure grows while it is not used, and
// a trial of the app limit hands it over whole (8 Mbit/s, its ceiling, in
// a 4-party call whose senders use 2.3), where nothing would use more
// than usable and the pacer, at 1.5 × the estimate, paced nothing: the
// layers a trial resumed sent their keyframes at once.
func (u *uplink) estimate(usable int) (int, bool) {
	est := u.current()
	if est == nil {
		return 0, false
	}
	bps := est.policy(est.GetStats(), est.GetTargetBitrate(), time.Now())
	if usable > 0 {
		bps = min(bps, max(usable, u.floor))
	}
	est.pacer.steer(bps)
	return bps, true
}

// resentRate is what the pacer sent lately in retransmissions, bit/s (0
// until it knows). Only the session's rate loop calls it, once a read.
func (u *uplink) resentRate() int {
	est := u.current()
	if est == nil {
		return 0
	}
	bps, _ := est.resends.rate(est.pacer.resent.Load(), time.Now())
	return bps
}

// policy picks the rate from GCC's statistics (fallback before any): the
// delay-based estimate, held near what is really sent (applimit.go), and
// the loss-based one too while the loss is high.
func (p *pacedVideo) policy(stats map[string]any, fallback int, now time.Time) int {
	delay, _ := stats["delayTargetBitrate"].(int)
	loss, _ := stats["lossTargetBitrate"].(int)
	avg, _ := stats["averageLoss"].(float64)
	state, _ := stats["state"].(string)
	if delay <= 0 {
		return fallback
	}
	read := gccRead{raw: delay, decreasing: state == "decrease", lossy: avg > lossEngage}
	delay = p.limit.apply(read, p.pacer.sent.Load(), now)
	p.loss += lossSmoothing * (avg - p.loss)
	switch {
	case !p.lossy && p.loss > lossEngage:
		p.lossy = true
	case p.lossy && p.loss < lossDisengage:
		p.lossy = false
	}
	bps := delay
	if p.lossy && loss > 0 {
		bps = min(delay, loss)
	}
	return min(max(bps, p.u.floor), uplinkMaxBitrate)
}

// current is the publisher connection's estimator; nil before it sends
// video.
func (u *uplink) current() *pacedVideo {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.est
}

// endStream ends ssrc's stream in the publisher connection's pacer (see
// steeredPacer.endStream) and calls f once none of its packets waits
// there; at once when there is no pacer yet.
func (u *uplink) endStream(ssrc uint32, f func()) {
	est := u.current()
	if est == nil {
		f()
		return
	}
	est.pacer.endStream(ssrc, f)
}

func (u *uplink) use(est *pacedVideo) {
	u.mu.Lock()
	u.est = est
	u.mu.Unlock()
}

// pacedVideo is GCC for video only. The server negotiates transport-wide
// sequence numbers for uplink video but not audio, so audio bypasses the
// pacer: it is small, steady and must never wait behind a keyframe.
type pacedVideo struct {
	*gcc.SendSideBWE
	pacer *steeredPacer
	u     *uplink
	log   *slog.Logger
	once  sync.Once
	// The rate loop's: the smoothed loss, and whether it is counted; the
	// limit that keeps the estimate near what is sent; the retransmissions'
	// rate.
	loss    float64
	lossy   bool
	limit   appLimit
	resends rateMeter
}

// WriteRTCP implements cc.BandwidthEstimator. Feedback GCC cannot use (a
// report about packets it no longer remembers) is dropped here: pion's cc
// interceptor returns the estimator's error from the RTCP read, and LiveKit's
// SDK stops reading a track's RTCP at the first error, which would end its
// NACK retransmissions and keyframe requests for good.
func (p *pacedVideo) WriteRTCP(pkts []rtcp.Packet, a interceptor.Attributes) error {
	if err := p.SendSideBWE.WriteRTCP(pkts, a); err != nil {
		p.log.Debug("congestion feedback not used", "err", err)
	}
	return nil
}

// AddStream implements cc.BandwidthEstimator.
func (p *pacedVideo) AddStream(info *interceptor.StreamInfo, w interceptor.RTPWriter) interceptor.RTPWriter {
	if !strings.HasPrefix(strings.ToLower(info.MimeType), "video/") {
		return w
	}
	p.once.Do(func() { p.u.use(p) })
	id := transportCCID(info)
	if info.SSRCRetransmission != 0 {
		// The NACK responder resends on the RTX SSRC through this stream's
		// writer; the pacer finds writers by SSRC, and would drop every
		// retransmission it had no writer for.
		rtx := *info
		rtx.SSRC = info.SSRCRetransmission
		p.pacer.numberWith(rtx.SSRC, id)
		_ = p.SendSideBWE.AddStream(&rtx, w)
	}
	p.pacer.numberWith(info.SSRC, id)
	return p.SendSideBWE.AddStream(info, w)
}

// transportCCID is the ID of the transport-wide sequence extension
// negotiated for a stream; 0 when none was. GCC then times the stream's
// packets from the server's RFC 8888 feedback, if any, as pion does.
func transportCCID(info *interceptor.StreamInfo) uint8 {
	for _, e := range info.RTPHeaderExtensions {
		if e.URI == sdp.TransportCCURI && e.ID > 0 && e.ID < 256 {
			return uint8(e.ID)
		}
	}
	return 0
}
