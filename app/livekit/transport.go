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
	"github.com/livekit/protocol/livekit"
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

// ProfileFor is the camera profile of a video quality. The bitrates are
// what VP8 needs for a clean picture of a person at that size and rate.
func ProfileFor(q app.VideoQuality) VideoProfile {
	switch q {
	case app.VideoLow:
		return VideoProfile{Width: 640, Height: 360, FPS: 24, BitrateKbps: 500}
	case app.VideoHigh:
		return VideoProfile{Width: 1920, Height: 1080, FPS: 30, BitrateKbps: 3000}
	}
	return VideoProfile{Width: 1280, Height: 720, FPS: 30, BitrateKbps: 1500}
}

// ScreenProfile bounds a shared screen. Text must stay sharp, so it keeps
// resolution and gives up frame rate.
type ScreenProfile struct {
	MaxWidth, MaxHeight int
	FPS                 int
	BitrateKbps         int
}

// DefaultScreen shares up to 1920×1080 at 15 fps.
var DefaultScreen = ScreenProfile{MaxWidth: 1920, MaxHeight: 1080, FPS: 15, BitrateKbps: 2500}

// Options wire the transport to devices and to whatever shows and plays the
// remote media. Nil sinks mean "decode and drop".
type Options struct {
	Log            *slog.Logger
	CameraID       string // "" for the preferred camera
	MicrophoneID   string // "" for the preferred microphone
	Video          VideoProfile
	Audio          app.AudioProfile
	ScreenID       string // the screen to share; "" for the first
	Screen         ScreenProfile
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

	mu     sync.Mutex
	cur    *session                          // the connection, nil when not connected
	muted  map[string]bool                   // remote users whose audio is not played
	layers map[videoKey]livekit.VideoQuality // simulcast layer wanted per remote video
}

// New creates a transport; it connects on Connect.
func New(opts Options) *Transport {
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	if opts.Video.Width == 0 {
		opts.Video = DefaultVideo
	}
	if opts.Screen.MaxWidth == 0 {
		opts.Screen = DefaultScreen
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
	s.layerFor = t.layerFor
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
	return s.setSource(app.SourceCamera, on)
}

// SetMicrophone implements app.Transport.
func (t *Transport) SetMicrophone(on bool) error {
	s := t.session()
	if s == nil {
		return app.ErrNotJoined
	}
	return s.setSource(app.SourceMicrophone, on)
}

// SetScreenShare implements app.Transport.
func (t *Transport) SetScreenShare(on bool, screenID string) error {
	s := t.session()
	if s == nil {
		return app.ErrNotJoined
	}
	if on && screenID != "" { // "": the screen of the options, or the first
		t.update(func(o *Options) { o.ScreenID = screenID })
		s.update(func(o *Options) { o.ScreenID = screenID })
	}
	return s.setSource(app.SourceScreen, on)
}

// SetVideoQuality implements app.Transport.
func (t *Transport) SetVideoQuality(q app.VideoQuality) error {
	p := ProfileFor(q)
	return t.reconfigure(app.SourceCamera, func(o *Options) { o.Video = p })
}

// SetAudioProfile implements app.Transport.
func (t *Transport) SetAudioProfile(p app.AudioProfile) error {
	return t.reconfigure(app.SourceMicrophone, func(o *Options) { o.Audio = p })
}

// reconfigure changes the options for later joins and, in a call, restarts
// the source with them.
func (t *Transport) reconfigure(src app.Source, change func(*Options)) error {
	t.update(change)
	s := t.session()
	if s == nil {
		return nil
	}
	s.update(change)
	return s.restartSource(src)
}

func (t *Transport) update(change func(*Options)) {
	t.mu.Lock()
	change(&t.opts)
	t.mu.Unlock()
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
