package bot

import (
	"math"
	"slices"
	"sync"
	"time"

	"confer/media"
	"confer/media/synth"
)

// Stats is what `confer bot --stats` writes. Scripts read these names.
type Stats struct {
	Room       string                  `json:"room"`
	User       string                  `json:"user"`
	Joined     bool                    `json:"joined"`
	JoinMS     float64                 `json:"join_ms"`
	End        string                  `json:"end"`
	Error      string                  `json:"error,omitempty"`
	Remotes    map[string]*RemoteStats `json:"remotes"`
	Events     []EventRecord           `json:"events"`
	CPUSeconds float64                 `json:"cpu_seconds"`
	MaxRSSMB   float64                 `json:"max_rss_mb"`

	// With Play: delay of the clicks heard, capture → playback device.
	AudioLatencyMS *AudioLatency `json:"audio_latency_ms,omitempty"`
	// Uplink is the congestion controller's estimate of what this bot's
	// uplink carries: the rate its video was held to.
	Uplink *UplinkStats `json:"uplink,omitempty"`
	// E2EE: the bot's call was end-to-end encrypted.
	E2EE bool `json:"e2ee,omitempty"`
	// Chat lists the messages received, in order; ChatSent and ChatFailed
	// count the bot's own.
	Chat       []ChatRecord `json:"chat,omitempty"`
	ChatSent   int          `json:"chat_sent,omitempty"`
	ChatFailed int          `json:"chat_failed,omitempty"`

	enc encryptionLog // what the call reported of remote tracks' encryption
}

// UplinkStats is the send-side estimate over the call, kbit/s.
type UplinkStats struct {
	MinKbps  int           `json:"min_kbps"`
	LastKbps int           `json:"last_kbps"`
	Series   []UplinkPoint `json:"series"`
}

// addUplink records the uplink estimate now.
func (st *Stats) addUplink(kbps int) {
	u := st.Uplink
	if u == nil {
		u = &UplinkStats{MinKbps: kbps}
		st.Uplink = u
	}
	u.MinKbps, u.LastKbps = min(u.MinKbps, kbps), kbps
	if len(u.Series) < 3600 {
		u.Series = append(u.Series, UplinkPoint{UnixMS: time.Now().UnixMilli(), Kbps: kbps})
	}
}

// UplinkPoint is the estimate at a moment (unix milliseconds).
type UplinkPoint struct {
	UnixMS int64 `json:"unix_ms"`
	Kbps   int   `json:"kbps"`
}

// RemoteStats describes what was received from one remote user.
type RemoteStats struct {
	FramesDecoded int     `json:"frames_decoded"`
	FirstFrameMS  float64 `json:"first_frame_ms"`
	// Where the time to the first frame went, from the start of the join:
	// the track subscribed, its first packet in.
	SubscribedMS       float64      `json:"subscribed_ms,omitempty"`
	FirstPacketMS      float64      `json:"first_packet_ms,omitempty"`
	FPS                float64      `json:"fps"`
	VideoLatencyMS     Percentiles  `json:"video_latency_ms"`
	Width              int          `json:"width,omitempty"`
	Height             int          `json:"height,omitempty"`
	BitrateKbps        float64      `json:"bitrate_kbps"`
	LongestFreezeMS    float64      `json:"longest_freeze_ms"`
	Freezes            []Freeze     `json:"freezes,omitempty"`
	AudioFramesDecoded int          `json:"audio_frames_decoded"`
	AudioLevel         float64      `json:"audio_level"`
	AudioFrequencyHz   float64      `json:"audio_frequency_hz,omitempty"`
	Screen             *RemoteStats `json:"screen,omitempty"`

	// What the receive pipeline did about loss and jitter.
	Packets          int     `json:"packets,omitempty"`
	PacketsNACKed    int     `json:"packets_nacked,omitempty"`
	Retransmissions  int     `json:"retransmissions_received,omitempty"`
	PacketsLate      int     `json:"packets_late,omitempty"`
	FramesSkipped    int     `json:"frames_skipped,omitempty"`
	KeyframeRequests int     `json:"keyframe_requests,omitempty"`
	PlayoutDelayMS   float64 `json:"playout_delay_ms,omitempty"`
	// WaitBudgetMS is how long a frame with a missing packet was held
	// for its retransmission at the end (learnt from how long gaps took
	// to fill).
	WaitBudgetMS float64 `json:"wait_budget_ms,omitempty"`
	// Audio frames made up by concealment, rebuilt from FEC, and taken
	// from a later packet's copy (RED).
	AudioFramesConcealed int     `json:"audio_frames_concealed,omitempty"`
	AudioFramesRecovered int     `json:"audio_frames_recovered,omitempty"`
	AudioFramesRED       int     `json:"audio_frames_red,omitempty"`
	AudioConcealedPct    float64 `json:"audio_concealed_pct,omitempty"`
	// EchoReturnDB is how loud this bot's own voice comes back inside the
	// remote's audio, relative to how loud it was sent (dB), after the
	// first seconds: -3 with no echo cancellation and a -3 dB room at the
	// remote, far lower with it. Only bots whose microphone is not the
	// standard tone (--audio speech or silence) measure it.
	EchoReturnDB *float64 `json:"echo_return_db,omitempty"`
	// Timeline is what arrived each second: bitrate, frames, the layer.
	Timeline []Second `json:"timeline,omitempty"`
	// E2EE is how the remote's end-to-end encryption stands here, the
	// worst of their tracks: ok, no-key (encrypted, and this bot has no
	// passphrase), failed (another passphrase), or none (they send in the
	// clear into this encrypted call). Absent when neither side encrypts.
	// E2EEFailedFrames counts the frames dropped undecrypted.
	E2EE             string `json:"e2ee,omitempty"`
	E2EEFailedFrames int    `json:"e2ee_failed_frames,omitempty"`
	// HandRaised: the remote's hand was up when the bot left.
	HandRaised bool `json:"hand_raised"`
}

