package livekit_test

import (
	"context"
	"testing"
	"time"

	"confer/app"
	"confer/internal/testenv"
	"confer/media/capture"
	"confer/media/synth"
)

// levelsOf joins with only a microphone (tone or silent) and level reports on.
func levelsOf(t *testing.T, url, user string, tone synth.Tone) *participant {
	t.Helper()
	pair := capture.AddFakePairWithTone("levels-"+user, tone)
	p := startParticipant("levels-"+user, app.TransportConfig{MicrophoneID: pair.MicrophoneID})
	p.call.EnableAudioLevels(200 * time.Millisecond)
	if err := p.call.Join(context.Background(), app.JoinParams{ServerURL: url, RoomID: "levels", UserID: user, Name: user, Microphone: true}); err != nil {
		t.Fatalf("%s join: %v", user, err)
	}
	t.Cleanup(func() { p.call.Close(); <-p.done })
	return p
}

func (p *participant) levels(t *testing.T, what string, ok func(app.AudioLevels) bool) app.AudioLevels {
	t.Helper()
	ev := p.waitEvent(t, what, func(ev app.Event) bool { l, is := ev.(app.AudioLevels); return is && ok(l) })
	return ev.(app.AudioLevels)
}

func TestAudioLevelsAndSpeaking(t *testing.T) {
	srv := testenv.StartServer(t)
	talker := levelsOf(t, srv.URL(), "talker", capture.FakeTone)
	quiet := levelsOf(t, srv.URL(), "quiet", synth.Tone{})

	l := talker.levels(t, "the talker's own level", func(l app.AudioLevels) bool { return l.Local > 0.1 })
	if !l.LocalSpeaking {
		t.Errorf("the talker's tone (%.3f) does not count as speaking", l.Local)
	}
	l = quiet.levels(t, "the talker heard by the quiet one", func(l app.AudioLevels) bool { return l.Remote["talker"] > 0.1 })
	if !l.Speaking["talker"] || l.LocalSpeaking || l.Local > 0.01 {
		t.Errorf("quiet one's report: %+v", l)
	}
	l = talker.levels(t, "the quiet one heard by the talker", func(l app.AudioLevels) bool { _, ok := l.Remote["quiet"]; return ok })
	if l.Remote["quiet"] > 0.01 || l.Speaking["quiet"] {
		t.Errorf("a silent microphone is heard at %.3f (speaking %v)", l.Remote["quiet"], l.Speaking["quiet"])
	}

	// The talker stops: the highlight goes out.
	if err := talker.settle(t, app.SourceMicrophone, false, func() { talker.call.SetMicrophone(false) }); err != nil {
		t.Fatal(err)
	}
	quiet.levels(t, "the talker no longer speaking", func(l app.AudioLevels) bool { return !l.Speaking["talker"] })
}
