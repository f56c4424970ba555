// Package codec wraps libvpx (VP8) and libopus for Confer's realtime media
// pipelines.
//
// The wrappers keep all codec state in C memory and never let the C libraries
// hold on to Go memory after a call returns, so they obey the cgo pointer
// rules. Hot paths (Encode, Decode) reuse buffers and do not allocate in the
// steady state; only error returns that carry a libvpx/libopus detail string
// allocate.
//
// Every encoder and decoder serialises its methods with a mutex, so a Close
// racing with an Encode cannot free the C state under it. They are still meant
// to be driven by one goroutine: the lock is there for safety, not to share
// one codec between pipelines.
package codec

import "errors"

// Sentinel errors. Compare with errors.Is: some are returned wrapped with the
// codec library's own detail message.
var (
	// ErrClosed is returned by any method called after Close.
	ErrClosed = errors.New("codec: closed")

	// ErrInvalidArg reports a configuration or parameter the codec cannot
	// use (dimensions, bitrate, channel count, speed out of range, ...).
	ErrInvalidArg = errors.New("codec: invalid argument")

	// ErrFrameSize is returned by VP8Encoder.Encode when the frame's
	// dimensions differ from the configured ones. The encoder does not
	// rescale: the caller must recreate it for a new capture size.
	ErrFrameSize = errors.New("codec: frame size differs from encoder configuration")

	// ErrBadFrame is returned when a frame's planes or strides are too small
	// for its stated dimensions. It is checked before handing the planes to
	// C so a malformed frame can never make libvpx read out of bounds.
	ErrBadFrame = errors.New("codec: frame planes too small for its dimensions")

	// ErrNoFrame is returned by VP8Decoder.Decode when the input was valid
	// but produced no picture to show (for example an invisible frame).
	// It is not a stream error: just wait for the next frame.
	ErrNoFrame = errors.New("codec: no frame decoded")

	// ErrCorrupt reports compressed data that could not be decoded: garbage,
	// a truncated frame, or a delta frame whose references are missing or
	// damaged. A video receiver should answer it by requesting a keyframe
	// (PLI); an audio receiver should conceal the frame.
	ErrCorrupt = errors.New("codec: corrupt or undecodable data")

	// ErrBufferSize reports a PCM or output buffer whose length does not fit
	// the operation (not a valid Opus frame duration, or too small).
	ErrBufferSize = errors.New("codec: buffer size invalid for operation")

	// ErrCodec wraps any other failure reported by libvpx or libopus
	// (out of memory, internal error).
	ErrCodec = errors.New("codec: library error")
)
