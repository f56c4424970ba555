// Package synth produces the synthetic media Confer's fake devices publish
// (a moving test pattern, a machine-readable time strip, a tone with clicks on
// a wall-clock grid) and the receiver-side decoders that read it back, so tests
// and benchmarks can measure what a user would notice: the right picture, the
// right delay, the right pitch.
//
// Everything here is pure Go, never panics on odd input (it does nothing or
// reports failure instead) and does not allocate per frame on the hot paths
// (Pattern.Draw, StampTime, ReadTime, Tone.Fill, ClickDetector.Feed).
package synth
