package load

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	lksdk "github.com/livekit/server-sdk-go/v2"
	pionmedia "github.com/pion/webrtc/v4/pkg/media"

	"confer/media"
	"confer/media/codec"
	"confer/media/synth"
)

// source is the one camera and microphone every publisher sends: each
// frame is encoded once and written to all their tracks.
type source struct {
	fps   int
	pat   *synth.Pattern
	frame *media.VideoFrame
	vp8   *codec.VP8Encoder
	opus  *codec.OpusEncoder
	key   atomic.Bool // a receiver asked for a keyframe

	mu           sync.Mutex
	video, audio []*lksdk.LocalTrack
}

func newSource(cfg Config) (*source, error) {
	vp8, err := codec.NewVP8Encoder(codec.VP8Config{Width: cfg.Width, Height: cfg.Height, FPS: cfg.FPS, BitrateKbps: cfg.BitrateKbps})
	if err != nil {
		return nil, err
	}
	opus, err := codec.NewOpusEncoder(1, codec.OpusVoIP, 32000)
	if err != nil {
		vp8.Close()
		return nil, err
	}
	return &source{fps: cfg.FPS, pat: synth.NewPattern(cfg.Width, cfg.Height), frame: media.NewI420(cfg.Width, cfg.Height),
		vp8: vp8, opus: opus}, nil
}

func (s *source) close() {
	s.vp8.Close()
	s.opus.Close()
}

// add takes a publisher's tracks into the fan-out.
func (s *source) add(video, audio *lksdk.LocalTrack) {
	s.mu.Lock()
	s.video, s.audio = append(s.video, video), append(s.audio, audio)
	s.mu.Unlock()
	s.key.Store(true) // its first frame must be a keyframe
}

// askKeyframe is every video track's answer to a PLI or FIR.
func (s *source) askKeyframe() { s.key.Store(true) }

// run encodes and sends until ctx ends: video at the frame rate, audio in
// 20 ms frames.
func (s *source) run(ctx context.Context) {
	vt := time.NewTicker(time.Second / time.Duration(s.fps))
	at := time.NewTicker(20 * time.Millisecond)
	defer vt.Stop()
	defer at.Stop()
	pcm := make([]int16, media.SampleRate/50)
	tone := synth.Tone{Freq: 440, Amplitude: 0.2}
	var vbuf, abuf []byte
	for n := 0; ; {
		select {
		case <-ctx.Done():
			return
		case now := <-vt.C:
			s.pat.Draw(s.frame, n)
			n++
			s.frame.Timestamp = now
			out, _, err := s.vp8.Encode(s.frame, s.key.Swap(false), vbuf[:0])
			if err == nil && len(out) > 0 {
				vbuf = out
				s.write(s.tracks(true), out, time.Second/time.Duration(s.fps))
			}
		case now := <-at.C:
			tone.Fill(pcm, now)
			out, err := s.opus.Encode(pcm, abuf[:0])
			if err == nil {
				abuf = out
				s.write(s.tracks(false), out, 20*time.Millisecond)
			}
		}
	}
}

func (s *source) tracks(video bool) []*lksdk.LocalTrack {
	s.mu.Lock()
	defer s.mu.Unlock()
	if video {
		return s.video
	}
	return s.audio
}

// write sends one encoded frame on every track; each packetizes it itself.
func (s *source) write(tracks []*lksdk.LocalTrack, data []byte, d time.Duration) {
	for _, t := range tracks {
		_ = t.WriteSample(pionmedia.Sample{Data: data, Duration: d}, nil)
	}
}
