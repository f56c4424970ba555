package app

import (
	"context"
	"log/slog"
	"time"

	"confer/media"
)

// Transport is the network side of a call: signalling, publishing,
// subscribing. app/livekit implements it.
//
// The call's transport worker calls every method but ProbeServer, one at a
// time, in the order the person's commands came; so an implementation needs
// no locks to keep its own operations apart, only to guard what its library
// callbacks touch. Methods may block on the network: the call's loop never
// waits for them.
type Transport interface {
	// Connect joins the room and returns once joined, failed, or ctx is
	// done. While connected, the transport reports what changes through
	// post, which never blocks.
	Connect(ctx context.Context, p JoinParams, post func(Signal)) error
	// Disconnect leaves the room and returns when every goroutine the
	// transport started for this connection has ended. Safe to call when
	// not connected.
	Disconnect()
	// SetSource starts (capturing and publishing) or stops a local source.
	// deviceID picks the device or screen; "" keeps the configured one. A
	// microphone that was on is muted rather than stopped: nothing is sent,
	// the device stays open so the voice detector can tell a person they
	// speak while muted, and unmuting is instant.
	SetSource(src Source, on bool, deviceID string) error
	// SetVideoProfile changes the camera's size, frame rate and bitrate; a
	// camera that is on restarts on the same track.
	SetVideoProfile(p media.VideoProfile) error
	// SetAudioProfile changes how the microphone is coded, the same way.
	SetAudioProfile(p AudioProfile) error
	// SetAudioProcessing switches echo cancellation, noise suppression and
	// automatic gain, live on a microphone that is on, and for later.
	SetAudioProcessing(p media.AudioProcessing) error
	// UseDevice switches the camera or microphone; a source that is on
	// restarts on the new device, on the same track: others see the
	// picture change, not the track go.
	UseDevice(src Source, deviceID string) error
	// SetRemoteVideoSize says how large a remote video is shown, in
	// pixels, so the server sends the simulcast layer that fits it.
	SetRemoteVideoSize(userID string, src Source, width, height int)
	// SetRemoteAudioMuted stops or resumes playing one user's audio locally.
	SetRemoteAudioMuted(userID string, muted bool)
	// SetRemoteVolume plays one user's audio at gain (1 as sent),
	// locally; it holds across reconnects and rejoins.
	SetRemoteVolume(userID string, gain float64)
	// SendChat sends a chat message to everyone and returns once the
	// server has it, or why it could not be sent.
	SendChat(m ChatMessage) error
	// SendReaction sends an emoji reaction to everyone.
	SendReaction(emoji string) error
	// SetAttributes sets this participant's attributes ("" removes one);
	// the server keeps them for the session and tells everyone.
	SetAttributes(attrs map[string]string) error
	// SetLevelInterval turns level reports (LevelsMeasured) on at an
	// interval, or off with 0.
	SetLevelInterval(d time.Duration)
	// ProbeServer checks in the background whether the server still
	// listens, and posts ServerProbed. It returns at once; the loop calls it.
	ProbeServer()
}

// TransportConfig wires a transport to devices and to whatever shows and
// plays the remote media. Nil sinks mean "decode and drop".
type TransportConfig struct {
	Log          *slog.Logger
	CameraID     string // "" for the preferred camera
	MicrophoneID string // "" for the preferred microphone
	ScreenID     string // the screen to share; "" for the first
	Video        media.VideoProfile
	Screen       media.ScreenProfile
	Audio        AudioProfile
	// Processing cleans the microphone up before it is sent.
	Processing media.AudioProcessing
	// Playback, when set, taps what the speaker plays (the echo
	// canceller's reference); nil when nothing plays here.
	Playback func() media.PlaybackTap
	// RoomEcho, when set, simulates a room's echo into the microphone
	// (bots measure echo cancellation with it).
	RoomEcho *media.RoomEcho
	// ConnectTimeout bounds a join; 0 for 10 s.
	ConnectTimeout time.Duration
	// UplinkFloor is the least the sender's congestion control may
	// estimate, in bit/s (0: its own floor). A bench whose senders and
	// receivers share one machine sets it: there the machine's own load
	// looks like a queue on the link, and senders drop their top layers.
	UplinkFloor int
	// E2EE, when on, end-to-end encrypts every track this participant
	// publishes and its data packets, and decrypts what others encrypt
	// with the same passphrase (the transport reports CallEncryption and
	// RemoteEncryption). It never prints its secret.
	E2EE E2EE

	// Preview gets the local camera frames (self-view).
	Preview media.FrameSink
	// VideoSink is asked once per subscribed remote video track.
	VideoSink func(userID string, source Source) media.FrameSink
	// AudioSink is asked once per subscribed remote audio track.
	AudioSink func(userID string, source Source) media.PCMSink
	// LocalLevel gets the RMS level of each processed microphone frame.
	LocalLevel func(rms float64)
	// LocalAudio, when set, gets every processed microphone frame, sent or
	// muted.
	LocalAudio media.PCMSink
}

