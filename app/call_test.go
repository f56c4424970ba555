package app

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"
)

// scripted is a transport whose network side is the test: Connect posts
// what the test says and returns its error.
type scripted struct {
	onConnect   []Signal
	connectErr  error
	post        func(Signal)
	connects    int
	disconnects int
}

func (s *scripted) Connect(_ context.Context, _ JoinParams, post func(Signal)) error {
	s.connects++
	s.post = post
	for _, sig := range s.onConnect {
		post(sig)
	}
	return s.connectErr
}
func (s *scripted) SetCamera(bool) error                        { return nil }
func (s *scripted) SetMicrophone(bool) error                    { return ErrNoMicrophone }
func (s *scripted) SetRemoteAudioMuted(string, bool)            {}
func (s *scripted) Disconnect()                                 { s.disconnects++ }
func (s *scripted) SetLevelInterval(time.Duration)              {}
func (s *scripted) UseDevices(string, string) error             { return nil }
func (s *scripted) SetScreenShare(bool, string) error           { return nil }
func (s *scripted) SetVideoQuality(VideoQuality) error          { return nil }
func (s *scripted) SetAudioProfile(AudioProfile) error          { return nil }
func (s *scripted) SetRemoteVideoSize(string, Source, int, int) {}

var params = JoinParams{ServerURL: "127.0.0.1:7880", RoomID: "8888", UserID: "me", Name: "Me"}

func ana(tracks ...Track) Participant { return Participant{UserID: "ana", Name: "Ana", Tracks: tracks} }

var (
	cam = Track{Source: SourceCamera}
	mic = Track{Source: SourceMicrophone}
)

// collect reads n events other than RemoteTrack (TestTrackChanges checks
// those), failing if they do not come.
func collect(t *testing.T, c *Call, n int) []Event {
	t.Helper()
	return collectEvents(t, c, n, func(ev Event) bool { _, track := ev.(RemoteTrack); return !track })
}

func collectEvents(t *testing.T, c *Call, n int, keep func(Event) bool) []Event {
	t.Helper()
	var out []Event
	for len(out) < n {
		select {
		case ev := <-c.Events():
			if keep(ev) {
				out = append(out, ev)
			}
		case <-time.After(2 * time.Second):
			t.Fatalf("got %d events, want %d: %#v", len(out), n, out)
		}
	}
	return out
}

func expectNone(t *testing.T, c *Call) {
	t.Helper()
	timeout := time.After(100 * time.Millisecond)
	for {
		select {
		case ev := <-c.Events():
			if _, track := ev.(RemoteTrack); !track {
				t.Fatalf("unexpected event %#v", ev)
			}
		case <-timeout:
			return
		}
	}
}

func TestTrackChanges(t *testing.T) {
	tr := &scripted{onConnect: []Signal{RosterChanged{Participants: []Participant{ana(mic)}}}}
	c := joined(t, tr)
	only := func(ev Event) bool { _, ok := ev.(RemoteTrack); return ok }
	same(t, collectEvents(t, c, 1, only), []Event{RemoteTrack{UserID: "ana", Source: SourceMicrophone, Change: TrackPublished}})
	tr.post(RosterChanged{Participants: []Participant{ana(Track{Source: SourceMicrophone, Muted: true}, cam)}})
	same(t, collectEvents(t, c, 2, only), []Event{
		RemoteTrack{UserID: "ana", Source: SourceCamera, Change: TrackPublished},
		RemoteTrack{UserID: "ana", Source: SourceMicrophone, Change: TrackMuted},
	})
	tr.post(RosterChanged{Participants: []Participant{ana(mic)}})
	same(t, collectEvents(t, c, 2, only), []Event{
		RemoteTrack{UserID: "ana", Source: SourceCamera, Change: TrackUnpublished},
		RemoteTrack{UserID: "ana", Source: SourceMicrophone, Change: TrackUnmuted},
	})
}

func same(t *testing.T, got, want []Event) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("events\n got %#v\nwant %#v", got, want)
	}
}

func joined(t *testing.T, tr *scripted) *Call {
	t.Helper()
	c := New(tr, nil)
	t.Cleanup(c.Close)
	if err := c.Join(context.Background(), params); err != nil {
		t.Fatalf("join: %v", err)
	}
	return c
}

func TestJoinReportsEveryoneAlreadyThere(t *testing.T) {
	tr := &scripted{onConnect: []Signal{RosterChanged{Participants: []Participant{ana(cam, mic)}}}}
	c := joined(t, tr)
	same(t, collect(t, c, 5), []Event{
		StateChanged{State: Connecting},
		StateChanged{State: Connected},
		UserJoined{UserID: "ana", Name: "Ana"},
		RemoteVideo{UserID: "ana", Source: SourceCamera, Available: true},
		RemoteAudio{UserID: "ana", Source: SourceMicrophone, Available: true},
	})
	if s := c.Snapshot(); s.State != Connected || len(s.Users) != 1 {
		t.Fatalf("snapshot %+v", s)
	}
}

