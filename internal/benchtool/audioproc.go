package main

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"confer/internal/bot"
)

// audioProcSeconds is how long each listener listens; talkers run 2 s more
// so nobody hears them leave.
const audioProcSeconds = 20

// The rooms of the audio-processing part. Rooms that are compared run at
// the same time with the same user IDs, so each speaker says the same
// phrases at the same moment in both (synthetic speech loops on the wall
// clock) and only the processing differs.
const (
	roomEcho    = "80ms,-3dB" // a laptop: its speakers reach its microphone 80 ms later at -3 dB
	fanNoiseDB  = "-35"       // steady pink noise, a fan or an air conditioner
	quietGainDB = "-20"       // a microphone far away or turned down
)

// audioProcFigures is the "Audio processing" section's content.
type audioProcFigures struct {
	echoOff, echoAEC, echoAll float64 // dB of the talker's own voice that comes back
	doubleTalkDB              float64 // the laptop user's voice while the other talks, against alone
	noiseRaw, noiseNS         float64 // RMS of a fan heard without and with suppression
	speechRef                 float64 // RMS of normal speech, no gain control
	quietRaw, quietAGC        float64 // RMS of quiet speech without and with gain control
	latency                   bot.AudioLatency
	err                       string
}

// audioBotSpec is one bot of a room: its user and its flags beyond the
// common ones (no camera, the stats file).
type audioBotSpec struct {
	room, user string
	talker     bool // lasts 2 s longer than the others
	args       []string
}

// measureAudioProcessing runs one comparison at a time (echo, double
// talk, noise, gain; a few bots each, so none of them is starved of CPU and
// the figures are the processing's, not the machine's), then the audio
// latency with echo cancellation on.
func measureAudioProcessing(bin, url, work string, f *audioProcFigures) error {
	all := map[string]*bot.Stats{}
	for _, batch := range [][]audioBotSpec{echoRooms("echo-off"), echoRooms("echo-aec"), echoRooms("echo-all"),
		doubleTalkRooms(), noiseRooms(), gainRooms()} {
		st, err := runAudioRooms(bin, url, work, batch)
		if err != nil {
			return err
		}
		maps.Copy(all, st)
	}
	if err := f.readEcho(all); err != nil {
		return err
	}
	if err := f.readLevels(all); err != nil {
		return err
	}
	// The tone's clicks through the whole pipeline, echo cancellation on;
	// suppression and gain off, which would treat a steady tone as noise.
	var err error
	f.latency, err = audioLatency(bin, url, work, "aec-latency", "--aec", "on", "--ns", "off", "--agc", "off")
	return err
}

// echoRooms is a talker and a laptop whose speakers reach its microphone,
// with the processing that room names.
func echoRooms(room string) []audioBotSpec {
	laptop := []string{"--audio", "silence", "--room-echo", roomEcho, "--play=true"}
	switch room {
	case "echo-off":
		laptop = append(laptop, "--aec", "off", "--ns", "off", "--agc", "off")
	case "echo-aec":
		laptop = append(laptop, "--aec", "on", "--ns", "off", "--agc", "off")
	}
	return []audioBotSpec{{room, "talker", true, []string{"--audio", "speech"}}, {room, "laptop", false, laptop}}
}

// doubleTalkRooms: the laptop user talks, alone in one room and over
// someone else in the other, both at once so they say the same thing.
func doubleTalkRooms() []audioBotSpec {
	laptop := []string{"--audio", "speech", "--room-echo", roomEcho, "--play=true", "--aec", "on", "--ns", "off", "--agc", "off"}
	listener := []string{"--audio", "none"}
	return []audioBotSpec{
		{"dt-alone", "listener", false, listener}, {"dt-alone", "laptop", true, laptop},
		{"dt-both", "listener", false, listener}, {"dt-both", "laptop", true, laptop},
		{"dt-both", "talker", true, []string{"--audio", "speech"}},
	}
}

