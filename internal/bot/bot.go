// Package bot is a headless participant: it joins, publishes synthetic media,
// decodes everyone and reports what it received. Tests, benchmarks and load
// tests drive real calls with it.
package bot

import (
	"context"
	"image"
	"log/slog"
	"sync"
	"syscall"
	"time"

	"confer/app"
	"confer/media"
	"confer/media/audio"
	"confer/media/capture"
	"confer/media/synth"
)

// Config is what `confer bot` takes from its flags.
type Config struct {
	Server, Room, Name, User string
	Password, Token          string
	APIKey, APISecret        string
	Video                    bool // publish the synthetic camera
	Audio                    bool // publish the synthetic microphone
	Screen                   bool // also share the synthetic screen
	CameraID, MicrophoneID   string
	ScreenID                 string // "" for the synthetic screen
	Profile                  media.VideoProfile
	Duration                 time.Duration // 0: until ctx ends
	Play                     bool          // play what it hears (the null device without a sound card)
	// Microphone is what the synthetic microphone hears, when it is not
	// the standard tone: speech, noise, silence or a mix (see Signal).
	Microphone synth.Signal
	// Processing cleans the microphone up before it is sent.
	Processing media.AudioProcessing
	// RoomEcho, when set, puts what the bot plays back into its own
	// microphone, as a laptop's speakers do (it needs Play).
	RoomEcho *media.RoomEcho
	// UplinkFloor is app.TransportConfig's, for benches on one machine.
	UplinkFloor int
	Log         *slog.Logger
	// Transport makes the call's transport (LiveKit's, from main).
	Transport app.TransportFactory
	// E2EE, when on, end-to-end encrypts what the bot sends and decrypts
	// what others encrypt with the same passphrase.
	E2EE app.E2EE
	// Say are chat messages sent once someone else is in the call;
	// SayDuringOutage the first time the call goes reconnecting (they must
	// arrive once it is back).
	Say, SayDuringOutage []string
	// RaiseHand raises the bot's hand once joined.
	RaiseHand bool
	// Tile, when set, is the size every remote camera is shown at, as a
	// window's tile of that size asks for it: the server then forwards the
	// simulcast layer that fits. Unset, the bot gets the full layer.
	Tile image.Point
	// Observe, when set, is given every event of the call as the bot
	// reads it (tests wait on them).
	Observe func(app.Event)
}

// End reasons written to the stats.
const (
	EndDuration     = "duration"
	EndLeft         = "left"
	EndDisconnected = "disconnected"
)

// Run joins, stays until the duration is over, ctx ends or the call ends,
// and returns the stats. The error is the join's, when it failed.
func Run(ctx context.Context, cfg Config) (*Stats, error) {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	rs := &remotes{byKey: map[remoteKey]*remote{}}
	if cfg.Microphone != nil {
		// Only a bot that speaks (or listens in silence) measures echo:
		// the recordings take 8.6 MB each, and the standard tone's bots —
		// a soak's, a bench's — would carry one per remote for nothing.
		rs.sent = &recording{}
	}
	tc := app.TransportConfig{
		Log:          cfg.Log,
		CameraID:     cfg.CameraID,
		MicrophoneID: cfg.MicrophoneID,
		Video:        cfg.Profile,
		Processing:   cfg.Processing,
		RoomEcho:     cfg.RoomEcho,
		UplinkFloor:  cfg.UplinkFloor,
		E2EE:         cfg.E2EE,
		LocalAudio:   rs.localAudio(),
		VideoSink:    func(u string, s app.Source) media.FrameSink { return rs.get(u, s) },
		AudioSink:    func(u string, s app.Source) media.PCMSink { return rs.get(u, s) },
	}
	if cfg.Microphone != nil {
		tc.MicrophoneID = capture.AddFakeMicrophone(cfg.User, cfg.Microphone)
	}
	if cfg.Play {
		mixer := audio.NewMixer()
		player, err := audio.NewPlayer(mixer, cfg.Log)
		if err != nil {
			return &Stats{Room: cfg.Room, User: cfg.User, End: EndDisconnected, Error: err.Error()}, err
		}
		defer player.Close()
		rs.played = watchPlayback(mixer)
		tc.AudioSink = func(u string, s app.Source) media.PCMSink { return media.TeePCM(rs.get(u, s), mixer.NewInput()) }
		tc.Playback = mixer.PlaybackTap
	}
	call := app.New(cfg.Transport(tc), app.WithLogger(cfg.Log))
	defer call.Close()
	st := &Stats{Room: cfg.Room, User: cfg.User, Remotes: map[string]*RemoteStats{}, enc: encryptionLog{}}

	rs.joinStart = time.Now()
	err := call.Join(ctx, app.JoinParams{
		ServerURL: cfg.Server, RoomID: cfg.Room, UserID: cfg.User, Name: cfg.Name,
		Token: cfg.Token, Password: cfg.Password, APIKey: cfg.APIKey, APISecret: cfg.APISecret,
		Camera: cfg.Video, Microphone: cfg.Audio,
	})
	st.JoinMS = ms(time.Since(rs.joinStart))
	if err != nil {
		st.End, st.Error = EndDisconnected, err.Error()
		finish(st, rs)
		return st, err
	}
	st.Joined = true
	if cfg.Screen {
		shareScreen(call, cfg.ScreenID)
	}
	mt := &meeting{call: call}
	mt.start(cfg)
	st.End = stay(ctx, call, cfg, st, mt)
	call.Leave()
	finish(st, rs)
	mt.apply(st)
	return st, nil
}