// Second is one second of received video, counted from the first frame.
type Second struct {
	At     int     `json:"t"`
	Kbps   float64 `json:"kbps"`
	Frames int     `json:"frames"`
	Width  int     `json:"width"`
	// LatencyMS is the second's longest capture → decoded: where in a
	// call a queue built up and when it drained.
	LatencyMS float64 `json:"latency_ms,omitempty"`
}

// EventRecord is one call event, at a wall-clock time (unix milliseconds).
type EventRecord struct {
	UnixMS int64  `json:"unix_ms"`
	Kind   string `json:"kind"` // state, joined, left, kicked, device
	User   string `json:"user,omitempty"`
	Detail string `json:"detail,omitempty"`
}

// Freeze is a gap of more than freezeGap between two decoded frames.
type Freeze struct {
	FromUnixMS int64 `json:"from_unix_ms"`
	ToUnixMS   int64 `json:"to_unix_ms"`
}

// freezeGap is the gap a viewer sees as a freeze: 200 ms, six frames at
// 30 fps.
const freezeGap = 200 * time.Millisecond

// Percentiles of a distribution, in milliseconds.
type Percentiles struct {
	P50 float64 `json:"p50"`
	P95 float64 `json:"p95"`
}

// remote measures one user's decoded media as it arrives. It is a sink for
// both video and audio, fed from their receive goroutines.
type remote struct {
	joinStart  time.Time
	subscribed time.Time // when the sink was asked for: the track subscribed

	mu          sync.Mutex
	firstPacket time.Time
	frames      int
	first       time.Time
	last        time.Time
	freeze      time.Duration
	freezes     []Freeze
	latencies   []float64 // ms, from the time strip
	width       int
	height      int
	bytes       int // compressed video received
	audio       int
	sumSquares  float64
	samples     int
	tail        []int16 // the latest second of audio, for its pitch
	video       media.VideoReceiveStats
	audioStats  media.AudioReceiveStats
	timeline    []Second
	heard       *recording // the remote's decoded audio; nil: no echo measured
}

// VideoStats implements media.VideoStatsObserver.
func (r *remote) VideoStats(s media.VideoReceiveStats) {
	r.mu.Lock()
	r.video = s
	r.mu.Unlock()
}

// AudioStats implements media.AudioStatsObserver.
func (r *remote) AudioStats(s media.AudioReceiveStats) {
	r.mu.Lock()
	r.audioStats = s
	r.mu.Unlock()
}

// addSecond counts a frame into the timeline and returns its second; nil
// past the timeline's hour (under mu).
func (r *remote) addSecond(now time.Time, f *media.VideoFrame) *Second {
	sec := int(now.Sub(r.first) / time.Second)
	if sec >= 3600 {
		return nil
	}
	for len(r.timeline) <= sec {
		r.timeline = append(r.timeline, Second{At: len(r.timeline)})
	}
	s := &r.timeline[sec]
	s.Frames++
	s.Kbps += float64(f.EncodedSize) * 8 / 1000
	s.Width = f.Width
	return s
}

const maxLatencySamples = 100_000

// FirstPacket implements media.FirstPacketObserver.
func (r *remote) FirstPacket(at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.firstPacket.IsZero() {
		r.firstPacket = at
	}
}

// blankSize is the largest picture that is not one: livekit-server sends
// 8×8 blank keyframes on a track as it closes. Counted, they made the
// wait between a sender's last picture and its leaving look like a freeze
// (the 750 ms longest freeze of make bench's up-loss-30 row, 2026-12-01,
// was that; its longest while the sender sent was 420 ms).
const blankSize = 16

