package apm

// #include "apm_shim.h"
import "C"

import "time"

// Stats are the figures APM 0.3 keeps as it goes. A field is zero when its
// component is off or APM has not computed it yet.
type Stats struct {
	// EchoReturnLoss (ERL) is how much quieter the echo is in the capture
	// than the far-end signal, in dB (long-term average).
	EchoReturnLoss float64
	// EchoReturnLossEnhancement (ERLE) is how much the AEC removed, in dB.
	EchoReturnLossEnhancement float64
	// ResidualEchoReturnLoss is ERL + ERLE in dB.
	ResidualEchoReturnLoss float64
	// DelayMedian is where in its 128 ms filter the AEC finds the echo,
	// i.e. how much later than the delay it compensates (the hint from
	// SetStreamDelay plus its own corrections) the echo arrives: median
	// over the last second, and DelayStd its spread. Anything from 0 to
	// about 100 ms is cancelled.
	DelayMedian, DelayStd time.Duration
	// FractionPoorDelays is the share of those estimates outside the
	// filter (negative or too long), 0..1: echo the AEC cannot cancel.
	FractionPoorDelays float64
	// SpeechProbability is the noise suppressor's prior speech probability
	// for the last chunk, 0..1.
	SpeechProbability float64
	// HasEcho reports whether the last chunk might contain echo.
	HasEcho bool
}

// Stats returns the current figures.
func (p *Processor) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	var s Stats
	if p.st == nil {
		return s
	}
	var c C.confer_apm_stats
	C.confer_apm_get_stats(p.st, &c)
	if c.metrics_ok != 0 {
		s.EchoReturnLoss = metric(c.erl)
		s.EchoReturnLossEnhancement = metric(c.erle)
		s.ResidualEchoReturnLoss = metric(c.rerl)
	}
	if c.delay_ok != 0 && c.delay_median_ms >= 0 { // -1: no estimate yet
		s.DelayMedian = time.Duration(c.delay_median_ms) * time.Millisecond
		s.DelayStd = time.Duration(c.delay_std_ms) * time.Millisecond
		s.FractionPoorDelays = float64(c.fraction_poor_delays)
	}
	if c.speech_ok != 0 {
		s.SpeechProbability = float64(c.speech_probability)
	}
	s.HasEcho = c.has_echo != 0
	return s
}

// metric converts an AEC metric, in which 0.3 reports -100 (its
// kOffsetLevel) for "not computed", e.g. while the output is silent.
func metric(db C.int) float64 {
	if db <= -100 {
		return 0
	}
	return float64(db)
}
