package pipeline

import (
	"sync"
	"testing"
	"time"

	"confer/media"
	"confer/media/audio"
	"confer/media/capture"
	"confer/media/synth"
)

// pcmLog records frames as they come.
type pcmLog struct {
	mu  sync.Mutex
	pcm []int16
}

func (l *pcmLog) WritePCM(pcm []int16) {
	l.mu.Lock()
	l.pcm = append(l.pcm, pcm...)
	l.mu.Unlock()
}

func (l *pcmLog) all() []int16 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]int16(nil), l.pcm...)
}

// playSpeech writes far-end speech into a mixer input at the real rate,
// as a receive pipeline would.
func playSpeech(in media.PCMSink, far []int16, stop <-chan struct{}) {
	tick := time.NewTicker(media.FrameTime)
	defer tick.Stop()
	for i := 0; i+media.FrameSamples <= len(far); i += media.FrameSamples {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		in.WritePCM(far[i : i+media.FrameSamples])
	}
}

// The microphone pipeline cancels the echo of what the speaker plays,
// through a simulated 80 ms, -3 dB room, with real devices' timing: a
// null playback device pulling the mixer, a synthetic microphone on its
// own clock. Without cancellation the echo is measured at the room's
// -3 dB, which shows the measurement is sensitive. With it, the bound is
// the target in BENCHMARKS.md, -20 dB: how deep APM 0.3's canceller gets
// in 12 s varies from run to run. At low suppression it went from -28 to
// -85 dB on this machine, quiet or with both cores busy, and -24 once
// under CI's load; at moderate (apm.go says why) -41 to -82 dB with both
// cores busy. Placing both streams on their devices' clocks, so a busy
// machine's bursts do not move the echo's delay, did not narrow the spread.
func TestTheMicrophonePipelineCancelsTheRoomsEcho(t *testing.T) {
	if testing.Short() {
		t.Skip("runs 12 s of real time")
	}
	for _, c := range []struct {
		name     string
		aec      bool
		min, max float64
	}{{"on", true, -200, -20}, {"off", false, -6, 0}} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			db := roomEcho(t, c.aec)
			t.Logf("echo cancellation %s: the far end comes back at %.1f dB", c.name, db)
			if db < c.min || db > c.max {
				t.Errorf("echo at %.1f dB; want between %.0f and %.0f", db, c.min, c.max)
			}
		})
	}
}

// roomEcho plays 12 s of far-end speech through a room into a silent
// microphone and measures the echo in what the pipeline would send, after
// 3 s of convergence.
func roomEcho(t *testing.T, aec bool) float64 {
	speech, err := synth.SpeechLoop(12*time.Second, media.SampleRate, nil)
	if err != nil {
		t.Skipf("no speech synthesiser: %v", err)
	}
	mixer := audio.NewMixer()
	player, err := audio.NewPlayer(mixer, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer player.Close()
	farTap := mixer.PlaybackTap()
	defer farTap.Close()
	far, heard := &pcmLog{}, &pcmLog{}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		playSpeech(mixer.NewInput(), speech, stop)
	}()
	snd, err := StartMicrophone(MicrophoneConfig{
		DeviceID:   capture.AddFakeMicrophone("room-"+t.Name(), synth.Tone{}),
		Processing: media.AudioProcessing{EchoCancellation: aec},
		Playback:   mixer.PlaybackTap,
		Room:       &media.RoomEcho{Delay: 80 * time.Millisecond, Gain: 0.708},
		Monitor:    heard,
	}, discard{})
	if err != nil {
		t.Fatal(err)
	}
	tick := time.NewTicker(20 * time.Millisecond)
	for end := time.Now().Add(12 * time.Second); time.Now().Before(end); <-tick.C {
		farTap.Drain(func(pcm []int16, _ time.Time) { far.WritePCM(pcm) })
	}
	tick.Stop()
	snd.Stop()
	close(stop)
	<-done
	a, b := far.all(), heard.all()
	n, skip := min(len(a), len(b)), 3*media.SampleRate
	db, _, ok := synth.EchoLevel(a[skip:n], b[skip:n], media.SampleRate, 500*time.Millisecond)
	if !ok {
		t.Fatal("nothing to measure")
	}
	return db
}

type discard struct{}

func (discard) WriteSample(media.Sample) error { return nil }
