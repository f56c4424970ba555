package livekit_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"confer/app"
	"confer/app/livekit"
	"confer/internal/testenv"
	"confer/media"
	"confer/media/capture"
	"confer/media/synth"
)

// received collects what one participant decodes of the others.
type received struct {
	mu         sync.Mutex
	frames     int // decoded frames whose time strip reads back
	badStrips  int
	width      int
	height     int
	bytes      int // compressed video, from the frames' EncodedSize
	sized      sizedRun
	pcm        []int16
	firstFrame time.Time
	maxLatency time.Duration
}

func (r *received) WriteFrame(f *media.VideoFrame) {
	ts, ok := synth.ReadTime(f)
	r.mu.Lock()
	defer r.mu.Unlock()
	if !ok {
		r.badStrips++
		return
	}
	lat := time.Since(ts)
	if lat > r.maxLatency {
		r.maxLatency = lat
	}
	if r.frames == 0 {
		r.firstFrame = time.Now()
	}
	r.frames++
	r.width, r.height = f.Width, f.Height
	r.bytes += f.EncodedSize
	r.sized.add(f, ts)
}

// sizedRun adds up the frames of one size, by their capture times: the
// bitrate a sender publishes at that size, whatever else the receiver got
// in between (the server may move it to another layer for a while).
type sizedRun struct {
	w, h        int
	frames      int
	bytes       int // of the frames after the first
	first, last time.Time
}

func (s *sizedRun) add(f *media.VideoFrame, captured time.Time) {
	if f.Width != s.w || f.Height != s.h {
		return
	}
	if s.frames == 0 {
		s.first = captured
	} else {
		s.bytes += f.EncodedSize
	}
	s.frames++
	s.last = captured
}

// kbps is the rate over the capture times spanned, 0 under two frames.
func (s *sizedRun) kbps() float64 {
	span := s.last.Sub(s.first).Seconds()
	if s.frames < 2 || span <= 0 {
		return 0
	}
	return float64(s.bytes) * 8 / 1000 / span
}

// kbitPerFrame is the mean size of the frames after the first, in kbit;
// 0 under two frames.
func (s *sizedRun) kbitPerFrame() float64 {
	if s.frames < 2 {
		return 0
	}
	return float64(s.bytes) * 8 / 1000 / float64(s.frames-1)
}

func (r *received) WritePCM(pcm []int16) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.pcm) < 3*media.SampleRate {
		r.pcm = append(r.pcm, pcm...)
	}
}

func (r *received) snapshot() (frames int, pcm []int16) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.frames, append([]int16(nil), r.pcm...)
}

// participant is one engine with its event log.
type participant struct {
	owner  string // goroutine label, unique in the test process
	call   *app.Call
	got    *received
	events chan app.Event
	done   chan struct{}
}

var ownerSeq atomic.Int64

// startParticipant makes an engine whose goroutines carry the owner label,
// with its events on a channel.
func startParticipant(owner string, opts app.TransportConfig) *participant {
	owner = fmt.Sprintf("%s#%d", owner, ownerSeq.Add(1))
	p := &participant{owner: owner, got: &received{}, events: make(chan app.Event, 1024), done: make(chan struct{})}
	testenv.Labelled(owner, func() {
		if opts.Log == nil {
			opts.Log = testenv.QuietLog()
		}
		p.call = app.New(livekit.New(opts), app.WithLogger(testenv.QuietLog()))
		go func() {
			defer close(p.done)
			for ev := range p.call.Events() {
				select {
				case p.events <- ev:
				default: // the test stopped reading; keep draining
				}
			}
		}()
	})
	return p
}

// newParticipant publishes its own synthetic camera and microphone and
// records what it receives.
func newParticipant(owner string) *participant {
	devices := capture.AddFakePair(owner)
	var p *participant
	p = startParticipant(owner, app.TransportConfig{
		CameraID:     devices.CameraID,
		MicrophoneID: devices.MicrophoneID,
		Video:        media.VideoProfile{Width: 320, Height: 240, FPS: 30, BitrateKbps: 400},
		VideoSink:    func(string, app.Source) media.FrameSink { return p.got },
		AudioSink:    func(string, app.Source) media.PCMSink { return p.got },
	})
	return p
}

// waitEvent returns the first event for which match is true.
func (p *participant) waitEvent(t *testing.T, what string, match func(app.Event) bool) app.Event {
	t.Helper()
	// 30 s: under the race detector on a loaded machine, four participants
	// joining one room took longer than 15 s to see each other once.
	timeout := time.After(30 * time.Second)
	var others []app.Event // what came instead, for the failure's message
	for {
		select {
		case ev := <-p.events:
			if match(ev) {
				return ev
			}
			others = append(others, ev)
		case <-timeout:
			t.Fatalf("%s: no %s event within 30 s; it saw %d others: %s", p.owner, what, len(others), lastOf(others, 20))
			return nil
		}
	}
}

