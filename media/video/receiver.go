package video

import (
	"errors"
	"io"
	"log/slog"
	"net"
	"time"

	"github.com/pion/rtp"

	"confer/media"
	"confer/media/codec"
	"confer/media/video/jitter"
)

// ReceiverConfig says where frames go and how to ask the sender for a keyframe.
type ReceiverConfig struct {
	Sink            media.FrameSink
	RequestKeyframe func() // sends a PLI to the sender
	// NACKsSent, when set, counts the packets asked again so far; the
	// stats report it beside the retransmissions that came.
	NACKsSent func() int64
	Log       *slog.Logger
	// Now is the receiver's clock; nil for time.Now. Tests replay a
	// stream on the clock of its arrival times.
	Now func() time.Time
	// Decrypt, when set, undoes end-to-end encryption on every frame the
	// jitter buffer reassembles, before it is decoded. The buffer works on
	// the encrypted frames: the VP8 payload descriptor is outside the
	// encryption, and the frame's first bytes, which say whether it is a
	// keyframe, stay in the clear.
	Decrypt media.Decrypt
}

// How long to wait for an unanswered keyframe request before asking again.
// Before the first picture the wait is short: a newcomer's request often
// lands inside the server's throttle window of the request the server made
// for it, and the person is looking at an empty tile.
const (
	keyframeRetry      = 250 * time.Millisecond
	firstKeyframeRetry = 120 * time.Millisecond
	// lockedKeyframeRetry applies while frames fail to decrypt: another
	// keyframe will not decrypt either, and each one costs the sender and
	// everyone receiving it, so a participant without the key asks rarely.
	lockedKeyframeRetry = 5 * time.Second
)

// minWake is the shortest time the receiver sleeps between two services.
const minWake = time.Millisecond

// playoutTolerance is the jitter shown as it is rather than smoothed
// away by holding frames back: a frame shown a frame or so late now and
// then is not noticed in a call, while holding every frame back is lag
// people do notice. On a loaded machine the sender's encode times alone
// vary by 20 ms, and a frame repaired by a retransmission comes one round
// trip late: at 10 % random loss, smoothing all of that away added 50 ms to
// every frame (measured in the network lab, `make bench`'s netbad part);
// with this tolerance it adds nothing there, and still smooths the larger
// jitter of a congested Wi-Fi link.
const playoutTolerance = 80 * time.Millisecond

// statsEvery is how often a media.VideoStatsObserver sink hears the counters.
const statsEvery = time.Second

// deadliner is a packet reader whose Read can be woken at a time (pion's
// TrackRemote). Without it the receiver only acts when a packet arrives.
type deadliner interface {
	SetReadDeadline(t time.Time) error
}

