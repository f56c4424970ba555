package app

// Event is something the call reports to its owner, in order, from one place
// (the call's loop). The concrete types below are the whole set.
type Event interface{ isEvent() }

// StateChanged reports a new connection state. Err says why a join failed or
// why the connection was lost (Disconnected); it is nil otherwise.
type StateChanged struct {
	State ConnectionState
	Err   error
}

// UserJoined reports a remote user in the room: on join for everyone already
// there (AlreadyThere), and later for each newcomer.
type UserJoined struct {
	UserID       string
	Name         string
	AlreadyThere bool
}

// UserLeft reports a remote user gone from the room.
type UserLeft struct {
	UserID string
	Reason LeaveReason
}

// RemoteVideo reports a remote camera or shared screen becoming available
// (published and not muted) or unavailable. Source tells them apart: a
// person's screen comes and goes on its own, beside their camera.
type RemoteVideo struct {
	UserID    string
	Source    Source
	Available bool
}

// RemoteAudio reports a remote microphone (or screen audio) becoming
// available or unavailable. Available audio plays by itself.
type RemoteAudio struct {
	UserID    string
	Source    Source
	Available bool
}

// RemoteTrack reports one remote source being published, unpublished,
// muted or unmuted (the availability events summarise these).
type RemoteTrack struct {
	UserID string
	Source Source
	Change TrackChange
}

// TrackChange is what happened to a remote source.
type TrackChange int

const (
	TrackPublished TrackChange = iota
	TrackUnpublished
	TrackMuted
	TrackUnmuted
)

func (c TrackChange) String() string {
	return [...]string{"published", "unpublished", "muted", "unmuted"}[c]
}

// KickedOut reports that the server removed this participant. The call is
// over; no automatic rejoin follows.
type KickedOut struct {
	Reason KickReason
}

// AudioLevels is a periodic report (see Call.EnableAudioLevels) of the local
// level, measured from captured PCM, and each remote user's level, measured
// from decoded PCM: RMS over the interval, 0–1 of full scale. The speaking
// flags have hysteresis, so highlights do not flicker.
type AudioLevels struct {
	Local         float64
	Remote        map[string]float64
	LocalSpeaking bool
	Speaking      map[string]bool
}

// DeviceError reports a local camera, microphone or shared screen that
// could not start or stopped working (Err is ErrDeviceLost when it went
// away mid-call). That source is then off; the call goes on without it.
type DeviceError struct {
	Source Source
	Err    error
}

// LocalSourceChanged reports what the person asked of a local source
// (Wanted) and what it is (On). They differ while the transport works on
// it; a source that failed or was unplugged is off in both, and a
// DeviceError says why.
type LocalSourceChanged struct {
	Source Source
	Wanted bool
	On     bool
}

// MutedSpeech reports that the person has been speaking for a second
// while their microphone is muted (Speaking), or no longer is: the window
// says "you're muted", as Meet, Zoom and Teams do. Nothing is sent.
type MutedSpeech struct {
	Speaking bool
}

// UplinkChanged reports the estimate of what this participant's uplink
// carries (kbit/s), about once a second and when it moves: the rate its
// video is held to.
type UplinkChanged struct {
	EstimateKbps int
}

// NetworkQuality reports the server's view of a participant's connection;
// UserID "" is this participant.
type NetworkQuality struct {
	UserID  string
	Quality Quality
}

// Quality of a connection, worst to best.
type Quality int

const (
	QualityUnknown Quality = iota
	QualityLost
	QualityPoor
	QualityGood
	QualityExcellent
)

func (StateChanged) isEvent()       {}
func (RemoteTrack) isEvent()        {}
func (NetworkQuality) isEvent()     {}
func (DeviceError) isEvent()        {}
func (LocalSourceChanged) isEvent() {}
func (UplinkChanged) isEvent()      {}
func (MutedSpeech) isEvent()        {}
func (UserJoined) isEvent()         {}
func (UserLeft) isEvent()           {}
func (RemoteVideo) isEvent()        {}
func (RemoteAudio) isEvent()        {}
func (KickedOut) isEvent()          {}
func (AudioLevels) isEvent()        {}
