package app

// ConnectionState is where the call's connection stands.
//
// Transitions: Disconnected → Connecting → Connected ⇄ Reconnecting, and any
// state → Disconnected. A failed join goes Connecting → Disconnected.
type ConnectionState int

const (
	Disconnected ConnectionState = iota
	Connecting
	Connected
	Reconnecting
)

func (s ConnectionState) String() string {
	switch s {
	case Disconnected:
		return "disconnected"
	case Connecting:
		return "connecting"
	case Connected:
		return "connected"
	case Reconnecting:
		return "reconnecting"
	}
	return "unknown"
}

// Source says which capture a remote track carries.
type Source int

const (
	SourceCamera Source = iota
	SourceMicrophone
	SourceScreen
	SourceScreenAudio
)

func (s Source) String() string {
	switch s {
	case SourceCamera:
		return "camera"
	case SourceMicrophone:
		return "microphone"
	case SourceScreen:
		return "screen"
	case SourceScreenAudio:
		return "screen-audio"
	}
	return "unknown"
}

// IsVideo tells whether the source carries pictures.
func (s Source) IsVideo() bool { return s == SourceCamera || s == SourceScreen }

// KickReason says why the server removed this participant. Each reason has
// its own message, and none of them leads to an automatic rejoin.
type KickReason int

const (
	KickDuplicate  KickReason = iota // the same user ID joined elsewhere
	KickRemoved                      // an admin removed this user
	KickRoomClosed                   // an admin closed the room
)

func (r KickReason) String() string {
	switch r {
	case KickDuplicate:
		return "kicked-duplicate"
	case KickRemoved:
		return "kicked-removed"
	case KickRoomClosed:
		return "room-closed"
	}
	return "unknown"
}

// Message is the sentence shown to the person removed.
func (r KickReason) Message() string {
	switch r {
	case KickDuplicate:
		return "You joined this room from another window or device, so this one has left the call."
	case KickRemoved:
		return "You were removed from the call by the host."
	case KickRoomClosed:
		return "The host ended the call for everyone."
	}
	return "You were removed from the call."
}

// LeaveReason says why a remote user left.
type LeaveReason int

const (
	LeftNormally       LeaveReason = iota // they left
	LeftRemoved                           // removed by an admin or a duplicate join
	LeftConnectionLost                    // their connection dropped
)

func (r LeaveReason) String() string {
	switch r {
	case LeftNormally:
		return "left"
	case LeftRemoved:
		return "removed"
	case LeftConnectionLost:
		return "connection-lost"
	}
	return "unknown"
}
