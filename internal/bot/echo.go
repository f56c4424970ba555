package bot

import (
	"math"
	"sync"
	"time"

	"confer/media"
	"confer/media/synth"
)

// Echo measurement: how loud the bot's own voice comes back inside what a
// remote sends, relative to how loud the bot sent it. It compares the two
// recordings over the same stretch of wall-clock time, skipping the first
// seconds while an echo canceller converges. It measures by energy
// (synth.EchoLevel): the voice comes back coded twice by Opus, which keeps
// its loudness but not its waveform, so it counts the remote's own sound
// too — measure with the remote otherwise quiet.
const (
	echoSkip   = 3 * time.Second  // convergence
	echoMaxLag = time.Second      // network, playout, the room, processing
	recordMax  = 90 * time.Second // memory bound: 8.6 MB a recording
)

// recording keeps PCM with the wall-clock time of its first sample. Gaps do
// not happen: the sender hands every captured frame, and the receive
// pipeline conceals what was lost.
type recording struct {
	mu    sync.Mutex
	start time.Time
	pcm   []int16
}

// WritePCM implements media.PCMSink.
func (r *recording) WritePCM(pcm []int16) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.start.IsZero() {
		r.start = time.Now().Add(-time.Duration(len(pcm)) * time.Second / media.SampleRate)
	}
	if len(r.pcm)+len(pcm) <= int(recordMax/time.Second)*media.SampleRate {
		r.pcm = append(r.pcm, pcm...)
	}
}

// from is the recording from time t on, and whether it reaches that far.
func (r *recording) from(t time.Time) []int16 {
	r.mu.Lock()
	defer r.mu.Unlock()
	i := int(t.Sub(r.start) * media.SampleRate / time.Second)
	if r.start.IsZero() || i < 0 || i >= len(r.pcm) {
		return nil
	}
	return r.pcm[i:]
}

func (r *recording) began() time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.start
}

// echoReturnDB measures sent coming back in received; ok is false when
// there is too little of either to say.
func echoReturnDB(sent, received *recording) (float64, bool) {
	if sent == nil || received == nil {
		return 0, false
	}
	rs := received.began()
	if rs.IsZero() {
		return 0, false
	}
	from := rs.Add(echoSkip)
	s, r := sent.from(from), received.from(from)
	n := min(len(s), len(r))
	if n < 2*media.SampleRate {
		return 0, false
	}
	db, _, ok := synth.EchoLevel(s[:n], r[:n], media.SampleRate, echoMaxLag)
	if !ok || math.IsNaN(db) {
		return 0, false
	}
	return math.Round(db*10) / 10, true
}
