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

const freezeGap = 300 * time.Millisecond

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

func (r *remote) WriteFrame(f *media.VideoFrame) {
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
	if !ok {
		return // e.g. the SFU's 8×8 blank frames when a track closes
	}
	r.width, r.height = f.Width, f.Height
	if len(r.latencies) < maxLatencySamples {
		r.latencies = append(r.latencies, float64(now.Sub(ts).Microseconds())/1000)
	}
}

func (r *remote) WritePCM(pcm []int16) {
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
