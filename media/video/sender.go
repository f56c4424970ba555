// Package video moves pictures between capture, the VP8 codec and the
// network: Sender encodes a camera for a track, Receiver turns a track's RTP
// back into frames for a sink.
package video

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"confer/media"
	"confer/media/codec"
)

// FrameSource is a camera: Read blocks until the next frame; Close makes a
// blocked Read return.
type FrameSource interface {
	Read() (*media.VideoFrame, func(), error)
	Close() error
}

// Layer is an extra, smaller encoding of the same capture (simulcast): the
// captured size divided by Scale, at its own bitrate, to its own writer.
type Layer struct {
	Scale       int
	BitrateKbps int
	Out         media.SampleWriter
}

// LayerStopper is a layer's writer that can tell the server at once that
// the layer stops (app/livekit says goodbye for its stream, RTCP BYE), so
// that the server moves the layer's receivers to another one without first
// waiting to notice that nothing comes: the picture stands still meanwhile.
// The send goroutine calls StopLayer when the layer's plan stops it,
// between frames: it must not wait for long.
type LayerStopper interface {
	StopLayer()
}

// LayerPauser is a layer's writer that knows when no receiver takes the
// layer (LiveKit's dynacast: the server tells a publisher which layers its
// subscribers take). A paused layer is not encoded, which in a grid of
// small tiles spares every sender its full-size encode, the dearest one;
// it resumes with a keyframe. Paused is asked once a frame per layer.
type LayerPauser interface {
	Paused() bool
}

// SenderConfig sets the encoder. Zero values get defaults.
type SenderConfig struct {
	BitrateKbps int
	FPS         int
	// Layers are smaller encodings sent beside the full-size one.
	Layers []Layer
	// Preview, when set, sees every captured frame before encoding (self-view).
	Preview media.FrameSink
	// Screen tunes the encoder for screen content.
	Screen bool
	Log    *slog.Logger
}

// Sender captures, encodes and writes until stopped or the source ends.
type Sender struct {
	src      FrameSource
	cfg      SenderConfig
	encs     []*encoding // [0] is the full size
	stopOnce sync.Once
	done     chan struct{}

	target  atomic.Int64 // kbit/s for all encodings; 0: as configured
	applied int64        // the target the plans follow (send goroutine)
	sent    atomic.Int64 // bytes written, all encodings
}

// encoding is one layer's encoder state, owned by the send goroutine
// except for the keyframe flag.
type encoding struct {
	base     int // the configured scale
	scale    int // the scale in use: base, or twice it when halved
	nominal  int // configured kbit/s
	plan     plan
	out      media.SampleWriter
	keyframe atomic.Bool // the next frame must be a keyframe
	asks     keyframeAsks
	enc      *codec.VP8Encoder
	scaled   *media.VideoFrame
	buf      []byte
	last     time.Time
	paused   bool // its writer's last answer (LayerPauser)
}

// ScaledSize is the size of a layer that divides w×h by scale, rounded
// down to even numbers (I420 wants them).
func ScaledSize(w, h, scale int) (int, int) {
	return max(2, w/scale&^1), max(2, h/scale&^1)
}

var errNoEncoder = errors.New("no video encoder")

