// Package livekit is the only importer of LiveKit's Go SDK: it joins rooms,
// publishes Confer's own media pipelines, subscribes to everyone, and turns
// the SDK's callbacks into app signals.
package livekit

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-logr/logr"
	protoLogger "github.com/livekit/protocol/logger"
	lksdk "github.com/livekit/server-sdk-go/v2"

	"confer/app"
	"confer/media"
)

// VideoProfile is what the camera is asked for and how it is encoded.
type VideoProfile struct {
	Width, Height int
	FPS           int
	BitrateKbps   int
}

// DefaultVideo is 640×480 at 30 fps, a good default for a small call.
var DefaultVideo = VideoProfile{Width: 640, Height: 480, FPS: 30, BitrateKbps: 800}

// Options wire the transport to devices and to whatever shows and plays the
// remote media. Nil sinks mean "decode and drop".
type Options struct {
	Log            *slog.Logger
	CameraID       string // "" for the preferred camera
	MicrophoneID   string // "" for the preferred microphone
	Video          VideoProfile
	ConnectTimeout time.Duration

	// Preview gets the local camera frames (self-view).
	Preview media.FrameSink
	// VideoSink is asked once per subscribed remote video track.
	VideoSink func(userID string, source app.Source) media.FrameSink
	// AudioSink is asked once per subscribed remote audio track.
	AudioSink func(userID string, source app.Source) media.PCMSink
	// LocalLevel gets the RMS level of each captured microphone frame.
	LocalLevel func(rms float64)
}

// Transport implements app.Transport over LiveKit.
type Transport struct {
	opts Options

	levelInterval atomic.Int64 // time.Duration between level reports; 0: off

	mu    sync.Mutex
	cur   *session        // the connection, nil when not connected
	muted map[string]bool // remote users whose audio is not played
}

// New creates a transport; it connects on Connect.
func New(opts Options) *Transport {
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	if opts.Video.Width == 0 {
		opts.Video = DefaultVideo
	}
	if opts.ConnectTimeout == 0 {
		opts.ConnectTimeout = 10 * time.Second
	}
	return &Transport{opts: opts, muted: map[string]bool{}}
}

// Connect implements app.Transport.
func (t *Transport) Connect(ctx context.Context, p app.JoinParams, post func(app.Signal)) error {
	ctx, cancel := context.WithTimeout(ctx, t.opts.ConnectTimeout)
	defer cancel()
	url, token, err := credentials(ctx, p)
	if err != nil {
		return err
	}
	t.mu.Lock()
	opts := t.opts // device choices may have changed since New
	t.mu.Unlock()
	s := newSession(opts, post, t.isMuted, func() time.Duration { return time.Duration(t.levelInterval.Load()) })
	if err := s.join(ctx, url, token); err != nil {
		s.close()
		return joinError(ctx, url, err)
	}
	t.mu.Lock()
	t.cur = s
	t.mu.Unlock()
	return nil
}

// Disconnect implements app.Transport.
func (t *Transport) Disconnect() {
	t.mu.Lock()
	s := t.cur
	t.cur = nil
	t.mu.Unlock()
	if s != nil {
		s.close()
	}
}

// SetCamera implements app.Transport.
func (t *Transport) SetCamera(on bool) error {
	s := t.session()
	if s == nil {
		return app.ErrNotJoined
	}
	return s.setCamera(on)
}

// SetMicrophone implements app.Transport.
func (t *Transport) SetMicrophone(on bool) error {
	s := t.session()
	if s == nil {
		return app.ErrNotJoined
	}
	return s.setMicrophone(on)
}

// SetRemoteAudioMuted implements app.Transport. It holds across reconnects
// and rejoins until changed.
func (t *Transport) SetRemoteAudioMuted(userID string, muted bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if muted {
		t.muted[userID] = true
	} else {
		delete(t.muted, userID)
	}
}

// UseDevices implements app.Transport.
func (t *Transport) UseDevices(cameraID, microphoneID string) error {
	t.mu.Lock()
	t.opts.CameraID, t.opts.MicrophoneID = cameraID, microphoneID
	s := t.cur
	t.mu.Unlock()
	if s == nil {
		return nil
	}
	return s.useDevices(cameraID, microphoneID)
}

// SetLevelInterval implements app.Transport.
func (t *Transport) SetLevelInterval(d time.Duration) {
	t.levelInterval.Store(int64(max(d, 0)))
	if s := t.session(); s != nil {
		s.pokeLevels()
	}
}

func (t *Transport) isMuted(userID string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.muted[userID]
}

func (t *Transport) session() *session {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.cur
}

// SetLibraryLogger routes the LiveKit SDK's own logging into log. The SDK
// keeps one logger for the process, so main calls this once.
func SetLibraryLogger(log *slog.Logger) {
	lksdk.SetLogger(protoLogger.LogRLogger(logr.FromSlogHandler(log.Handler())))
}
