package app

import (
	"context"
	"log/slog"
	"time"

	"confer/media"
)

// Call is one participant's engine: create it once, join and leave as often
// as needed, close it at the end.
//
// One goroutine (the loop) owns all of the call's state: the connection
// state machine, the roster, what each local source should be and is. Every
// method only posts a command to it; the transport's callbacks only post
// signals. The loop hands network work, in order, to one transport worker
// and hears the results back as messages, so it never waits on the network
// and a slow server never stalls events.
type Call struct {
	t      Transport
	log    *slog.Logger
	clock  Clock
	rules  LinkRules
	inbox  *mailbox
	work   *worker
	events chan Event
	quit   chan struct{}
	done   chan struct{}
}

// Option configures a Call.
type Option func(*Call)

// WithLogger sets the call's logger.
func WithLogger(log *slog.Logger) Option { return func(c *Call) { c.log = log } }

// WithClock gives the call another clock (tests move time by hand).
func WithClock(clock Clock) Option { return func(c *Call) { c.clock = clock } }

// WithLinkRules changes the connection timings.
func WithLinkRules(r LinkRules) Option { return func(c *Call) { c.rules = r } }

// New creates a call on a transport. Events() must be read until it closes.
func New(t Transport, opts ...Option) *Call {
	c := &Call{
		t:      t,
		log:    slog.Default(),
		clock:  SystemClock{},
		rules:  DefaultLinkRules,
		inbox:  newMailbox(),
		events: make(chan Event),
		quit:   make(chan struct{}),
		done:   make(chan struct{}),
	}
	for _, o := range opts {
		o(c)
	}
	c.work = newWorker(c.inbox.put)
	go c.run()
	return c
}

// Events delivers the call's events in order. It is closed by Close.
func (c *Call) Events() <-chan Event { return c.events }

// Join checks p, connects and returns once in the room, failed, or
// cancelled (ctx done, Leave or Close: ErrJoinCancelled). The error is one
// of this package's sentinels or *UnreachableError where it can be.
// p.Camera and p.Microphone say whether those start on.
func (c *Call) Join(ctx context.Context, p JoinParams) error {
	p, err := p.Normalize()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	reply := make(chan error, 1)
	if !c.post(cmdJoin{params: p, ctx: ctx, cancel: cancel, reply: reply}) {
		cancel()
		return ErrClosed
	}
	select {
	case err := <-reply:
		return err
	case <-c.done:
		cancel()
		return ErrClosed
	}
}

// Leave leaves the room, or cancels a join under way. Devices are released
// when it returns.
func (c *Call) Leave() {
	reply := make(chan struct{})
	if c.post(cmdLeave{reply: reply}) {
		select {
		case <-reply:
		case <-c.done:
		}
	}
}

// Close leaves if needed and stops the call; Events() is closed after it.
func (c *Call) Close() {
	c.Leave()
	if c.post(cmdClose{}) {
		<-c.done
	}
	c.work.stop()
}

// SetCamera asks for the camera on or off. LocalSourceChanged reports the
// outcome; a camera that cannot start also gives a DeviceError.
func (c *Call) SetCamera(on bool) { c.post(cmdSource{src: SourceCamera, on: on}) }

// SetMicrophone asks for the microphone on or off, the same way.
func (c *Call) SetMicrophone(on bool) { c.post(cmdSource{src: SourceMicrophone, on: on}) }

// ToggleCamera flips what was last asked of the camera. Two quick toggles
// are two requests, carried out in order; nothing is sent twice.
func (c *Call) ToggleCamera() { c.post(cmdSource{src: SourceCamera, toggle: true}) }

// ToggleMicrophone flips what was last asked of the microphone.
func (c *Call) ToggleMicrophone() { c.post(cmdSource{src: SourceMicrophone, toggle: true}) }

// ShareScreen starts sharing a screen ("" for the configured or first one)
// beside the camera. Others get it as a separate source (RemoteVideo with
// SourceScreen).
func (c *Call) ShareScreen(screenID string) {
	c.post(cmdSource{src: SourceScreen, on: true, device: screenID})
}

// StopScreenShare stops sharing; others see the screen go.
func (c *Call) StopScreenShare() { c.post(cmdSource{src: SourceScreen, on: false}) }

// SetVideoQuality changes the camera's quality, now if it is on, and for
// the next joins.
func (c *Call) SetVideoQuality(q VideoQuality) { c.SetVideoProfile(q.Profile()) }

// SetVideoProfile is SetVideoQuality with explicit numbers.
func (c *Call) SetVideoProfile(p media.VideoProfile) {
	c.post(cmdReconfigure{src: SourceCamera, apply: func(t Transport) error { return t.SetVideoProfile(p) }})
}