// stay reads events until the call should end and says why it ended. It
// records the events that tell a call's story in st.
func stay(ctx context.Context, call *app.Call, cfg Config, st *Stats, mt *meeting) string {
	var timeout <-chan time.Time
	if d := cfg.Duration; d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timeout = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return EndLeft
		case <-timeout:
			return EndDuration
		case ev, ok := <-call.Events():
			if !ok {
				return EndLeft
			}
			if cfg.Observe != nil {
				cfg.Observe(ev)
			}
			if rec, ok := record(ev); ok && len(st.Events) < 1000 {
				st.Events = append(st.Events, rec)
			}
			mt.note(ev, st)
			if e, ok := ev.(app.UserJoined); ok && cfg.Tile != (image.Point{}) {
				call.SetRemoteVideoSize(e.UserID, app.SourceCamera, cfg.Tile.X, cfg.Tile.Y)
			}
			if e, ok := ev.(app.UplinkChanged); ok {
				st.addUplink(e.EstimateKbps)
			}
			switch e := ev.(type) {
			case app.CallEncryption:
				st.E2EE = e.Encrypted
			case app.RemoteEncryption:
				st.enc.note(e)
			case app.KickedOut:
				return e.Reason.String()
			case app.StateChanged:
				if e.State == app.Disconnected {
					return EndDisconnected
				}
			}
		}
	}
}

func record(ev app.Event) (EventRecord, bool) {
	r := EventRecord{UnixMS: time.Now().UnixMilli()}
	switch e := ev.(type) {
	case app.StateChanged:
		r.Kind, r.Detail = "state", e.State.String()
		if e.Err != nil {
			r.Detail += ": " + e.Err.Error()
		}
	case app.UserJoined:
		r.Kind, r.User = "joined", e.UserID
	case app.UserLeft:
		r.Kind, r.User, r.Detail = "left", e.UserID, e.Reason.String()
	case app.KickedOut:
		r.Kind, r.Detail = "kicked", e.Reason.String()
	case app.DeviceError:
		r.Kind, r.Detail = "device", e.Source.String()+": "+e.Err.Error()
	default:
		return r, false
	}
	return r, true
}

func finish(st *Stats, rs *remotes) {
	st.AudioLatencyMS = rs.played.result()
	for k, r := range rs.all() {
		s := r.stats()
		if db, ok := echoReturnDB(rs.sent, r.heard); ok {
			s.EchoReturnDB = &db
		}
		if k.source == app.SourceScreen {
			base := st.Remotes[k.user]
			if base == nil {
				base = &RemoteStats{}
				st.Remotes[k.user] = base
			}
			base.Screen = s
			continue
		}
		if base := st.Remotes[k.user]; base != nil {
			s.Screen = base.Screen
		}
		st.Remotes[k.user] = merge(st.Remotes[k.user], s)
	}
	st.enc.apply(st)
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		st.CPUSeconds = round3(tv(ru.Utime) + tv(ru.Stime))
		st.MaxRSSMB = round1(float64(ru.Maxrss) / 1024) // Linux reports KiB
	}
}

// merge combines a user's camera and microphone measurements, which arrive
// through separate sinks.
func merge(a, b *RemoteStats) *RemoteStats {
	if a == nil {
		return b
	}
	if b.FramesDecoded > 0 {
		audio := *a
		*a = *b // the video's fields, and its pipeline's
		a.Screen = audio.Screen
		copyAudio(a, &audio)
	}
	if b.AudioFramesDecoded > 0 {
		copyAudio(a, b)
	}
	return a
}

// copyAudio copies the audio measurements of from into to.
func copyAudio(to, from *RemoteStats) {
	to.EchoReturnDB = from.EchoReturnDB
	to.AudioFramesDecoded, to.AudioLevel, to.AudioFrequencyHz = from.AudioFramesDecoded, from.AudioLevel, from.AudioFrequencyHz
	to.AudioFramesConcealed, to.AudioFramesRecovered, to.AudioConcealedPct = from.AudioFramesConcealed, from.AudioFramesRecovered, from.AudioConcealedPct
	to.AudioFramesRED = from.AudioFramesRED
}

func tv(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }

type remoteKey struct {
	user   string
	source app.Source
}

// remotes hands out one measuring sink per remote user and source.
type remotes struct {
	joinStart time.Time
	mu        sync.Mutex
	byKey     map[remoteKey]*remote
	played    *playbackLatency // nil unless playing
	sent      *recording       // what this bot's microphone sent; nil: no echo measured
}

// localAudio is where the call hands what the microphone sends: the
// recording, when there is one.
func (rs *remotes) localAudio() media.PCMSink {
	if rs.sent == nil {
		return nil
	}
	return rs.sent
}

func (rs *remotes) get(user string, source app.Source) *remote {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	k := remoteKey{user, source}
	r := rs.byKey[k]
	if r == nil {
		r = &remote{joinStart: rs.joinStart, subscribed: time.Now()}
		if rs.sent != nil {
			r.heard = &recording{}
		}
		rs.byKey[k] = r
	}
	return r
}

func (rs *remotes) all() map[remoteKey]*remote {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	out := make(map[remoteKey]*remote, len(rs.byKey))
	for k, v := range rs.byKey {
		out[k] = v
	}
	return out
}

// shareScreen shares a screen; a failure is in the events as a DeviceError.
func shareScreen(call *app.Call, id string) {
	if id == "" {
		id = capture.FakeScreenID
	}
	call.ShareScreen(id)
}

// UseFakeDevices registers the synthetic devices the bot publishes.
func UseFakeDevices() { capture.RegisterFakeDevices() }
