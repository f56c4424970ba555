// Package video moves pictures between capture, the VP8 codec and the
// network: Sender encodes a camera for a track, Receiver turns a track's RTP
// back into frames for a sink.
package video

import (
	"errors"
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

// SenderConfig sets the encoder. Zero values get defaults.
type SenderConfig struct {
	BitrateKbps int
	FPS         int
	// Preview, when set, sees every captured frame before encoding (self-view).
	Preview media.FrameSink
	// Screen tunes the encoder for screen content.
	Screen bool
	Log    *slog.Logger
}

// Sender captures, encodes and writes until stopped or the source ends.
type Sender struct {
	src      FrameSource
	out      media.SampleWriter
	cfg      SenderConfig
	keyframe atomic.Bool
	stopOnce sync.Once
	done     chan struct{}
}

// StartSender starts the send goroutine.
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
	s := &Sender{src: src, out: out, cfg: cfg, done: make(chan struct{})}
	go s.run()
	return s
}

// RequestKeyframe makes the next frame a keyframe (a receiver asked by PLI or FIR).
func (s *Sender) RequestKeyframe() { s.keyframe.Store(true) }

// Stop closes the source and waits for the goroutine to end.
func (s *Sender) Stop() {
	s.stopOnce.Do(func() { _ = s.src.Close() })
	<-s.done
}

// Done is closed when the sender has stopped (source ended or Stop).
func (s *Sender) Done() <-chan struct{} { return s.done }

func (s *Sender) run() {
	defer close(s.done)
	var enc *codec.VP8Encoder
	var encW, encH int
	defer func() {
		if enc != nil {
			enc.Close()
		}
	}()
	buf := make([]byte, 0, 256<<10)
	var last time.Time
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
		if enc == nil || f.Width != encW || f.Height != encH {
			if enc != nil {
				enc.Close()
			}
			if enc, err = s.newEncoder(f.Width, f.Height); err != nil {
				release()
				s.cfg.Log.Error("cannot start the video encoder", "err", err)
				return
			}
			encW, encH = f.Width, f.Height
			s.keyframe.Store(true)
		}
		buf, err = s.encode(enc, f, buf, &last)
		release()
		if err != nil {
			s.cfg.Log.Warn("video frame not sent", "err", err)
		}
	}
}

func (s *Sender) newEncoder(w, h int) (*codec.VP8Encoder, error) {
	return codec.NewVP8Encoder(codec.VP8Config{
		Width: w, Height: h, FPS: s.cfg.FPS, BitrateKbps: s.cfg.BitrateKbps, Screen: s.cfg.Screen,
	})
}

func (s *Sender) encode(enc *codec.VP8Encoder, f *media.VideoFrame, buf []byte, last *time.Time) ([]byte, error) {
	data, _, err := enc.Encode(f, s.keyframe.Swap(false), buf)
	if err != nil || len(data) == 0 {
		return buf, err
	}
	ts := f.Timestamp
	if ts.IsZero() {
		ts = time.Now()
	}
	d := time.Second / time.Duration(s.cfg.FPS)
	if !last.IsZero() && ts.After(*last) {
		d = ts.Sub(*last)
	}
	*last = ts
	// The VP8 payloader copies data into packets, so buf can be reused.
	return data, s.out.WriteSample(media.Sample{Data: data, Duration: d, Timestamp: ts})
}
