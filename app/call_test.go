package app

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

var params = JoinParams{ServerURL: "127.0.0.1:7880", RoomID: "8888", UserID: "me", Name: "Me"}

func ana(tracks ...Track) Participant { return Participant{UserID: "ana", Name: "Ana", Tracks: tracks} }

var (
	cam = Track{Source: SourceCamera}
	mic = Track{Source: SourceMicrophone}
)

func joined(t *testing.T, tr *fakeTransport, opts ...Option) *Call {
	t.Helper()
	c := New(tr, opts...)
	t.Cleanup(c.Close)
	if err := c.Join(context.Background(), params); err != nil {
		t.Fatalf("join: %v", err)
	}
	tr.waitCall(t, "connect")
	return c
}

func TestJoinReportsEveryoneAlreadyThere(t *testing.T) {
	tr := newFake()
	tr.onConnect = []Signal{RosterChanged{Participants: []Participant{ana(cam, mic)}}}
	c := joined(t, tr)
	same(t, upToNow(t, c, isTrackEvent), []Event{
		StateChanged{State: Joining},
		StateChanged{State: Connected},
		UserJoined{UserID: "ana", Name: "Ana", AlreadyThere: true},
		RemoteVideo{UserID: "ana", Source: SourceCamera, Available: true},
		RemoteAudio{UserID: "ana", Source: SourceMicrophone, Available: true},
	})
	if s := c.Snapshot(); s.State != Connected || len(s.Users) != 1 {
		t.Fatalf("snapshot %+v", s)
	}
}

func TestTrackChanges(t *testing.T) {
	tr := newFake()
	tr.onConnect = []Signal{RosterChanged{Participants: []Participant{ana(mic)}}}
	c := joined(t, tr)
	only := func(ev Event) bool { return !isTrackEvent(ev) }
	same(t, upToNow(t, c, only), []Event{RemoteTrack{UserID: "ana", Source: SourceMicrophone, Change: TrackPublished}})
	tr.postNow(RosterChanged{Participants: []Participant{ana(Track{Source: SourceMicrophone, Muted: true}, cam)}})
	same(t, upToNow(t, c, only), []Event{
		RemoteTrack{UserID: "ana", Source: SourceCamera, Change: TrackPublished},
		RemoteTrack{UserID: "ana", Source: SourceMicrophone, Change: TrackMuted},
	})
	tr.postNow(RosterChanged{Participants: []Participant{ana(mic)}})
	same(t, upToNow(t, c, only), []Event{
		RemoteTrack{UserID: "ana", Source: SourceCamera, Change: TrackUnpublished},
		RemoteTrack{UserID: "ana", Source: SourceMicrophone, Change: TrackUnmuted},
	})
}

func TestFailedJoinEndsDisconnectedWithTheError(t *testing.T) {
	tr := newFake()
	tr.connectErr = ErrWrongPassword
	c := New(tr)
	defer c.Close()
	if err := c.Join(context.Background(), params); !errors.Is(err, ErrWrongPassword) {
		t.Fatalf("join: %v", err)
	}
	same(t, upToNow(t, c, nil), []Event{
		StateChanged{State: Joining},
		StateChanged{State: Disconnected, Err: ErrWrongPassword},
	})
	tr.waitCall(t, "disconnect", "connect")
}

func TestInvalidParamsNeverReachTheNetwork(t *testing.T) {
	tr := newFake()
	c := New(tr)
	defer c.Close()
	p := params
	p.RoomID = "no spaces"
	if err := c.Join(context.Background(), p); !errors.Is(err, ErrInvalidRoomID) {
		t.Fatalf("join: %v", err)
	}
	same(t, upToNow(t, c, nil), nil)
	select {
	case call := <-tr.calls:
		t.Fatalf("transport was called: %s", call)
	default:
	}
}

