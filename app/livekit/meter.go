package livekit

import "time"

// meterReads spans a rate over about a second of rate reads (rateEvery).
const meterReads = 6

// rateMeter turns a growing byte count, read at each rate read, into the
// rate over the last second or so.
type rateMeter struct {
	reads [meterReads]meterRead
	n     int
}

type meterRead struct {
	at    time.Time
	bytes int64
}

// rate records the byte count at now and returns the rate over the reads
// it remembers (bit/s), once they span most of a second.
func (m *rateMeter) rate(bytes int64, now time.Time) (int, bool) {
	m.reads[m.n%meterReads] = meterRead{at: now, bytes: bytes}
	m.n++
	if m.n < meterReads {
		return 0, false
	}
	oldest := m.reads[m.n%meterReads]
	span := now.Sub(oldest.at).Seconds()
	if span < 0.8 {
		return 0, false
	}
	return int(float64(bytes-oldest.bytes) * 8 / span), true
}