// StartSender starts the send goroutine; out gets the full-size encoding.
func StartSender(src FrameSource, out media.SampleWriter, cfg SenderConfig) *Sender {
	if cfg.BitrateKbps <= 0 {
		cfg.BitrateKbps = 1200
	}
	if cfg.FPS <= 0 {
		cfg.FPS = 30
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	s := &Sender{src: src, cfg: cfg, done: make(chan struct{})}
	s.encs = append(s.encs, newEncoding(1, cfg.BitrateKbps, out))
	for _, l := range cfg.Layers {
		s.encs = append(s.encs, newEncoding(max(l.Scale, 1), l.BitrateKbps, l.Out))
	}
	go s.run()
	return s
}

func newEncoding(scale, kbps int, out media.SampleWriter) *encoding {
	return &encoding{base: scale, scale: scale, nominal: kbps, out: out, plan: plan{active: true, kbps: kbps}}
}

// SetTargetBitrate sets what all encodings together may send (kbit/s),
// e.g. the congestion controller's estimate; it applies from the next
// frame. The sender shares it out as allocate says.
func (s *Sender) SetTargetBitrate(kbps int) { s.target.Store(int64(max(kbps, 1))) }

// SentBytes is how many encoded bytes the sender has written so far.
func (s *Sender) SentBytes() int64 { return s.sent.Load() }

// RequestKeyframe makes the next frame of every layer a keyframe.
func (s *Sender) RequestKeyframe() {
	for _, e := range s.encs {
		e.asks.ask()
	}
}

// RequestLayerKeyframe makes the next frame of one layer a keyframe (a
// receiver of that layer asked by PLI or FIR); 0 is the full size.
func (s *Sender) RequestLayerKeyframe(layer int) {
	if layer >= 0 && layer < len(s.encs) {
		s.encs[layer].asks.ask()
	}
}

// Stop closes the source and waits for the goroutine to end.
func (s *Sender) Stop() {
	s.stopOnce.Do(func() { _ = s.src.Close() })
	<-s.done
}

// Done is closed when the sender has stopped (source ended or Stop).
func (s *Sender) Done() <-chan struct{} { return s.done }

func (s *Sender) run() {
	defer close(s.done)
	defer func() {
		for _, e := range s.encs {
			if e.enc != nil {
				e.enc.Close()
			}
		}
	}()
	for {
		f, release, err := s.src.Read()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				s.cfg.Log.Warn("camera stopped", "err", err)
			}
			return
		}
		if s.cfg.Preview != nil {
			s.cfg.Preview.WriteFrame(f)
		}
		s.followTarget()
		// Smallest layer first. Each layer scales from the captured frame,
		// so the order is free, and the small layers, which the tiles of a
		// grid receive, then leave without waiting for the full layer's
		// encode (some 9 ms at 1280×720 here, more on a busy machine).
		for i := len(s.encs) - 1; i >= 0; i-- {
			e := s.encs[i]
			// Asked first, so that its answer is known whatever the plan.
			paused := s.pausedByWriter(e)
			if paused || !e.plan.active || s.skipForRate(e, f) {
				continue
			}
			err := s.encodeLayer(e, f)
			if errors.Is(err, errNoEncoder) {
				release()
				s.cfg.Log.Error("cannot start the video encoder", "err", err)
				return
			}
			if err != nil {
				s.cfg.Log.Warn("video frame not sent", "scale", e.scale, "err", err)
			}
		}
		release()
	}
}

// pausedByWriter tells whether the layer's writer says that no receiver
// takes it, and asks for a keyframe when it resumes: its receivers come
// to it from another layer.
func (s *Sender) pausedByWriter(e *encoding) bool {
	p, ok := e.out.(LayerPauser)
	if !ok {
		return false
	}
	was := e.paused
	e.paused = p.Paused()
	switch {
	case e.paused && !was:
		s.cfg.Log.Debug("video layer paused: no receiver takes it", "scale", e.base)
	case was && !e.paused:
		s.cfg.Log.Debug("video layer resumed", "scale", e.base)
		e.keyframe.Store(true)
	}
	return e.paused
}

// followTarget re-plans the encodings when the target changed, or while a
// change of shape waits to settle.
func (s *Sender) followTarget() {
	t := s.target.Load()
	if t == 0 || t == s.applied && !s.settling() {
		return
	}
	s.applied = t
	nominal := make([]int, len(s.encs))
	prev := make([]plan, len(s.encs))
	for i, e := range s.encs {
		nominal[i], prev[i] = e.nominal, e.plan
	}
	if s.cfg.Screen {
		// A screen keeps its size; screenFPS thins its frames instead.
		nominal, prev = nominal[:1], prev[:1]
	}
	// The full size halves unless a layer of half its size is sent too.
	halvable := len(nominal) == 1 || s.encs[1].base != 2*s.encs[0].base
	for i, p := range allocate(int(t), nominal, halvable, prev, time.Now()) {
		s.replan(s.encs[i], p)
	}
}