func TestFailedJoinEndsDisconnectedWithTheError(t *testing.T) {
	tr := &scripted{connectErr: ErrWrongPassword}
	c := New(tr, nil)
	defer c.Close()
	if err := c.Join(context.Background(), params); !errors.Is(err, ErrWrongPassword) {
		t.Fatalf("join: %v", err)
	}
	same(t, collect(t, c, 2), []Event{
		StateChanged{State: Connecting},
		StateChanged{State: Disconnected, Err: ErrWrongPassword},
	})
	if tr.disconnects != 1 {
		t.Errorf("failed join did not release the transport")
	}
}

func TestInvalidParamsNeverReachTheNetwork(t *testing.T) {
	tr := &scripted{}
	c := New(tr, nil)
	defer c.Close()
	p := params
	p.RoomID = "no spaces"
	if err := c.Join(context.Background(), p); !errors.Is(err, ErrInvalidRoomID) {
		t.Fatalf("join: %v", err)
	}
	if tr.connects != 0 {
		t.Fatal("transport was asked to connect")
	}
	expectNone(t, c)
}

func TestPublishMuteUnpublishAndLeave(t *testing.T) {
	tr := &scripted{onConnect: []Signal{RosterChanged{Participants: []Participant{ana()}}}}
	c := joined(t, tr)
	collect(t, c, 3)
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
		tr.post(RosterChanged{Participants: s.roster})
		same(t, collect(t, c, len(s.want)), s.want)
	}
}

func TestShortOutageShowsNoFalseLeaveOrJoin(t *testing.T) {
	bo := Participant{UserID: "bo", Name: "Bo"}
	tr := &scripted{onConnect: []Signal{RosterChanged{Participants: []Participant{ana(cam), bo}}}}
	c := joined(t, tr)
	collect(t, c, 5)
	tr.post(LinkChanged{State: Reconnecting})
	tr.post(RosterChanged{}) // the SDK's full restart forgets everyone...
	cy := Participant{UserID: "cy", Name: "Cy"}
	tr.post(RosterChanged{Participants: []Participant{ana(cam), cy}}) // ...and re-adds who is there
	tr.post(LinkChanged{State: Connected})
	same(t, collect(t, c, 4), []Event{
		StateChanged{State: Reconnecting},
		StateChanged{State: Connected},
		UserJoined{UserID: "cy", Name: "Cy"},
		UserLeft{UserID: "bo", Reason: LeftNormally},
	})
	expectNone(t, c)
}

func TestKickedOutEndsTheCallOnce(t *testing.T) {
	tr := &scripted{onConnect: []Signal{RosterChanged{Participants: []Participant{ana()}}}}
	c := joined(t, tr)
	collect(t, c, 3)
	k := KickDuplicate
	tr.post(LinkLost{Kick: &k})
	tr.post(LinkLost{Err: errors.New("late duplicate report")})
	same(t, collect(t, c, 2), []Event{KickedOut{Reason: KickDuplicate}, StateChanged{State: Disconnected}})
	expectNone(t, c)
	// A new join after a kick releases the old session first.
	if err := c.Join(context.Background(), params); err != nil {
		t.Fatalf("rejoin: %v", err)
	}
	if tr.disconnects != 1 {
		t.Fatalf("old session released %d times", tr.disconnects)
	}
}

func TestMissingDeviceDoesNotStopTheCall(t *testing.T) {
	tr := &scripted{}
	c := New(tr, nil)
	defer c.Close()
	p := params
	p.Microphone = true
	if err := c.Join(context.Background(), p); err != nil {
		t.Fatalf("join: %v", err)
	}
	same(t, collect(t, c, 3), []Event{
		StateChanged{State: Connecting},
		StateChanged{State: Connected},
		DeviceError{Source: SourceMicrophone, Err: ErrNoMicrophone},
	})
}

func TestLeaveAndClose(t *testing.T) {
	tr := &scripted{}
	c := joined(t, tr)
	collect(t, c, 2)
	c.Leave()
	same(t, collect(t, c, 1), []Event{StateChanged{State: Disconnected}})
	c.Close()
	if _, open := <-c.Events(); open {
		t.Fatal("events still open after Close")
	}
	if err := c.Join(context.Background(), params); !errors.Is(err, ErrClosed) {
		t.Fatalf("join after close: %v", err)
	}
}

func TestSpeakingHasHysteresis(t *testing.T) {
	var s speakingState
	t0 := time.Unix(1000, 0)
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
	tr := &scripted{onConnect: []Signal{RosterChanged{Participants: []Participant{ana(mic)}}}}
	c := joined(t, tr)
	collect(t, c, 4)
	now := time.Now()
	tr.post(LevelsMeasured{Levels: AudioLevels{Local: 0.2, Remote: map[string]float64{"ana": 0.001}}, At: now})
	ev := collect(t, c, 1)[0].(AudioLevels)
	if !ev.LocalSpeaking || ev.Speaking["ana"] || ev.Local != 0.2 {
		t.Fatalf("levels event %+v", ev)
	}
}
