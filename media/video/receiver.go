package video

import (
	"errors"
	"io"
	"log/slog"
	"time"

	"github.com/pion/rtp"

	"confer/media"
	"confer/media/codec"
)

// ReceiverConfig says where frames go and how to ask the sender for a keyframe.
type ReceiverConfig struct {
	Sink            media.FrameSink
	RequestKeyframe func() // sends a PLI to the sender
	Log             *slog.Logger
}

// How long to wait for an unanswered keyframe request before asking again.
// Before the first picture the wait is short: a newcomer's request often
// lands inside the server's throttle window of the request the server made
// for it, and the person is looking at an empty tile.
const (
	keyframeRetry      = 250 * time.Millisecond
	firstKeyframeRetry = 120 * time.Millisecond
)

// Receive reads a VP8 track until it ends, decoding every complete frame into
// cfg.Sink. It returns nil when the track ends normally.
func Receive(track media.PacketReader, cfg ReceiverConfig) error {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	dec, err := codec.NewVP8Decoder()
	if err != nil {
		return err
	}
	defer dec.Close()
	r := &receiver{cfg: cfg, dec: dec, asm: newAssembler()}
	// Ask at once: the sender's next keyframe may be seconds away.
	r.askKeyframe(time.Now())
	buf := make([]byte, 1500)
	var pkt rtp.Packet
	observer, _ := cfg.Sink.(media.FirstPacketObserver)
	for {
		n, err := track.Read(buf)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		if observer != nil {
			observer.FirstPacket(time.Now())
			observer = nil
		}
		if err := pkt.Unmarshal(buf[:n]); err != nil {
			continue // malformed packet: skip it, the stream goes on
		}
		r.handle(&pkt)
	}
}

type receiver struct {
	cfg     ReceiverConfig
	dec     *codec.VP8Decoder
	asm     *assembler
	askedAt time.Time
	shown   bool // a frame has reached the sink
}

func (r *receiver) handle(p *rtp.Packet) {
	frame, key, _ := r.asm.push(p)
	now := time.Now()
	retry := keyframeRetry
	if !r.shown {
		retry = firstKeyframeRetry
	}
	if r.asm.needKey && now.Sub(r.askedAt) >= retry {
		r.askKeyframe(now)
	}
	if frame == nil {
		return
	}
	f, err := r.dec.Decode(frame)
	if err != nil {
		if !errors.Is(err, codec.ErrNoFrame) {
			r.asm.needKey = true
		}
		return
	}
	if key {
		// The request is answered: the next loss may ask again at once.
		r.askedAt = time.Time{}
	}
	r.shown = true
	f.EncodedSize = len(frame)
	r.cfg.Sink.WriteFrame(f)
}

func (r *receiver) askKeyframe(now time.Time) {
	r.askedAt = now
	if r.cfg.RequestKeyframe != nil {
		r.cfg.RequestKeyframe()
	}
}
