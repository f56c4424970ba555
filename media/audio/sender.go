// Package audio moves sound between capture, Opus and the network, and
// measures levels on the way.
package audio

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
	// Stages clean each captured frame, in order, before anything else
	// sees it (a simulated room, then audio processing); the sender closes
	// them when it stops.
	Stages []Stage
	// Level, when set, gets each processed frame's RMS level (0–1).
	Level func(rms float64)
	// Voice, when set, hears when the person starts and stops speaking,
	// judged over the last second by a stage that detects voice.
	Voice func(speaking bool)
	// Monitor, when set, gets every processed frame, sent or muted.
	Monitor media.PCMSink
	Log     *slog.Logger
}

// Sender captures, encodes and writes until stopped or the source ends.
type Sender struct {
	src      PCMSource
	out      media.SampleWriter
	cfg      SenderConfig
	muted    atomic.Bool
	loss     atomic.Int32 // expected packet loss, percent, as receivers report it
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
	if err := enc.SetInbandFEC(true, minExpectedLoss); err != nil {
		enc.Close()
		return nil, err
	}
	s := &Sender{src: src, out: out, cfg: cfg, done: make(chan struct{})}
	s.loss.Store(minExpectedLoss)
	go s.run(enc)
	return s, nil
}

// SetExpectedLoss tells the encoder how much of what it sends is lost
// (percent, from receiver reports): Opus then spends more of each packet
// on the in-band copy of the one before, which a receiver rebuilds a lost
// packet from.
func (s *Sender) SetExpectedLoss(pct int) { s.loss.Store(int32(min(max(pct, minExpectedLoss), 100))) }

// minExpectedLoss is the FEC kept even on a clean link: a lone loss then
// costs nothing audible.
const minExpectedLoss = 5

// SetMuted stops (or resumes) sending while capture and processing go
// on: nothing leaves while muted, and the voice detector keeps listening.
func (s *Sender) SetMuted(muted bool) { s.muted.Store(muted) }

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
	defer s.closeStages()
	pcm := make([]int16, media.FrameSamples)
	buf := make([]byte, 1500)
	var talk talkWindow
	loss := int32(minExpectedLoss)
	for {
		if err := s.src.ReadFrame(pcm); err != nil {
			if !errors.Is(err, io.EOF) {
				s.cfg.Log.Warn("microphone stopped", "err", err)
			}
			return
		}
		voice := s.process(pcm, time.Now())
		if s.cfg.Voice != nil && talk.add(voice) {
			s.cfg.Voice(talk.speaking)
		}
		if s.muted.Load() {
			continue
		}
		if l := s.loss.Load(); l != loss {
			loss = l
			if err := enc.SetInbandFEC(true, int(l)); err != nil {
				s.cfg.Log.Debug("opus fec", "err", err)
			}
		}
		s.send(enc, pcm, buf)
	}
}

// process runs the stages on a frame and reports it; it returns whether a
// voice-detecting stage heard speech.
func (s *Sender) process(pcm []int16, at time.Time) (voice bool) {
	for _, st := range s.cfg.Stages {
		if err := st.Process(pcm, at); err != nil {
			s.cfg.Log.Debug("audio stage", "err", err)
		}
		if vd, ok := st.(voiceDetector); ok {
			voice = vd.Voice()
		}
	}
	if s.cfg.Level != nil {
		s.cfg.Level(media.RMS(pcm))
	}
	if s.cfg.Monitor != nil {
		s.cfg.Monitor.WritePCM(pcm)
	}
	return voice
}

func (s *Sender) closeStages() {
	for _, st := range s.cfg.Stages {
		st.Close()
	}
}

// send encodes and writes one frame.
func (s *Sender) send(enc *codec.OpusEncoder, pcm []int16, buf []byte) {
	pkt, err := enc.Encode(pcm, buf)
	if err != nil {
		s.cfg.Log.Warn("audio frame not sent", "err", err)
		return
	}
	// The Opus payloader keeps a reference to the data; give it its own copy.
	data := append([]byte(nil), pkt...)
	if err := s.out.WriteSample(media.Sample{Data: data, Duration: media.FrameTime}); err != nil {
		s.cfg.Log.Debug("audio write", "err", err)
	}
}

// talkWindow judges speaking over the last second of frames, so a word or
// a cough does not count and a pause between words does not end it.
type talkWindow struct {
	frames   [talkFrames]bool
	n, voice int
	speaking bool
}

const (
	talkFrames = int(time.Second / media.FrameTime)
	talkStart  = talkFrames / 2 // half of the last second voiced: speaking
	talkStop   = talkFrames / 5 // a fifth or less: stopped
)

// add counts a frame; it reports whether speaking changed.
func (w *talkWindow) add(voice bool) bool {
	i := w.n % talkFrames
	if w.frames[i] {
		w.voice--
	}
	w.frames[i] = voice
	if voice {
		w.voice++
	}
	w.n++
	was := w.speaking
	switch {
	case !w.speaking && w.voice >= talkStart:
		w.speaking = true
	case w.speaking && w.voice <= talkStop:
		w.speaking = false
	}
	return was != w.speaking
}
