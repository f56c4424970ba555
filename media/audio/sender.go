// Package audio moves sound between capture, Opus and the network, and
// measures levels on the way.
package audio

import (
	"errors"
	"io"
	"log/slog"
	"sync"

	"confer/media"
	"confer/media/codec"
)

// PCMSource is a microphone: ReadFrame blocks until the next 20 ms; Close
// makes a blocked ReadFrame return.
type PCMSource interface {
	ReadFrame(pcm []int16) error
	Close() error
}

// SenderConfig sets the encoder; zero values get defaults.
type SenderConfig struct {
	Bitrate int // bits per second; default 32 kbit/s for speech, 96 for music
	// Music codes for fidelity (Opus' audio mode) instead of speech
	// intelligibility; the higher default bitrate goes with it.
	Music bool
	// Level, when set, gets each captured frame's RMS level (0–1).
	Level func(rms float64)
	Log   *slog.Logger
}

// Sender captures, encodes and writes until stopped or the source ends.
type Sender struct {
	src      PCMSource
	out      media.SampleWriter
	cfg      SenderConfig
	stopOnce sync.Once
	done     chan struct{}
}

// StartSender starts the send goroutine.
func StartSender(src PCMSource, out media.SampleWriter, cfg SenderConfig) (*Sender, error) {
	mode := codec.OpusVoIP
	if cfg.Music {
		mode = codec.OpusAudio
	}
	if cfg.Bitrate <= 0 {
		cfg.Bitrate = 32000
		if cfg.Music {
			cfg.Bitrate = 96000
		}
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	enc, err := codec.NewOpusEncoder(media.Channels, mode, cfg.Bitrate)
	if err != nil {
		return nil, err
	}
	// In-band FEC lets a receiver rebuild a lost frame from the next one.
	if err := enc.SetInbandFEC(true, 5); err != nil {
		enc.Close()
		return nil, err
	}
	s := &Sender{src: src, out: out, cfg: cfg, done: make(chan struct{})}
	go s.run(enc)
	return s, nil
}

// Stop closes the source and waits for the goroutine to end.
func (s *Sender) Stop() {
	s.stopOnce.Do(func() { _ = s.src.Close() })
	<-s.done
}

// Done is closed when the sender has stopped (source ended or Stop).
func (s *Sender) Done() <-chan struct{} { return s.done }

func (s *Sender) run(enc *codec.OpusEncoder) {
	defer close(s.done)
	defer enc.Close()
	pcm := make([]int16, media.FrameSamples)
	buf := make([]byte, 1500)
	for {
		if err := s.src.ReadFrame(pcm); err != nil {
			if !errors.Is(err, io.EOF) {
				s.cfg.Log.Warn("microphone stopped", "err", err)
			}
			return
		}
		if s.cfg.Level != nil {
			s.cfg.Level(media.RMS(pcm))
		}
		pkt, err := enc.Encode(pcm, buf)
		if err != nil {
			s.cfg.Log.Warn("audio frame not sent", "err", err)
			continue
		}
		// The Opus payloader keeps a reference to the data; give it its own copy.
		data := append([]byte(nil), pkt...)
		if err := s.out.WriteSample(media.Sample{Data: data, Duration: media.FrameTime}); err != nil {
			s.cfg.Log.Debug("audio write", "err", err)
		}
	}
}
