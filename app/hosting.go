package app

import (
	"context"
	"log/slog"
)

// RoomAdmin is what a host may do to a room: the seeds' RemoveUser and
// DismissRoom, muting someone's microphone and lowering their hand.
// app/livekit's Admin implements it for any LiveKit server.
type RoomAdmin interface {
	RemoveUser(ctx context.Context, room, user string) error
	CloseRoom(ctx context.Context, room string) error
	// MuteMicrophone mutes a user's published microphone; they see it
	// off, and only they can turn it on again.
	MuteMicrophone(ctx context.Context, room, user string) error
	// LowerHand clears a user's HandAttribute.
	LowerHand(ctx context.Context, room, user string) error
}

// Host is a room server this computer runs ("Host on this computer").
type Host interface {
	// URL is where others join, as they would type it.
	URL() string
	// Admin acts on the rooms of this server.
	Admin() RoomAdmin
	// Close stops the server; everyone in its rooms is disconnected.
	Close()
}

// HostStarter starts a room server listening on bind; main injects one.
type HostStarter func(bind string, log *slog.Logger) (Host, error)