// TransportFactory makes a transport; main injects LiveKit's.
type TransportFactory func(TransportConfig) Transport

// Signal is what a transport reports to the call loop. Transports treat every
// library callback as "something changed": they post a fresh snapshot rather
// than trusting the order or the goroutine of the callback.
type Signal interface{ isSignal() }

// Participant is a remote user as the transport sees it now.
type Participant struct {
	UserID string
	Name   string
	Tracks []Track
	// Attributes are the participant's key-value attributes (a raised
	// hand is HandAttribute).
	Attributes map[string]string
}

// Track is one published track of a remote user.
type Track struct {
	Source Source
	Muted  bool
}

// track returns the published track of a source, if any.
func (p Participant) track(s Source) (Track, bool) {
	for _, t := range p.Tracks {
		if t.Source == s {
			return t, true
		}
	}
	return Track{}, false
}

// available tells whether a source is published and not muted.
func (p Participant) available(s Source) bool {
	t, ok := p.track(s)
	return ok && !t.Muted
}

// RosterChanged carries the complete list of remote users now.
type RosterChanged struct {
	Participants []Participant
}

// UserDeparting tells why a user is about to disappear from the roster.
type UserDeparting struct {
	UserID string
	Reason LeaveReason
}

// LinkSample is the transport's evidence about its link, sampled a few
// times a second and whenever the SDK says something changed. It states
// facts; the call's link machine decides what they mean.
type LinkSample struct {
	// LastMedia is when the last RTP packet arrived on a subscribed track
	// or the last RTCP packet about a published one.
	LastMedia time.Time
	// ExpectsMedia: someone should be sending to us, or we publish (and
	// the server reports on it).
	ExpectsMedia bool
	// SDKReconnecting: the SDK itself says it is reconnecting.
	SDKReconnecting bool
}

// LinkLost reports that the server ended the session: Kick is set when it
// removed us, Err says why otherwise.
type LinkLost struct {
	Kick *KickReason
	Err  error
}

// ServerProbed answers ProbeServer: Refused means nothing listens on the
// server's port any more.
type ServerProbed struct {
	Refused bool
}

// SourceEnded reports a local source that stopped by itself (device
// unplugged, display gone); the transport has unpublished it.
type SourceEnded struct {
	Source Source
	Err    error
}

// LocalVoice reports that the voice detector heard the person start or
// stop speaking (judged over a second), muted or not.
type LocalVoice struct {
	Speaking bool
}

// LevelsMeasured carries audio levels measured by the media pipelines over
// the interval that ended at At. Speaking flags are the call's to set.
type LevelsMeasured struct {
	Levels AudioLevels
	At     time.Time
}

// UplinkEstimate is the transport's estimate of what its uplink carries
// now (kbit/s): the rate its video is held to.
type UplinkEstimate struct {
	Kbps int
}

func (RosterChanged) isSignal()  {}
func (UplinkEstimate) isSignal() {}
func (LocalVoice) isSignal()     {}
func (UserDeparting) isSignal()  {}
func (LinkSample) isSignal()     {}
func (LinkLost) isSignal()       {}
func (ServerProbed) isSignal()   {}
func (SourceEnded) isSignal()    {}
func (LevelsMeasured) isSignal() {}
func (NetworkQuality) isSignal() {}