// waitJoined waits until p has seen every one of users join, in any
// order: who joins first depends on the test's map order and on when the
// server tells. Waited for one after another, a join seen before the one
// waited for was skipped, and its own wait then timed out (cy, in the
// room before plain and ana, saw plain join first).
func (p *participant) waitJoined(t *testing.T, users ...string) {
	t.Helper()
	missing := map[string]bool{}
	for _, u := range users {
		missing[u] = true
	}
	for len(missing) > 0 {
		ev := p.waitEvent(t, fmt.Sprintf("join of %v", slices.Sorted(maps.Keys(missing))), func(ev app.Event) bool {
			e, ok := ev.(app.UserJoined)
			return ok && missing[e.UserID]
		})
		delete(missing, ev.(app.UserJoined).UserID)
	}
}

// lastOf writes out the last n of events, saying how many came before them.
func lastOf(events []app.Event, n int) string {
	var earlier string
	if len(events) > n {
		earlier = fmt.Sprintf("(%d earlier) ", len(events)-n)
		events = events[len(events)-n:]
	}
	shown := make([]string, len(events))
	for i, ev := range events {
		shown[i] = fmt.Sprintf("%T%+v", ev, ev)
	}
	return earlier + strings.Join(shown, ", ")
}

// settle runs a command that changes what is wanted of src and waits for
// the outcome: nil once the source is on (or off) as asked, the
// DeviceError's error if it could not be.
func (p *participant) settle(t *testing.T, src app.Source, on bool, command func()) error {
	t.Helper()
	command()
	asked := false
	var err error
	timeout := time.After(15 * time.Second)
	for {
		select {
		case ev := <-p.events:
			switch e := ev.(type) {
			case app.DeviceError:
				if asked && e.Source == src {
					err = e.Err
				}
			case app.LocalSourceChanged:
				if e.Source != src {
					continue
				}
				if !asked {
					asked = e.Wanted == on && e.On != on
					continue
				}
				if e.Wanted == e.On {
					return err
				}
			}
		case <-timeout:
			t.Fatalf("%v did not settle within 15 s", src)
			return nil
		}
	}
}

func joinParams(s testenv.Server, user string) app.JoinParams {
	return app.JoinParams{ServerURL: s.URL(), RoomID: "8888", UserID: user, Name: "User " + user, Camera: true, Microphone: true}
}

func TestTwoParticipantsSeeAndHearEachOther(t *testing.T) {
	srv := testenv.StartServer(t)
	a, b := newParticipant("alice"), newParticipant("bob")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	testenv.Labelled(a.owner, func() {
		if err := a.call.Join(ctx, joinParams(srv, "alice")); err != nil {
			t.Fatalf("alice join: %v", err)
		}
	})
	testenv.Labelled(b.owner, func() {
		if err := b.call.Join(ctx, joinParams(srv, "bob")); err != nil {
			t.Fatalf("bob join: %v", err)
		}
	})
	a.waitEvent(t, "bob joined", func(ev app.Event) bool { e, ok := ev.(app.UserJoined); return ok && e.UserID == "bob" })
	b.waitEvent(t, "alice joined", func(ev app.Event) bool { e, ok := ev.(app.UserJoined); return ok && e.UserID == "alice" })

	for name, p := range map[string]*participant{"alice": a, "bob": b} {
		waitMedia(t, name, p.got)
	}

	b.call.Leave()
	ev := a.waitEvent(t, "bob left", func(ev app.Event) bool { e, ok := ev.(app.UserLeft); return ok && e.UserID == "bob" })
	if ev.(app.UserLeft).Reason != app.LeftNormally {
		t.Errorf("bob left with reason %v, want left", ev.(app.UserLeft).Reason)
	}
	a.call.Close()
	b.call.Close()
	<-a.done
	<-b.done
	testenv.CheckNoGoroutines(t, a.owner, 5*time.Second)
	testenv.CheckNoGoroutines(t, b.owner, 5*time.Second)
}

// waitMedia waits for 60 frames with a readable strip and 1 s of audio, then
// checks the audio is the fake microphone's tone.
func waitMedia(t *testing.T, who string, r *received) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		frames, pcm := r.snapshot()
		if frames >= 60 && len(pcm) >= media.SampleRate {
			// Skip the first 200 ms: the jitter of a starting stream.
			f := synth.DominantFrequency(pcm[len(pcm)-media.SampleRate/2:], media.SampleRate)
			if math.Abs(f-capture.FakeTone.Freq) > 10 {
				t.Errorf("%s hears %.1f Hz, want %.0f Hz", who, f, capture.FakeTone.Freq)
			}
			r.mu.Lock()
			t.Logf("%s: %d frames %dpx wide, %d strips unreadable, max latency %v, %d ms of audio at %.1f Hz",
				who, r.frames, r.width, r.badStrips, r.maxLatency, len(pcm)/48, f)
			r.mu.Unlock()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s decoded %d frames and %d ms of audio in 15 s", who, frames, len(pcm)/48)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

var _ = errors.Is
