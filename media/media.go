// Package media holds the value types and small interfaces shared by capture,
// codecs, the receive pipelines and whatever shows or plays the result.
//
// High-rate data (frames, PCM) moves through these interfaces directly between
// goroutines of the media pipelines; it never passes through the call's event loop.
package media

import (
	"io"
	"time"
)

// Audio format used everywhere inside Confer: Opus' native rate, mono, 20 ms frames.
const (
	SampleRate   = 48000
	Channels     = 1
	FrameSamples = SampleRate / 50 // samples in one 20 ms frame
	FrameTime    = 20 * time.Millisecond
)

// VideoFrame is one I420 picture. The planes are views into memory owned by
// whoever produced the frame and stay valid only until the call that handed
// the frame over returns: a consumer copies what it keeps.
type VideoFrame struct {
	Width, Height int
	Y, U, V       []byte
	YStride       int
	UStride       int
	VStride       int
	// Timestamp is when the frame was captured, where the producer knows it.
	Timestamp time.Time
	// EncodedSize is the size in bytes of the compressed frame this one was
	// decoded from, where known: receivers measure bitrate with it.
	EncodedSize int
}

// ChromaSize returns the width and height of the U and V planes.
func (f *VideoFrame) ChromaSize() (w, h int) {
	return (f.Width + 1) / 2, (f.Height + 1) / 2
}

// FrameSink receives decoded or captured frames. WriteFrame must return quickly
// and must not keep f or its planes after returning.
type FrameSink interface {
	WriteFrame(f *VideoFrame)
}

// PCMSink receives 48 kHz mono PCM, normally one 20 ms frame per call.
// WritePCM must return quickly and must not keep pcm after returning.
type PCMSink interface {
	WritePCM(pcm []int16)
}

// FrameSinkFunc adapts a function to FrameSink.
type FrameSinkFunc func(f *VideoFrame)

// WriteFrame calls fn(f).
func (fn FrameSinkFunc) WriteFrame(f *VideoFrame) { fn(f) }

// FirstPacketObserver is a FrameSink that wants to know when its track's
// first packet arrived, to tell network time from keyframe waiting.
type FirstPacketObserver interface {
	FirstPacket(at time.Time)
}

// PCMSinkFunc adapts a function to PCMSink.
type PCMSinkFunc func(pcm []int16)

// WritePCM calls fn(pcm).
func (fn PCMSinkFunc) WritePCM(pcm []int16) { fn(pcm) }

// NewI420 allocates a tightly packed I420 frame of the given size.
func NewI420(w, h int) *VideoFrame {
	cw, ch := (w+1)/2, (h+1)/2
	buf := make([]byte, w*h+2*cw*ch)
	return &VideoFrame{
		Width: w, Height: h,
		Y: buf[:w*h], U: buf[w*h : w*h+cw*ch], V: buf[w*h+cw*ch:],
		YStride: w, UStride: cw, VStride: cw,
	}
}

// Sample is one encoded frame on its way to the network.
type Sample struct {
	Data      []byte // valid only during WriteSample
	Duration  time.Duration
	Timestamp time.Time // capture time
}

// SampleWriter takes encoded frames: a published track.
type SampleWriter interface {
	WriteSample(s Sample) error
}

// PacketReader is a remote track: Read fills b with one RTP packet and
// returns io.EOF once the track has ended.
type PacketReader interface {
	Read(b []byte) (n int, err error)
}

// TeePCM hands every frame to each sink in turn. Close closes those sinks
// that are io.Closers.
func TeePCM(sinks ...PCMSink) PCMSink { return teePCM(sinks) }

type teePCM []PCMSink

func (t teePCM) WritePCM(pcm []int16) {
	for _, s := range t {
		s.WritePCM(pcm)
	}
}

func (t teePCM) Close() error {
	for _, s := range t {
		if c, ok := s.(io.Closer); ok {
			c.Close()
		}
	}
	return nil
}

// VideoReceiveStats are a video receive pipeline's counters since it began.
type VideoReceiveStats struct {
	Packets          int // RTP packets read
	PacketsNACKed    int // asked to be sent again
	PacketsLate      int // arrived after their frame was given up or shown
	PacketsRecovered int // filled a gap: retransmissions, reordered packets
	FramesSkipped    int // could not be decoded (lost, or their reference was)
	KeyframeRequests int // PLIs sent
	// DecodeErrors counts frames the decoder rejected; FramesUndecryptable
	// those the pipeline's Decrypt refused, which never reach the decoder.
	DecodeErrors        int
	FramesUndecryptable int
	// WaitBudget is how long a frame with a missing packet is held for its
	// retransmission now; PlayoutDelay how long frames are held to hide
	// network jitter (0 on a clean network).
	WaitBudget   time.Duration
	PlayoutDelay time.Duration
}

// VideoStatsObserver is a FrameSink that wants its pipeline's counters,
// about once a second.
type VideoStatsObserver interface {
	VideoStats(s VideoReceiveStats)
}

// AudioReceiveStats are an audio receive pipeline's counters since it began.
type AudioReceiveStats struct {
	Frames    int // 20 ms frames handed on, decoded or rebuilt
	Concealed int // of those, made up by packet loss concealment
	Recovered int // of those, rebuilt from the next packet's in-band FEC
	Redundant int // of those, a copy that a later packet carried (RED)
}

// AudioStatsObserver is a PCMSink that wants its pipeline's counters,
// about once a second.
type AudioStatsObserver interface {
	AudioStats(s AudioReceiveStats)
}

// AudioStats hands s to each sink that wants it.
func (t teePCM) AudioStats(s AudioReceiveStats) {
	for _, x := range t {
		if o, ok := x.(AudioStatsObserver); ok {
			o.AudioStats(s)
		}
	}
}

// PlaybackTap is what a playback device took, with when it took each
// block: the echo canceller's far-end reference. One goroutine drains it;
// Close detaches it from the playback.
type PlaybackTap interface {
	Drain(f func(pcm []int16, at time.Time))
	Close()
}
