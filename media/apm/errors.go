package apm

import (
	"errors"
	"fmt"
)

// Sentinel errors. Compare with errors.Is: library failures come wrapped
// with the name of APM's error code.
var (
	// ErrClosed is returned by any method called after Close.
	ErrClosed = errors.New("apm: closed")

	// ErrChunkSize reports PCM whose length is not a whole number of 10 ms
	// chunks (ChunkSamples): APM 0.3 only processes 10 ms at a time, and
	// holding back a remainder would add latency the caller cannot see.
	ErrChunkSize = errors.New("apm: pcm length is not a multiple of 10 ms")

	// ErrCreate reports that the module could not be created or set up
	// for 48 kHz mono.
	ErrCreate = errors.New("apm: cannot create audio processing module")

	// ErrLibrary wraps any error code returned by webrtc-audio-processing
	// while configuring or processing.
	ErrLibrary = errors.New("apm: library error")
)

// apmErrorNames are AudioProcessing::Error's codes, negated, as named in
// audio_processing.h.
var apmErrorNames = [...]string{
	1:  "unspecified error",
	2:  "creation failed",
	3:  "unsupported component",
	4:  "unsupported function",
	5:  "null pointer",
	6:  "bad parameter",
	7:  "bad sample rate",
	8:  "bad data length",
	9:  "bad number of channels",
	10: "file error",
	11: "stream parameter not set",
	12: "not enabled",
	13: "bad stream parameter (warning)",
}

// apmErrors holds one error per code, built once so that a failing hot
// path (ProcessCapture every 10 ms) does not allocate an error per call.
var apmErrors = func() (errs [len(apmErrorNames)]error) {
	for i, name := range apmErrorNames {
		if i > 0 {
			errs[i] = fmt.Errorf("%w: %s (%d)", ErrLibrary, name, -i)
		}
	}
	return errs
}()

// apmError maps an APM error code (negative) to an error; 0 is nil.
func apmError(code int) error {
	switch {
	case code == 0:
		return nil
	case -code > 0 && -code < len(apmErrors):
		return apmErrors[-code]
	}
	return fmt.Errorf("%w: code %d", ErrLibrary, code)
}
