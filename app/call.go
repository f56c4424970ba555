package app

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Call is one participant's engine: create it once, join and leave as often
// as needed, close it at the end. One goroutine (the loop) owns the call's
// state and delivers events in order; the transport's callbacks only post to
// it. Join, Leave and the device toggles run the network work on the
// caller's goroutine, never on the loop.
type Call struct {
	t      Transport
	log    *slog.Logger
	inbox  *mailbox
	events chan Event
	quit   chan struct{}
	done   chan struct{}

	// sessionMu serialises Join, Leave and Close; it guards active.
	sessionMu sync.Mutex
	active    bool // Connect succeeded and Disconnect has not been called
	closed    bool
}

// New creates a call on a transport. Events() must be read until it closes.
func New(t Transport, log *slog.Logger) *Call {
	if log == nil {
		log = slog.Default()
	}
	c := &Call{
		t:      t,
		log:    log,
		inbox:  newMailbox(),
		events: make(chan Event),
		quit:   make(chan struct{}),
		done:   make(chan struct{}),
	}
	go c.run()
	return c
}

// Events delivers the call's events in order. It is closed by Close.
func (c *Call) Events() <-chan Event { return c.events }

// Join checks p, connects and returns once in the room or failed. The error
// is one of this package's sentinels or *UnreachableError where it can be.
func (c *Call) Join(ctx context.Context, p JoinParams) error {
	p, err := p.Normalize()
	if err != nil {
		return err
	}
	c.sessionMu.Lock()
	defer c.sessionMu.Unlock()
	if c.closed {
		return ErrClosed
	}
	if c.active {
		if c.Snapshot().State != Disconnected {
			return ErrAlreadyJoined
		}
		c.endSessionLocked() // lost earlier (kicked, dropped): release it first
	}
	c.inbox.put(msgJoining{})
	if err := c.t.Connect(ctx, p, c.post); err != nil {
		c.t.Disconnect()
		c.inbox.put(msgEnded{err: err})
		return err
	}
	c.active = true
	c.inbox.put(msgJoined{})
	// A missing camera or microphone does not stop the call: it goes on
	// listen-only or audio-only, and the owner hears why.
	if p.Camera {
		c.reportDevice(SourceCamera, c.t.SetCamera(true))
	}
	if p.Microphone {
		c.reportDevice(SourceMicrophone, c.t.SetMicrophone(true))
	}
	return nil
}

func (c *Call) reportDevice(s Source, err error) {
	if err != nil {
		c.log.Warn("device not started", "source", s, "err", err)
		c.inbox.put(DeviceError{Source: s, Err: err})
	}
}

// Leave leaves the room; devices are released when it returns.
func (c *Call) Leave() {
	c.sessionMu.Lock()
	defer c.sessionMu.Unlock()
	if c.active {
		c.endSessionLocked()
	}
}

func (c *Call) endSessionLocked() {
	c.t.Disconnect()
	c.active = false
	c.inbox.put(msgEnded{})
}

// Close leaves if needed and stops the loop; Events() is closed after it.
func (c *Call) Close() {
	c.Leave()
	c.sessionMu.Lock()
	if !c.closed {
		c.closed = true
		close(c.quit)
	}
	c.sessionMu.Unlock()
	<-c.done
}

// SetCamera starts or stops capturing and publishing the camera.
func (c *Call) SetCamera(on bool) error {
	if !c.isActive() {
		return ErrNotJoined
	}
	err := c.t.SetCamera(on)
	c.reportDevice(SourceCamera, err)
	return err
}

// SetMicrophone starts or stops capturing and publishing the microphone.
func (c *Call) SetMicrophone(on bool) error {
	if !c.isActive() {
		return ErrNotJoined
	}
	err := c.t.SetMicrophone(on)
	c.reportDevice(SourceMicrophone, err)
	return err
}

// ShareScreen starts sharing a screen ("" for the first one) beside the
// camera. Others get it as a separate source (RemoteVideo with
// SourceScreen).
func (c *Call) ShareScreen(screenID string) error {
	if !c.isActive() {
		return ErrNotJoined
	}
	err := c.t.SetScreenShare(true, screenID)
	c.reportDevice(SourceScreen, err)
	return err
}

// StopScreenShare stops sharing; others see the screen go.
func (c *Call) StopScreenShare() error {
	if !c.isActive() {
		return ErrNotJoined
	}
	return c.t.SetScreenShare(false, "")
}

// SetVideoQuality changes the camera's quality, now if it is on, and for
// the next joins.
func (c *Call) SetVideoQuality(q VideoQuality) error {
	err := c.t.SetVideoQuality(q)
	c.reportDevice(SourceCamera, err)
	return err
}

// SetAudioProfile changes how the microphone is coded, now and later.
func (c *Call) SetAudioProfile(p AudioProfile) error {
	err := c.t.SetAudioProfile(p)
	c.reportDevice(SourceMicrophone, err)
	return err
}

// UseDevices switches to another camera and microphone during the call (or
// for the next join). Others see the track restart, not you leaving.
func (c *Call) UseDevices(cameraID, microphoneID string) error {
	return c.t.UseDevices(cameraID, microphoneID)
}

// EnableAudioLevels reports AudioLevels every interval (100–2000 ms is
// sensible), or stops the reports with 0. It holds across joins.
func (c *Call) EnableAudioLevels(interval time.Duration) {
	c.t.SetLevelInterval(interval)
}

// SetRemoteVideoSize says how large a remote video is shown (pixels), so
// the server sends a layer that fits: a thumbnail does not cost a full-size
// decode. It holds across reconnects and rejoins.
func (c *Call) SetRemoteVideoSize(userID string, src Source, width, height int) {
	c.t.SetRemoteVideoSize(userID, src, width, height)
}

// MuteRemoteAudio stops or resumes playing one user's audio, locally only.
func (c *Call) MuteRemoteAudio(userID string, muted bool) {
	c.t.SetRemoteAudioMuted(userID, muted)
}

// isActive tells whether the call is connected (or reconnecting): a call the
// server ended stays "active" until Leave, but takes no more commands.
func (c *Call) isActive() bool {
	c.sessionMu.Lock()
	active := c.active
	c.sessionMu.Unlock()
	if !active {
		return false
	}
	st := c.Snapshot().State
	return st == Connected || st == Reconnecting
}

// Snapshot is a copy of the call's state, for a UI that needs to redraw
// everything at once.
type Snapshot struct {
	State ConnectionState
	Users []Participant
}

// Snapshot asks the loop for a copy of the state it owns.
func (c *Call) Snapshot() Snapshot {
	reply := make(chan Snapshot, 1)
	c.inbox.put(msgSnapshot{reply: reply})
	select {
	case s := <-reply:
		return s
	case <-c.done:
		return Snapshot{}
	}
}

func (c *Call) post(s Signal) { c.inbox.put(s) }

// Messages from Call's own methods to the loop.
type (
	msgJoining  struct{}
	msgJoined   struct{}
	msgEnded    struct{ err error }
	msgSnapshot struct{ reply chan Snapshot }
)