func TestPublishMuteUnpublishAndLeave(t *testing.T) {
	tr := newFake()
	tr.onConnect = []Signal{RosterChanged{Participants: []Participant{ana()}}}
	c := joined(t, tr)
	upToNow(t, c, nil)
	steps := []struct {
		roster []Participant
		want   []Event
	}{
		{[]Participant{ana(cam)}, []Event{RemoteVideo{UserID: "ana", Source: SourceCamera, Available: true}}},
		{[]Participant{ana(Track{Source: SourceCamera, Muted: true})}, []Event{RemoteVideo{UserID: "ana", Source: SourceCamera, Available: false}}},
		{[]Participant{ana(cam, Track{Source: SourceScreen})}, []Event{
			RemoteVideo{UserID: "ana", Source: SourceCamera, Available: true},
			RemoteVideo{UserID: "ana", Source: SourceScreen, Available: true},
		}},
		{nil, []Event{
			RemoteVideo{UserID: "ana", Source: SourceCamera, Available: false},
			RemoteVideo{UserID: "ana", Source: SourceScreen, Available: false},
			UserLeft{UserID: "ana", Reason: LeftNormally},
		}},
	}
	for _, s := range steps {
		tr.postNow(RosterChanged{Participants: s.roster})
		same(t, upToNow(t, c, isTrackEvent), s.want)
	}
}

func TestShortOutageShowsNoFalseLeaveOrJoin(t *testing.T) {
	bo := Participant{UserID: "bo", Name: "Bo"}
	tr := newFake()
	tr.onConnect = []Signal{RosterChanged{Participants: []Participant{ana(cam), bo}}}
	c := joined(t, tr)
	upToNow(t, c, nil)
	tr.postNow(LinkSample{SDKReconnecting: true})
	tr.postNow(RosterChanged{}) // the SDK's full restart forgets everyone...
	cy := Participant{UserID: "cy", Name: "Cy"}
	tr.postNow(RosterChanged{Participants: []Participant{ana(cam), cy}}) // ...and re-adds who is there
	tr.postNow(LinkSample{LastMedia: time.Now(), ExpectsMedia: true})
	same(t, upToNow(t, c, isTrackEvent), []Event{
		StateChanged{State: Reconnecting},
		StateChanged{State: Connected},
		UserJoined{UserID: "cy", Name: "Cy"},
		UserLeft{UserID: "bo", Reason: LeftNormally},
	})
}

func TestKickedOutEndsTheCallOnce(t *testing.T) {
	tr := newFake()
	tr.onConnect = []Signal{RosterChanged{Participants: []Participant{ana()}}}
	c := joined(t, tr)
	upToNow(t, c, nil)
	k := KickDuplicate
	tr.postNow(LinkLost{Kick: &k})
	tr.postNow(LinkLost{Err: errors.New("late duplicate report")})
	same(t, upToNow(t, c, nil), []Event{KickedOut{Reason: KickDuplicate}, StateChanged{State: Disconnected}})
	tr.waitCall(t, "disconnect")
	// A new join after a kick is a fresh session.
	if err := c.Join(context.Background(), params); err != nil {
		t.Fatalf("rejoin: %v", err)
	}
	tr.waitCall(t, "connect")
}

func TestMissingDeviceDoesNotStopTheCall(t *testing.T) {
	tr := newFake()
	tr.sourceErr[SourceMicrophone] = ErrNoMicrophone
	c := New(tr)
	defer c.Close()
	p := params
	p.Microphone = true
	if err := c.Join(context.Background(), p); err != nil {
		t.Fatalf("join: %v", err)
	}
	tr.waitCall(t, "microphone on ", "connect")
	// The loop hears of the failure after the transport's call returns.
	var got []Event
	waitEvent(t, c, func(ev Event) bool {
		got = append(got, ev)
		return ev == LocalSourceChanged{Source: SourceMicrophone}
	})
	same(t, got, []Event{
		LocalSourceChanged{Source: SourceMicrophone, Wanted: true},
		StateChanged{State: Joining},
		StateChanged{State: Connected},
		DeviceError{Source: SourceMicrophone, Err: ErrNoMicrophone},
		LocalSourceChanged{Source: SourceMicrophone},
	})
}