// SetAudioProfile changes how the microphone is coded, now and later.
func (c *Call) SetAudioProfile(p AudioProfile) {
	c.post(cmdReconfigure{src: SourceMicrophone, apply: func(t Transport) error { return t.SetAudioProfile(p) }})
}

// SetAudioProcessing switches echo cancellation, noise suppression and
// automatic gain, now on a microphone that is on, and for the next joins.
func (c *Call) SetAudioProcessing(p media.AudioProcessing) {
	c.post(cmdReconfigure{src: SourceMicrophone, apply: func(t Transport) error { return t.SetAudioProcessing(p) }})
}

// UseDevices switches to another camera and microphone during the call (or
// for the next join). Others see the track restart, not you leaving.
func (c *Call) UseDevices(cameraID, microphoneID string) {
	c.UseDevice(SourceCamera, cameraID)
	c.UseDevice(SourceMicrophone, microphoneID)
}

// UseDevice switches one source's device; the transport ignores a switch
// to the device already in use.
func (c *Call) UseDevice(src Source, deviceID string) {
	c.post(cmdReconfigure{src: src, apply: func(t Transport) error { return t.UseDevice(src, deviceID) }})
}

// EnableAudioLevels reports AudioLevels every interval (100–2000 ms is
// sensible), or stops the reports with 0. It holds across joins.
func (c *Call) EnableAudioLevels(interval time.Duration) {
	c.post(cmdTransport{func(t Transport) { t.SetLevelInterval(interval) }})
}

// SetRemoteVideoSize says how large a remote video is shown (pixels), so
// the server sends a layer that fits: a thumbnail does not cost a full-size
// decode. It holds across reconnects and rejoins.
func (c *Call) SetRemoteVideoSize(userID string, src Source, width, height int) {
	c.post(cmdTransport{func(t Transport) { t.SetRemoteVideoSize(userID, src, width, height) }})
}

// MuteRemoteAudio stops or resumes playing one user's audio, locally only.
func (c *Call) MuteRemoteAudio(userID string, muted bool) {
	c.post(cmdTransport{func(t Transport) { t.SetRemoteAudioMuted(userID, muted) }})
}

// SetRemoteVolume plays one user's audio at gain (1 as sent, 0.5 half as
// loud, up to 4), locally only; clipping is avoided, not distortion.
func (c *Call) SetRemoteVolume(userID string, gain float64) {
	gain = max(0, min(gain, MaxRemoteVolume))
	c.post(cmdTransport{func(t Transport) { t.SetRemoteVolume(userID, gain) }})
}

// MaxRemoteVolume is the most SetRemoteVolume amplifies.
const MaxRemoteVolume = 4.0

// SendChat sends a chat message to everyone in the call and returns its
// ID, or why it cannot be sent (ErrChatEmpty, ErrChatTooLong). A message
// sent while the call reconnects waits and goes out after; ChatSent or
// ChatFailed reports the outcome, by ID.
func (c *Call) SendChat(text string) (string, error) {
	if err := CheckChat(text); err != nil {
		return "", err
	}
	msg := ChatMessage{ID: NewMessageID(), Text: text, At: c.clock.Now()}
	if !c.post(cmdChat{msg: msg}) {
		return "", ErrClosed
	}
	return msg.ID, nil
}

// RaiseHand raises or lowers this participant's hand; HandRaised with
// UserID "" reports it (and the host lowering it).
func (c *Call) RaiseHand(raised bool) { c.post(cmdHand{raised: raised}) }

// React sends an emoji reaction (one of Reactions, or any short text);
// ReactionReceived with UserID "" reports it sent. Reactions come at most
// one every 300 ms; more are dropped.
func (c *Call) React(emoji string) { c.post(cmdReact{emoji: emoji}) }

// Snapshot is a copy of the call's state, for a UI that needs to redraw
// everything at once.
type Snapshot struct {
	State   ConnectionState
	Users   []Participant
	Sources [SourceCount]LocalSourceChanged
	// Encrypted: CallEncryption was reported this session; Encryption is
	// what RemoteEncryption last said of each remote track.
	Encrypted  bool
	Encryption []RemoteEncryption
	// HandRaised: this participant's hand is up.
	HandRaised bool
}

// Snapshot asks the loop for a copy of the state it owns.
func (c *Call) Snapshot() Snapshot {
	reply := make(chan Snapshot, 1)
	if !c.post(cmdSnapshot{reply: reply}) {
		return Snapshot{}
	}
	select {
	case s := <-reply:
		return s
	case <-c.done:
		return Snapshot{}
	}
}

// post hands a command to the loop; false once the call is closed.
func (c *Call) post(cmd any) bool {
	select {
	case <-c.done:
		return false
	default:
		c.inbox.put(cmd)
		return true
	}
}