// settling tells whether a plan waits for its change of shape to settle.
func (s *Sender) settling() bool {
	for _, e := range s.encs {
		if !e.plan.pending.IsZero() {
			return true
		}
	}
	return false
}

// replan puts a new plan in force for one encoding.
func (s *Sender) replan(e *encoding, p plan) {
	if p.active && !e.plan.active {
		e.keyframe.Store(true) // receivers switched away meanwhile
	}
	if !p.active && e.plan.active {
		if ls, ok := e.out.(LayerStopper); ok {
			ls.StopLayer()
		}
	}
	e.scale = e.base
	if p.halve && !s.cfg.Screen {
		e.scale = 2 * e.base // a new encoder at the new size on the next frame
	}
	if e.enc != nil && p.active && (p.kbps != e.plan.kbps || !e.plan.active) {
		if err := e.enc.SetBitrate(p.kbps); err != nil {
			s.cfg.Log.Warn("video bitrate not changed", "kbps", p.kbps, "err", err)
		}
	}
	e.plan = p
}

// skipForRate drops frames of a screen whose rate leaves it fewer frames
// a second than the capture gives.
func (s *Sender) skipForRate(e *encoding, f *media.VideoFrame) bool {
	if !s.cfg.Screen || e.last.IsZero() || f.Timestamp.IsZero() {
		return false
	}
	fps := screenFPS(e.plan.kbps, e.nominal, s.cfg.FPS)
	if fps >= s.cfg.FPS {
		return false
	}
	// A tenth of slack so a steady capture clock is not halved by jitter.
	return f.Timestamp.Sub(e.last) < time.Second*9/time.Duration(10*fps)
}

// encodeLayer scales f for the layer, encodes and writes it, (re)creating
// the encoder when the captured size changes.
func (s *Sender) encodeLayer(e *encoding, f *media.VideoFrame) error {
	src := f
	if e.scale > 1 {
		w, h := ScaledSize(f.Width, f.Height, e.scale)
		if e.scaled == nil || e.scaled.Width != w || e.scaled.Height != h {
			e.scaled = media.NewI420(w, h)
		}
		if err := codec.ScaleI420(f, e.scaled); err != nil {
			return err
		}
		e.scaled.Timestamp = f.Timestamp
		src = e.scaled
	}
	if e.enc == nil || !e.enc.Fits(src.Width, src.Height) {
		if e.enc != nil {
			e.enc.Close()
			e.enc = nil
		}
		enc, err := codec.NewVP8Encoder(codec.VP8Config{
			Width: src.Width, Height: src.Height, FPS: s.cfg.FPS, BitrateKbps: max(e.plan.kbps, 1), Screen: s.cfg.Screen,
		})
		if err != nil {
			return fmt.Errorf("%w: %v", errNoEncoder, err)
		}
		e.enc = enc
		e.keyframe.Store(true)
	}
	return s.encode(e, src)
}

func (s *Sender) encode(e *encoding, f *media.VideoFrame) error {
	ts := f.Timestamp
	if ts.IsZero() {
		ts = time.Now()
	}
	force := e.keyframe.Swap(false)
	if e.asks.due(ts) {
		force = true
	}
	data, key, err := e.enc.Encode(f, force, e.buf)
	if err != nil || len(data) == 0 {
		return err
	}
	e.buf = data
	if key {
		e.asks.sent(ts, len(data), e.plan.kbps)
	}
	d := time.Second / time.Duration(s.cfg.FPS)
	if !e.last.IsZero() && ts.After(e.last) {
		d = ts.Sub(e.last)
	}
	e.last = ts
	s.sent.Add(int64(len(data)))
	// The VP8 payloader copies data into packets, so buf can be reused.
	return e.out.WriteSample(media.Sample{Data: data, Duration: d, Timestamp: ts})
}