func TestLeaveAndClose(t *testing.T) {
	tr := newFake()
	c := joined(t, tr)
	upToNow(t, c, nil)
	c.Leave()
	tr.waitCall(t, "disconnect")
	same(t, upToNow(t, c, nil), []Event{StateChanged{State: Idle}})
	c.Close()
	if _, open := <-c.Events(); open {
		t.Fatal("events still open after Close")
	}
	if err := c.Join(context.Background(), params); !errors.Is(err, ErrClosed) {
		t.Fatalf("join after close: %v", err)
	}
}

// A double click on the camera button is two toggles: off, then on again.
// Before, both clicks read the same stale "on" and sent "off" twice.
func TestQuickTogglesAreCarriedOutInOrderWithoutRepeats(t *testing.T) {
	tr := newFake()
	tr.gate = make(chan struct{})
	c := New(tr)
	defer c.Close()
	p := params
	p.Camera = true
	if err := c.Join(context.Background(), p); err != nil {
		t.Fatalf("join: %v", err)
	}
	tr.gate <- struct{}{} // camera on
	tr.waitCall(t, "camera on ", "connect")
	c.ToggleCamera()
	c.ToggleCamera()
	c.ToggleCamera() // three clicks: off, on, off
	tr.gate <- struct{}{}
	tr.waitCall(t, "camera off ")
	// The first job took "off"; by the time it was done the person wanted
	// off again (on, then off): nothing more to do.
	waitFor(t, c, LocalSourceChanged{Source: SourceCamera})
	c.EnableAudioLevels(0) // a job behind anything the loop queued
	tr.waitCall(t, "levels 0s")
}

// waitFor reads events until want.
func waitFor(t *testing.T, c *Call, want Event) {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case ev := <-c.Events():
			if ev == want {
				return
			}
		case <-timeout:
			t.Fatalf("no event %#v", want)
		}
	}
}

func TestLeaveCancelsAJoinAtOnce(t *testing.T) {
	tr := newFake()
	tr.blockConnect = true
	c := New(tr)
	defer c.Close()
	joinErr := make(chan error, 1)
	go func() { joinErr <- c.Join(context.Background(), params) }()
	tr.waitCall(t, "connect")
	c.Leave()
	if err := <-joinErr; !errors.Is(err, ErrJoinCancelled) {
		t.Fatalf("join returned %v, want cancelled", err)
	}
	tr.waitCall(t, "connect cancelled")
	tr.waitCall(t, "disconnect")
	same(t, upToNow(t, c, nil), []Event{StateChanged{State: Joining}, StateChanged{State: Idle}})
}

func TestCloseDuringAJoinReturns(t *testing.T) {
	tr := newFake()
	tr.blockConnect = true
	c := New(tr)
	joinErr := make(chan error, 1)
	go func() { joinErr <- c.Join(context.Background(), params) }()
	tr.waitCall(t, "connect")
	c.Close()
	if err := <-joinErr; !errors.Is(err, ErrJoinCancelled) && !errors.Is(err, ErrClosed) {
		t.Fatalf("join returned %v", err)
	}
}

func TestSignalsOfALeftSessionAreIgnored(t *testing.T) {
	tr := newFake()
	c := joined(t, tr)
	tr.mu.Lock()
	oldPost := tr.post
	tr.mu.Unlock()
	c.Leave()
	if err := c.Join(context.Background(), params); err != nil {
		t.Fatalf("rejoin: %v", err)
	}
	upToNow(t, c, nil)
	oldPost(RosterChanged{Participants: []Participant{ana(cam)}})
	oldPost(LinkLost{Err: ErrServerGone})
	same(t, upToNow(t, c, nil), nil)
}

