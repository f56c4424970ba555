package app

import (
	"context"
	"time"
)

// Transport is the network side of a call: signalling, publishing,
// subscribing. app/livekit implements it. Its methods are safe to call from
// any goroutine; none of them is called from the call's loop, so a slow
// network never stalls event delivery.
type Transport interface {
	// Connect joins the room and returns once joined (or failed). While
	// connected, the transport reports what changes through post, which never
	// blocks; post must not be called after Disconnect returns.
	Connect(ctx context.Context, p JoinParams, post func(Signal)) error
	// SetCamera starts (capturing and publishing) or stops the camera.
	SetCamera(on bool) error
	// SetMicrophone starts or stops the microphone.
	SetMicrophone(on bool) error
	// SetScreenShare starts sharing a screen (an ID from capture's list;
	// "" for the transport's configured one, else the first) as a second
	// video source, or stops sharing.
	SetScreenShare(on bool, screenID string) error
	// SetVideoQuality changes the camera's size, frame rate and bitrate;
	// a camera that is on restarts on the same track.
	SetVideoQuality(q VideoQuality) error
	// SetAudioProfile changes how the microphone is coded, the same way.
	SetAudioProfile(p AudioProfile) error
	// SetRemoteVideoSize says how large a remote video is shown, in
	// pixels, so the server sends the simulcast layer that fits it.
	SetRemoteVideoSize(userID string, src Source, width, height int)
	// SetRemoteAudioMuted stops or resumes playing one user's audio locally.
	SetRemoteAudioMuted(userID string, muted bool)
	// UseDevices switches camera and microphone (IDs from capture's lists);
	// what is on restarts on the new device, on the same track: others see
	// the picture change, not the track go.
	UseDevices(cameraID, microphoneID string) error
	// SetLevelInterval turns level reports (LevelsMeasured) on at an
	// interval, or off with 0.
	SetLevelInterval(d time.Duration)
	// Disconnect leaves the room and returns when every goroutine the
	// transport started for this connection has ended. Safe to call twice.
	Disconnect()
}

// Signal is what a transport reports to the call loop. Transports treat every
// library callback as "something changed": they post a fresh snapshot rather
// than trusting the order or the goroutine of the callback.
type Signal interface{ isSignal() }

// Participant is a remote user as the transport sees it now.
type Participant struct {
	UserID string
	Name   string
	Tracks []Track
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
	for _, t := range p.Tracks {
		if t.Source == s && !t.Muted {
			return true
		}
	}
	return false
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

// LinkChanged reports reconnecting and reconnected.
type LinkChanged struct {
	State ConnectionState
}

// LinkLost reports that the transport has disconnected for good and released
// what it held. Kick is set when the server removed us.
type LinkLost struct {
	Kick *KickReason
	Err  error
}

// LevelsMeasured carries audio levels measured by the media pipelines over
// the interval that ended at At. Speaking flags are the call's to set.
type LevelsMeasured struct {
	Levels AudioLevels
	At     time.Time
}

func (RosterChanged) isSignal()  {}
func (UserDeparting) isSignal()  {}
func (LinkChanged) isSignal()    {}
func (LinkLost) isSignal()       {}
func (LevelsMeasured) isSignal() {}
func (DeviceError) isSignal()    {}
func (NetworkQuality) isSignal() {}