func (r *remote) WriteFrame(f *media.VideoFrame) {
	if f.Width <= blankSize && f.Height <= blankSize {
		return
	}
	now := time.Now()
	ts, ok := synth.ReadTime(f)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.frames == 0 {
		r.first = now
	} else {
		gap := now.Sub(r.last)
		r.freeze = max(r.freeze, gap)
		if gap > freezeGap && len(r.freezes) < 100 {
			r.freezes = append(r.freezes, Freeze{FromUnixMS: r.last.UnixMilli(), ToUnixMS: now.UnixMilli()})
		}
	}
	r.last = now
	r.frames++
	r.bytes += f.EncodedSize
	sec := r.addSecond(now, f)
	if !ok {
		return // no time strip: another sender's camera
	}
	r.width, r.height = f.Width, f.Height
	ms := float64(now.Sub(ts).Microseconds()) / 1000
	if len(r.latencies) < maxLatencySamples {
		r.latencies = append(r.latencies, ms)
	}
	if sec != nil && ms > sec.LatencyMS {
		sec.LatencyMS = ms
	}
}

func (r *remote) WritePCM(pcm []int16) {
	if r.heard != nil {
		r.heard.WritePCM(pcm)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.audio++
	for _, s := range pcm {
		v := float64(s) / 32768
		r.sumSquares += v * v
	}
	r.samples += len(pcm)
	r.tail = append(r.tail, pcm...)
	if len(r.tail) > 2*media.SampleRate {
		r.tail = append(r.tail[:0], r.tail[len(r.tail)-media.SampleRate:]...)
	}
}

func (r *remote) stats() *RemoteStats {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := &RemoteStats{
		FramesDecoded:      r.frames,
		Width:              r.width,
		Height:             r.height,
		LongestFreezeMS:    ms(r.freeze),
		Freezes:            r.freezes,
		AudioFramesDecoded: r.audio,
		VideoLatencyMS:     percentiles(r.latencies),
	}
	if r.frames > 0 {
		s.FirstFrameMS = ms(r.first.Sub(r.joinStart))
		s.SubscribedMS = ms(r.subscribed.Sub(r.joinStart))
		s.FirstPacketMS = ms(r.firstPacket.Sub(r.joinStart))
	}
	if r.frames > 1 {
		s.FPS = round1(float64(r.frames-1) / r.last.Sub(r.first).Seconds())
		s.BitrateKbps = round1(float64(r.bytes) * 8 / 1000 / r.last.Sub(r.first).Seconds())
	}
	if r.samples > 0 {
		s.AudioLevel = round3(math.Sqrt(r.sumSquares / float64(r.samples)))
	}
	r.pipelineStats(s)
	if len(r.tail) >= media.SampleRate/2 {
		s.AudioFrequencyHz = round1(synth.DominantFrequency(r.tail, media.SampleRate))
	}
	return s
}

func percentiles(v []float64) Percentiles {
	if len(v) == 0 {
		return Percentiles{}
	}
	v = slices.Clone(v)
	slices.Sort(v)
	at := func(q float64) float64 { return round1(v[int(q*float64(len(v)-1))]) }
	return Percentiles{P50: at(0.5), P95: at(0.95)}
}

func ms(d time.Duration) float64 { return round1(float64(d.Microseconds()) / 1000) }
func round1(x float64) float64   { return math.Round(x*10) / 10 }
func round3(x float64) float64   { return math.Round(x*1000) / 1000 }

// pipelineStats copies the receive pipelines' counters into s (under mu).
func (r *remote) pipelineStats(s *RemoteStats) {
	v, a := r.video, r.audioStats
	s.Packets, s.PacketsNACKed, s.Retransmissions = v.Packets, v.PacketsNACKed, v.PacketsRecovered
	s.PacketsLate, s.FramesSkipped, s.KeyframeRequests = v.PacketsLate, v.FramesSkipped, v.KeyframeRequests
	s.PlayoutDelayMS = ms(v.PlayoutDelay)
	s.WaitBudgetMS = ms(v.WaitBudget)
	s.AudioFramesConcealed, s.AudioFramesRecovered, s.AudioFramesRED = a.Concealed, a.Recovered, a.Redundant
	if a.Frames > 0 {
		s.AudioConcealedPct = round1(100 * float64(a.Concealed) / float64(a.Frames))
	}
	s.Timeline = r.timeline
	for i := range s.Timeline {
		s.Timeline[i].Kbps = round1(s.Timeline[i].Kbps)
		s.Timeline[i].LatencyMS = round1(s.Timeline[i].LatencyMS)
	}
}
