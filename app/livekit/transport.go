// Package livekit is the only importer of LiveKit's Go SDK. It adapts the
// protocol and nothing else: it joins rooms, publishes what media's
// pipelines encode, hands subscribed tracks to media's receive pipelines,
// and turns the SDK's callbacks into app signals.
package livekit

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	lksdk "github.com/livekit/server-sdk-go/v2"

	"confer/app"
	"confer/internal/logs"
	"confer/media"
)

// Transport implements app.Transport over LiveKit. The call's worker calls
// its methods one at a time; mu guards only what the SDK's callbacks and
// the session's goroutines read.
type Transport struct {
	levelInterval atomic.Int64 // time.Duration between level reports; 0: off

	mu     sync.Mutex
	cfg    app.TransportConfig    // the settings the next source start uses
	cur    *session               // the connection, nil when not connected
	muted  map[string]bool        // remote users whose audio is not played
	gains  map[string]float64     // remote users played louder or softer
	layers map[videoKey]videoSize // how large each remote video is shown
}

// New creates a transport; it connects on Connect.
func New(cfg app.TransportConfig) *Transport {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Video.Width == 0 {
		cfg.Video = media.DefaultVideo
	}
	if cfg.Screen.MaxWidth == 0 {
		cfg.Screen = media.DefaultScreen
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 10 * time.Second
	}
	return &Transport{cfg: cfg, muted: map[string]bool{}, gains: map[string]float64{}, layers: map[videoKey]videoSize{}}
}

// Factory is New as an app.TransportFactory, for main to inject.
func Factory(cfg app.TransportConfig) app.Transport { return New(cfg) }

// Connect implements app.Transport.
func (t *Transport) Connect(ctx context.Context, p app.JoinParams, post func(app.Signal)) error {
	cfg := t.config()
	ctx, cancel := AnswerWithin(ctx, cfg.ConnectTimeout)
	defer cancel()
	url, token, err := credentials(ctx, p)
	if err != nil {
		return err
	}
	if p.Rejoin {
		waitRoomPlaced(ctx, url, token)
	}
	s := newSession(t, post)
	if err := s.join(ctx, url, token); err != nil {
		s.close()
		// The person is told what the server says of the token
		// (joinError); the library's own words go to the log, where a
		// refused join would otherwise leave no trace of its cause.
		cfg.Log.Info("join failed", "err", strings.ReplaceAll(err.Error(), token, "[token]"))
		return joinError(ctx, url, token, err)
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

// SetSource implements app.Transport.
func (t *Transport) SetSource(src app.Source, on bool, deviceID string) error {
	if on && deviceID != "" {
		t.setDevice(src, deviceID)
	}
	s := t.session()
	if s == nil {
		if on {
			return app.ErrNotJoined
		}
		return nil
	}
	return s.setSource(src, on)
}

// SetVideoProfile implements app.Transport.
func (t *Transport) SetVideoProfile(p media.VideoProfile) error {
	t.update(func(c *app.TransportConfig) { c.Video = p })
	return t.restart(app.SourceCamera)
}

// SetAudioProfile implements app.Transport.
func (t *Transport) SetAudioProfile(p app.AudioProfile) error {
	t.update(func(c *app.TransportConfig) { c.Audio = p })
	return t.restart(app.SourceMicrophone)
}

// SetAudioProcessing implements app.Transport: live on a microphone that
// is on.
func (t *Transport) SetAudioProcessing(p media.AudioProcessing) error {
	t.update(func(c *app.TransportConfig) { c.Processing = p })
	if s := t.session(); s != nil {
		return s.setProcessing(p)
	}
	return nil
}

// UseDevice implements app.Transport.
func (t *Transport) UseDevice(src app.Source, deviceID string) error {
	if !t.setDevice(src, deviceID) {
		return nil // already in use
	}
	return t.restart(src)
}

// setDevice records the device a source uses; false if it already did.
func (t *Transport) setDevice(src app.Source, id string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	field := map[app.Source]*string{
		app.SourceCamera: &t.cfg.CameraID, app.SourceMicrophone: &t.cfg.MicrophoneID, app.SourceScreen: &t.cfg.ScreenID,
	}[src]
	if field == nil || *field == id {
		return false
	}
	*field = id
	return true
}

// restart restarts a source that is on with the current settings.
func (t *Transport) restart(src app.Source) error {
	if s := t.session(); s != nil {
		return s.restartSource(src)
	}
	return nil
}

func (t *Transport) update(change func(*app.TransportConfig)) {
	t.mu.Lock()
	change(&t.cfg)
	t.mu.Unlock()
}

// config is a copy of the settings as they are now.
func (t *Transport) config() app.TransportConfig {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.cfg
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

// SetRemoteVolume implements app.Transport. It holds across reconnects
// and rejoins until changed.
func (t *Transport) SetRemoteVolume(userID string, gain float64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if gain == 1 {
		delete(t.gains, userID)
	} else {
		t.gains[userID] = gain
	}
}

// playback is how one user's audio plays now: muted, or at a gain.
func (t *Transport) playback(userID string) (muted bool, gain float64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	gain, ok := t.gains[userID]
	if !ok {
		gain = 1
	}
	return t.muted[userID] || gain == 0, gain
}

// SendChat implements app.Transport: a text stream on LiveKit's chat topic.
func (t *Transport) SendChat(m app.ChatMessage) error {
	s := t.session()
	if s == nil {
		return app.ErrNotJoined
	}
	return s.sendText(chatTopic, m.ID, m.Text, m.At)
}

// SendReaction implements app.Transport: a text stream on reactionTopic.
func (t *Transport) SendReaction(emoji string) error {
	s := t.session()
	if s == nil {
		return app.ErrNotJoined
	}
	return s.sendText(reactionTopic, app.NewMessageID(), emoji, time.Now())
}

// SetAttributes implements app.Transport. The SDK sends the request on
// the signalling connection and reports no error; the call sets a hand
// again after every reconnect for that reason.
func (t *Transport) SetAttributes(attrs map[string]string) error {
	s := t.session()
	if s == nil {
		return app.ErrNotJoined
	}
	s.room.LocalParticipant.SetAttributes(attrs)
	return nil
}

// SetLevelInterval implements app.Transport.
func (t *Transport) SetLevelInterval(d time.Duration) {
	t.levelInterval.Store(int64(max(d, 0)))
	if s := t.session(); s != nil {
		s.pokeLevels()
	}
}

func (t *Transport) interval() time.Duration { return time.Duration(t.levelInterval.Load()) }

// ProbeServer implements app.Transport.
func (t *Transport) ProbeServer() {
	if s := t.session(); s != nil {
		s.probe()
	}
}

func (t *Transport) session() *session {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.cur
}

// SetLibraryLogger routes the LiveKit SDK's own logging, and that of the
// pion peer connections it makes, into log. The SDK keeps one logger for
// the process, so main calls this once. logs.LiveKit rather than a logr
// bridge: pion's debug messages are then not formatted unless log shows
// them (see internal/logs/zap.go).
func SetLibraryLogger(log *slog.Logger) {
	lksdk.SetLogger(logs.LiveKit(log.Handler(), slog.LevelDebug))
}
