package app

// ConnectionState is where the call's connection stands. The transitions
// are the table in link.go; link.go's machine is the only writer.
type ConnectionState int

const (
	// Idle: not in a call (before the first join, after Leave).
	Idle ConnectionState = iota
	// Joining: a join is under way; Leave cancels it.
	Joining
	// Connected: in the room, media flowing or nobody sending.
	Connected
	// Reconnecting: the link is down or silent; the call rides it out.
	Reconnecting
	// Disconnected: the call ended without being left — a failed join,
	// a link that stayed down, a server that went away, or a removal
	// (then a KickedOut event came first). StateChanged.Err says why.
	Disconnected
)

func (s ConnectionState) String() string {
	switch s {
	case Idle:
		return "idle"
	case Joining:
		return "joining"
	case Connected:
		return "connected"
	case Reconnecting:
		return "reconnecting"
	case Disconnected:
		return "disconnected"
	}
	return "unknown"
}

// InCall tells whether the state is one in which the call carries media.
func (s ConnectionState) InCall() bool { return s == Connected || s == Reconnecting }

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
