package ui

import (
	"context"
	"errors"
	"sync"
	"time"

	"confer/app"
	"confer/media"
	"confer/media/audio"
)

// presenter is one call as the window shows it, from join to leave: the
// engine, the sound it plays, and the goroutines that carry its events to
// the screen. It owns those goroutines and close waits for all of them.
// Fields without a note are set once; the rest are the UI goroutine's.
type presenter struct {
	w       *controller
	call    *app.Call
	mixer   *audio.Mixer
	params  app.JoinParams
	secret  app.E2EE // the call's end-to-end encryption passphrase, if any
	hosting bool     // this computer runs the room server of this call
	cancel  context.CancelFunc
	wg      sync.WaitGroup // the event pump, the join, device switches, admin actions

	invite string      // set by the join goroutine before it reports joining
	view   *callView   // the call screen, once joined
	early  []app.Event // events that came before the call screen showed
	ended  bool        // the call ended; later events are stale
	// lost holds the device each source lost mid-call, to offer it back.
	lost map[app.Source]string
	// using is the device the call was told to use, per source. The
	// pickers' choice can move on without the call (a refresh that finds
	// the chosen camera gone picks the first one), so what failed is read
	// here, not from the pickers.
	using [app.SourceCount]string
	// secretInvite is the invite with the passphrase, set with invite.
	secretInvite string

	chimes chimes // join, leave and hand sounds, into mixer (UI goroutine)

	playerMu sync.Mutex // guards player: set by the join, swapped by a device change
	player   *audio.Player
	speaker  string // UI goroutine: the output in use
}

func newPresenter(w *controller, p app.JoinParams, hosting bool) *presenter {
	s := &presenter{w: w, mixer: audio.NewMixer(), params: p, hosting: hosting, speaker: w.devices.speaker,
		secret: app.NewE2EE(w.lobby.e2ee.Text)}
	s.chimes.mixer = s.mixer
	m := w.devices
	s.call = app.New(w.opts.Transport(app.TransportConfig{
		Log:          w.log,
		CameraID:     m.camera,
		MicrophoneID: m.microphone,
		Preview:      w.routes.sink(selfKey),
		Video:        m.quality.Profile(),
		Audio:        m.audio,
		Processing:   m.processing,
		Playback:     s.mixer.PlaybackTap,
		E2EE:         s.secret,
		VideoSink: func(user string, src app.Source) media.FrameSink {
			if src == app.SourceScreen {
				return w.routes.sink(screenKey(user))
			}
			return w.routes.sink(user)
		},
		AudioSink: func(string, app.Source) media.PCMSink { return s.mixer.NewInput() },
	}), app.WithLogger(w.log))
	s.call.EnableAudioLevels(200 * time.Millisecond) // speaking highlights
	s.using[app.SourceCamera], s.using[app.SourceMicrophone] = m.camera, m.microphone
	return s
}

// start pumps the call's events to the UI and joins in the background:
// starting the room server and the network work take time.
func (s *presenter) start() {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	s.cancel = cancel
	s.wg.Add(2)
	go func() {
		defer s.wg.Done()
		for ev := range s.call.Events() {
			s.w.b.do(func() { s.w.onEvent(s, ev) })
		}
	}()
	go func() {
		defer s.wg.Done()
		s.join(ctx)
	}()
}

func (s *presenter) join(ctx context.Context) {
	p := s.params
	if s.hosting {
		h, err := s.w.ensureHost()
		if err != nil {
			s.w.b.do(func() { s.w.joinFailed(s, "Could not start hosting: "+err.Error()) })
			return
		}
		p.ServerURL = h.URL()
	}
	s.invite = app.InviteLink(p.ServerURL, p.RoomID)
	s.secretInvite = app.InviteLinkWithPassphrase(p.ServerURL, p.RoomID, s.secret)
	s.setSpeaker(s.speaker)
	if err := s.call.Join(ctx, p); err != nil {
		if !errors.Is(err, app.ErrJoinCancelled) && !errors.Is(err, app.ErrClosed) {
			s.w.b.do(func() { s.w.joinFailed(s, joinFailure(err)) })
		}
		return // cancelled: whoever cancelled shows what comes next
	}
	s.w.b.do(func() { s.w.enterCall(s) })
}

// goTracked runs fn on a goroutine close waits for.
func (s *presenter) goTracked(fn func()) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		fn()
	}()
}

// setSpeaker plays the call through an output, closing the one before
// first: a mixer has one device taking from it. The devices are opened and
// closed outside the lock.
func (s *presenter) setSpeaker(id string) {
	s.swapPlayer(nil)
	player, err := audio.NewPlayerOn(s.mixer, id, s.w.log)
	if err != nil {
		s.w.log.Warn("no audio output", "err", err)
	}
	s.swapPlayer(player) // closes one that a change at the same time opened
}

// swapPlayer makes p the player and closes the one it replaces.
func (s *presenter) swapPlayer(p *audio.Player) {
	s.playerMu.Lock()
	old := s.player
	s.player = p
	s.playerMu.Unlock()
	if old != nil {
		old.Close()
	}
}

// adminDo runs a host's action off the UI goroutine and shows a failure as
// a banner.
func (s *presenter) adminDo(fn func(context.Context, app.RoomAdmin) error) {
	h := s.w.hosted()
	if h == nil {
		return
	}
	s.goTracked(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := fn(ctx, h.Admin()); err != nil {
			s.w.b.do(func() {
				if s.view != nil && !s.ended {
					s.view.showBanner("Could not do that: " + err.Error())
				}
			})
		}
	})
}

// close ends the call and waits for everything the presenter started.
func (s *presenter) close() {
	s.cancel()
	s.call.Close()
	s.w.log.Info("left the call", "room", s.params.RoomID)
	s.wg.Wait()
	s.playerMu.Lock()
	defer s.playerMu.Unlock()
	if s.player != nil {
		s.player.Close()
		s.player = nil
	}
}