func TestADeadLinkEndsTheCallOnTheCallsClock(t *testing.T) {
	tr := newFake()
	clock := newFakeClock()
	c := joined(t, tr, WithClock(clock))
	tr.postNow(LinkSample{LastMedia: clock.Now(), ExpectsMedia: true})
	upToNow(t, c, nil)
	for range 12 { // 3 s of silence
		clock.Advance(250 * time.Millisecond)
		upToNow(t, c, nil)
	}
	tr.waitCall(t, "probe")
	// A tick the loop takes while busy is dropped, as a ticker's are: tick
	// on until the call gives up, and check it was not before 15 s more.
	start := clock.Now()
	for ended := false; !ended; {
		clock.Advance(250 * time.Millisecond)
		select {
		case got := <-tr.calls:
			if got != "probe" && got != "disconnect" {
				t.Fatalf("transport call %q while reconnecting", got)
			}
			ended = got == "disconnect"
		case <-time.After(20 * time.Millisecond):
		}
		if clock.Now().Sub(start) > time.Minute {
			t.Fatal("still reconnecting after a minute of silence")
		}
	}
	if s := c.Snapshot(); s.State != Disconnected || clock.Now().Sub(start) < DefaultLinkRules.GiveUpAfter-time.Second {
		t.Fatalf("state %v after %v more of silence", s.State, clock.Now().Sub(start))
	}
}

func TestAnUnpluggedDeviceTurnsItsSourceOff(t *testing.T) {
	tr := newFake()
	c := joined(t, tr)
	c.SetCamera(true)
	tr.waitCall(t, "camera on ")
	upToNow(t, c, nil)
	tr.postNow(SourceEnded{Source: SourceCamera, Err: ErrDeviceLost})
	same(t, upToNow(t, c, nil), []Event{
		DeviceError{Source: SourceCamera, Err: ErrDeviceLost},
		LocalSourceChanged{Source: SourceCamera},
	})
	tr.waitCall(t, "camera off ") // taken off the air
}

// Tile sizes reach the transport in the order they were reported: each used
// to go on a goroutine of its own, so a stale size could land last.
func TestRemoteSizesReachTheTransportInOrder(t *testing.T) {
	tr := newFake()
	c := joined(t, tr)
	for w := 100; w <= 1000; w += 100 {
		c.SetRemoteVideoSize("ana", SourceCamera, w, w/2)
	}
	for w := 100; w <= 1000; w += 100 {
		select {
		case got := <-tr.calls:
			want := fmt.Sprintf("size ana camera %dx%d", w, w/2)
			if got != want {
				t.Fatalf("transport call %q, want %q", got, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("sizes did not reach the transport")
		}
	}
}

func TestSpeakingHasHysteresis(t *testing.T) {
	var s speakingState
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	steps := []struct {
		ms    int
		level float64
		want  bool
	}{
		{0, 0.01, false},   // quiet
		{200, 0.02, false}, // between the thresholds: not yet
		{400, 0.1, true},   // speaks
		{600, 0.02, true},  // a softer syllable
		{800, 0.005, true}, // a pause between words...
		{1200, 0.005, true},
		{1400, 0.005, false}, // ...held 600 ms: stopped
		{1600, 0.02, false},
	}
	for _, st := range steps {
		if got := s.update(st.level, at(st.ms)); got != st.want {
			t.Errorf("at %d ms, level %.3f: speaking %v, want %v", st.ms, st.level, got, st.want)
		}
	}
}

func TestLevelReportsCarrySpeakingFlags(t *testing.T) {
	tr := newFake()
	tr.onConnect = []Signal{RosterChanged{Participants: []Participant{ana(mic)}}}
	c := joined(t, tr)
	upToNow(t, c, nil)
	tr.postNow(LevelsMeasured{Levels: AudioLevels{Local: 0.2, Remote: map[string]float64{"ana": 0.001}}, At: time.Now()})
	evs := upToNow(t, c, nil)
	if len(evs) != 1 {
		t.Fatalf("events %#v", evs)
	}
	ev := evs[0].(AudioLevels)
	if !ev.LocalSpeaking || ev.Speaking["ana"] || ev.Local != 0.2 {
		t.Fatalf("levels event %+v", ev)
	}
}