func noiseRooms() []audioBotSpec {
	fan := []string{"--audio", "silence", "--noise", fanNoiseDB, "--agc", "off"}
	return []audioBotSpec{
		{"noise", "listener", false, []string{"--audio", "none"}},
		{"noise", "fan-ns", true, fan}, {"noise", "fan-raw", true, slices.Concat(fan, []string{"--ns", "off"})},
	}
}

// gainRooms: the same speaker at its normal level and quieter, with and
// without gain control, at once.
func gainRooms() []audioBotSpec {
	listener := []string{"--audio", "none"}
	quiet := []string{"--audio", "speech", "--mic-gain", quietGainDB}
	return []audioBotSpec{
		{"agc-ref", "listener", false, listener}, {"agc-ref", "speaker", true, []string{"--audio", "speech", "--agc", "off"}},
		{"agc-off", "listener", false, listener}, {"agc-off", "speaker", true, slices.Concat(quiet, []string{"--agc", "off"})},
		{"agc-on", "listener", false, listener}, {"agc-on", "speaker", true, slices.Concat(quiet, []string{"--agc", "on"})},
	}
}

// runAudioRooms runs every bot at once and returns the stats by room/user.
func runAudioRooms(bin, url, work string, bots []audioBotSpec) (map[string]*bot.Stats, error) {
	var wg sync.WaitGroup
	errs := make([]error, len(bots))
	for i, b := range bots {
		secs := audioProcSeconds
		if b.talker {
			secs += 2
		}
		args := append([]string{"bot", "--server", url, "--room", "ap-" + b.room, "--name", b.user, "--user", b.user,
			"--video", "none", "--duration", fmt.Sprintf("%ds", secs), "--stats", statsPath(work, b)}, b.args...)
		c := exec.Command(bin, args...)
		c.Env = append(os.Environ(), "XDG_CONFIG_HOME="+work)
		if err := c.Start(); err != nil {
			return nil, err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := c.Wait(); err != nil {
				errs[i] = fmt.Errorf("bot %s in %s: %v", b.user, b.room, err)
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	out := map[string]*bot.Stats{}
	for _, b := range bots {
		st, err := readStats(statsPath(work, b))
		if err != nil {
			return nil, err
		}
		out[b.room+"/"+b.user] = st
	}
	return out, nil
}

func statsPath(work string, b audioBotSpec) string {
	return filepath.Join(work, "ap-"+b.room+"-"+b.user+".json")
}

// heard is what user in room heard of from.
func heard(st map[string]*bot.Stats, room, user, from string) (*bot.RemoteStats, error) {
	s := st[room+"/"+user]
	if s == nil || s.Remotes[from] == nil || s.Remotes[from].AudioFramesDecoded == 0 {
		return nil, fmt.Errorf("in room %s, %s heard nothing of %s", room, user, from)
	}
	return s.Remotes[from], nil
}

func (f *audioProcFigures) readEcho(st map[string]*bot.Stats) error {
	for _, e := range []struct {
		room string
		to   *float64
	}{{"echo-off", &f.echoOff}, {"echo-aec", &f.echoAEC}, {"echo-all", &f.echoAll}} {
		r, err := heard(st, e.room, "talker", "laptop")
		if err != nil {
			return err
		}
		if r.EchoReturnDB == nil {
			return fmt.Errorf("in room %s the talker measured no echo", e.room)
		}
		*e.to = *r.EchoReturnDB
	}
	alone, err := heard(st, "dt-alone", "listener", "laptop")
	if err != nil {
		return err
	}
	both, err := heard(st, "dt-both", "listener", "laptop")
	if err != nil {
		return err
	}
	f.doubleTalkDB = dB(both.AudioLevel / alone.AudioLevel)
	return nil
}

func (f *audioProcFigures) readLevels(st map[string]*bot.Stats) error {
	for _, l := range []struct {
		room, from string
		to         *float64
	}{
		{"noise", "fan-raw", &f.noiseRaw}, {"noise", "fan-ns", &f.noiseNS},
		{"agc-ref", "speaker", &f.speechRef}, {"agc-off", "speaker", &f.quietRaw}, {"agc-on", "speaker", &f.quietAGC},
	} {
		r, err := heard(st, l.room, "listener", l.from)
		if err != nil {
			return err
		}
		*l.to = r.AudioLevel
	}
	return nil
}

// dB is a ratio of amplitudes in decibels (-inf for silence).
func dB(ratio float64) float64 { return 20 * math.Log10(ratio) }

func (f audioProcFigures) markdown(date, machine string) string {
	var b strings.Builder
	b.WriteString("## Audio processing\n\n")
	if f.err != "" {
		fmt.Fprintf(&b, "Not measured: %s.\n\n", f.err)
		return b.String()
	}
	fmt.Fprintf(&b, "Measured by `make bench` (`-only audioproc`) on %s, %s. Bots in rooms of their own on loopback, "+
		"%d s each, one comparison at a time; rooms that are compared run at the same time with the same synthetic speech (espeak-ng).\n\n",
		date, machine, audioProcSeconds)
	b.WriteString("| what | measured | target |\n|---|---|---|\n")
	fmt.Fprintf(&b, "| a talker's own voice back from a laptop (room %s), no processing | %.1f dB | — |\n", roomEcho, f.echoOff)
	fmt.Fprintf(&b, "| … echo cancellation only | %.1f dB | ≤ −20 dB |\n", f.echoAEC)
	fmt.Fprintf(&b, "| … echo cancellation, noise suppression and gain control (the default for speech) | %.1f dB | — |\n", f.echoAll)
	fmt.Fprintf(&b, "| the laptop user's voice while the other talks (double talk), against alone, echo cancellation on | %+.1f dB | ≥ −6 dB |\n", f.doubleTalkDB)
	fmt.Fprintf(&b, "| a fan at %s dBFS, heard with noise suppression, against without | %.1f dB | ≤ −12 dB |\n", fanNoiseDB, dB(f.noiseNS/f.noiseRaw))
	fmt.Fprintf(&b, "| speech at its normal level, heard (RMS, no gain control) | %.1f dBFS | — |\n", dB(f.speechRef))
	fmt.Fprintf(&b, "| speech %s dB quieter, heard without gain control | %.1f dBFS | — |\n", quietGainDB, dB(f.quietRaw))
	fmt.Fprintf(&b, "| … with gain control | %.1f dBFS | within 10 dB of normal |\n", dB(f.quietAGC))
	fmt.Fprintf(&b, "| audio capture → playback device with echo cancellation on (%d clicks) | %.1f ms p50, %.1f ms p95 | — |\n\n",
		f.latency.Clicks, f.latency.P50, f.latency.P95)
	b.WriteString(audioProcNotes)
	return b.String()
}

const audioProcNotes = "Echo is measured by the talker: the correlation of what comes back from the laptop with what " +
	"the talker said, as energy against the talker's own (`echo_return_db` in `confer bot --stats`). The laptop " +
	"plays what it hears into a simulated room (`--room-echo`), which adds it to its microphone sample-accurately; " +
	"the echo canceller is the WebRTC audio processing module's (Debian's webrtc-audio-processing 0.3: the delay-agnostic AEC with its extended filter), fed with what the playback device really took. " +
	"Double talk compares a third bot's hearing of the laptop user, who talks with echo cancellation on, in two " +
	"rooms at once: alone, and while someone else talks (and echoes). Levels are RMS over the run, silences " +
	"included, as the listener decoded them. The APM's cost per 20 ms is `BenchmarkProcess20ms` below; the " +
	"latency row is the tone's clicks, as in the calls table, with echo cancellation on (suppression and gain " +
	"control off, which would take a steady tone for noise).\n\n"