// Receive reads a VP8 track until it ends, decoding every decodable frame
// into cfg.Sink. Packets go through a jitter buffer that waits for
// retransmissions, skips frames nothing depends on, and asks for a
// keyframe only when nothing else can repair the picture. It returns nil
// when the track ends normally.
func Receive(track media.PacketReader, cfg ReceiverConfig) error {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	dec, err := codec.NewVP8Decoder()
	if err != nil {
		return err
	}
	defer dec.Close()
	r := newReceiver(cfg, dec)
	dl, _ := track.(deadliner)
	// Pacing needs a timer: a reader that cannot be woken gets every frame
	// at once.
	r.pace = dl != nil
	// The first request waits firstKeyframeRetry, and is made only if no
	// keyframe is arriving by then. The SFU asks the sender for a keyframe
	// itself when a subscription starts, and usually forwards it within
	// 50 ms. A request of ours that reached LiveKit after that keyframe had
	// gone out made it stop retransmitting to us until the next one (its
	// FlagStopRTXOnPLI): at 10 % loss the first lost packet was never
	// sent again and the picture froze for 300 ms at the start.
	r.askedAt = cfg.Now()
	buf := make([]byte, 1500)
	var pkt rtp.Packet
	observer, _ := cfg.Sink.(media.FirstPacketObserver)
	for {
		r.arm(dl, cfg.Now())
		n, err := track.Read(buf)
		now := cfg.Now()
		switch {
		case isTimeout(err):
			r.service(now)
			continue
		case errors.Is(err, io.EOF):
			return nil
		case err != nil:
			return err
		}
		if observer != nil {
			observer.FirstPacket(now)
			observer = nil
		}
		if pkt.Unmarshal(buf[:n]) != nil {
			continue // malformed packet: skip it, the stream goes on
		}
		r.jb.Push(&pkt, now)
		r.service(now)
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return err != nil && errors.As(err, &ne) && ne.Timeout()
}

// receiver is the state of one receive goroutine.
type receiver struct {
	cfg     ReceiverConfig
	dec     *codec.VP8Decoder
	jb      *jitter.Buffer
	play    *jitter.Playout
	askedAt time.Time
	asked   int
	shown   bool // a frame has reached the sink
	w, h    int  // the last decoded picture's size
	// held is a decoded frame waiting for its render time (only when the
	// network shows jitter); the decoder's picture stays valid until the
	// next Decode, which waits for it.
	held     *media.VideoFrame
	heldAt   time.Time
	pace     bool // hold frames for their render time
	stats    media.VideoStatsObserver
	statsAt  time.Time
	deadline time.Time // the read deadline armed last
	// plain is the decrypted frame, its buffer reused; locked is set
	// while frames fail to decrypt, undecryptable counts them.
	plain         []byte
	locked        bool
	undecryptable int
}

func newReceiver(cfg ReceiverConfig, dec *codec.VP8Decoder) *receiver {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	r := &receiver{cfg: cfg, dec: dec, jb: jitter.New(jitter.Config{}), play: jitter.NewPlayout(jitter.PlayoutConfig{Tolerance: playoutTolerance})}
	r.stats, _ = cfg.Sink.(media.VideoStatsObserver)
	return r
}

// arm sets the read deadline to the next moment the receiver must act
// without a packet: a retransmission wait running out, a held frame's
// render time, a keyframe request to repeat.
func (r *receiver) arm(dl deadliner, now time.Time) {
	if dl == nil {
		return
	}
	var at time.Time
	if w, ok := r.jb.NextWake(); ok {
		at = w
	}
	if r.held != nil && (at.IsZero() || r.heldAt.Before(at)) {
		at = r.heldAt
	}
	if r.needsKeyframe() {
		if k := r.askedAt.Add(r.retry()); at.IsZero() || k.Before(at) {
			at = k
		}
	}
	if !at.IsZero() && at.Before(now.Add(minWake)) {
		// Never spin: a deadline already past would wake the read at
		// once, again and again, if servicing changed nothing.
		at = now.Add(minWake)
	}
	if !at.Equal(r.deadline) {
		r.deadline = at
		_ = dl.SetReadDeadline(at)
	}
}

// service hands over what is due: a held frame, then every frame the
// buffer can give, and asks for a keyframe when only one can help.
func (r *receiver) service(now time.Time) {
	if r.held != nil && !now.Before(r.heldAt) {
		r.show(r.held)
		r.held = nil
	}
	for r.held == nil {
		f, ok := r.jb.Pop(now)
		if !ok {
			break
		}
		r.decode(f, now)
	}
	if r.needsKeyframe() && now.Sub(r.askedAt) >= r.retry() {
		r.askKeyframe(now)
	}
	r.report(now)
}

func (r *receiver) decode(f jitter.Frame, now time.Time) {
	data, ok := r.decrypt(f.Data)
	if !ok {
		return
	}
	img, err := r.dec.Decode(data)
	if err != nil {
		if !errors.Is(err, codec.ErrNoFrame) {
			r.jb.DecodeFailed()
		}
		return
	}
	if f.Keyframe {
		// The request is answered: the next loss may ask again at once.
		r.askedAt = time.Time{}
	}
	img.EncodedSize = len(f.Data)
	if img.Width != r.w || img.Height != r.h {
		r.w, r.h = img.Width, img.Height
		r.cfg.Log.Debug("picture size", "width", r.w, "height", r.h)
	}
	at := r.play.Release(f.Timestamp, readyAt(f, now))
	r.jb.SetPlayoutDelay(r.play.Delay())
	if r.pace && at.After(now) {
		r.held, r.heldAt = img, at
		return
	}
	r.show(img)
}

// readyAt is when the network had delivered f: its last packet's
// arrival. Not the time it was decoded: a frame that waited behind the
// one held for its render time would count that wait as network delay,
// the playout would hold it as long in turn, and a lag that came once (a
// burst after a stall) would carry from frame to frame and never drain
// (a 300 kbit/s uplink kept 340–480 ms of it for over 10 s).
func readyAt(f jitter.Frame, now time.Time) time.Time {
	if f.Complete.IsZero() || f.Complete.After(now) {
		return now
	}
	return f.Complete
}

// decrypt applies cfg.Decrypt. A frame it refuses is dropped like one the
// decoder rejected: the frames after it reference it, so nothing decodes
// until a keyframe that decrypts.
func (r *receiver) decrypt(frame []byte) ([]byte, bool) {
	if r.cfg.Decrypt == nil {
		return frame, true
	}
	out, err := r.cfg.Decrypt(r.plain[:0], frame)
	if err != nil {
		r.undecryptable++
		r.locked = true
		r.jb.DecodeFailed()
		return nil, false
	}
	r.plain, r.locked = out, false
	return out, true
}

func (r *receiver) show(f *media.VideoFrame) {
	r.shown = true
	r.cfg.Sink.WriteFrame(f)
}

func (r *receiver) retry() time.Duration {
	if r.locked {
		return lockedKeyframeRetry
	}
	if !r.shown {
		return firstKeyframeRetry
	}
	return keyframeRetry
}

// needsKeyframe: only a keyframe can help, and none is arriving.
func (r *receiver) needsKeyframe() bool {
	return r.jb.NeedKeyframe() && !r.jb.KeyframeArriving()
}

func (r *receiver) askKeyframe(now time.Time) {
	r.askedAt = now
	r.asked++
	r.cfg.Log.Debug("keyframe asked", "shown", r.shown, "skipped", r.jb.Stats().FramesSkipped)
	if r.cfg.RequestKeyframe != nil {
		r.cfg.RequestKeyframe()
	}
}

// report tells a stats observer the counters, once a second.
func (r *receiver) report(now time.Time) {
	if r.stats == nil || now.Sub(r.statsAt) < statsEvery {
		return
	}
	r.statsAt = now
	s := r.jb.Stats()
	var nacked int64
	if r.cfg.NACKsSent != nil {
		nacked = r.cfg.NACKsSent()
	}
	r.stats.VideoStats(media.VideoReceiveStats{
		PacketsNACKed:    int(nacked),
		Packets:          s.Packets,
		PacketsLate:      s.PacketsLate,
		PacketsRecovered: s.PacketsRecovered,
		FramesSkipped:    s.FramesSkipped,
		KeyframeRequests: r.asked,
		WaitBudget:       s.WaitBudget,
		PlayoutDelay:     r.play.Delay(),
		// The buffer counts refused frames among the failures.
		DecodeErrors:        s.DecodeFailures - r.undecryptable,
		FramesUndecryptable: r.undecryptable,
	})
}
