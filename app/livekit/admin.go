package livekit

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/livekit/protocol/auth"
	"github.com/livekit/protocol/livekit"
	lksdk "github.com/livekit/server-sdk-go/v2"
	"github.com/twitchtv/twirp"

	"confer/app"
)

// Admin manages rooms on any LiveKit server with its API key and secret:
// TRTC's RemoveUser and DismissRoom.
type Admin struct {
	url         string
	key, secret string
	c           *lksdk.RoomServiceClient
}

// Errors of the admin commands.
var (
	ErrNoSuchRoom = errors.New("no such room")
	ErrNoSuchUser = errors.New("no such user in the room")
	ErrAdminKeys  = errors.New("the server did not accept these API keys")
)

// NewAdmin makes an admin client for a server URL (ws, wss, http or https).
func NewAdmin(serverURL, apiKey, apiSecret string) (*Admin, error) {
	u, err := app.NormalizeServerURL(serverURL)
	if err != nil {
		return nil, err
	}
	return &Admin{url: u, key: apiKey, secret: apiSecret, c: lksdk.NewRoomServiceClient(httpURL(u), apiKey, apiSecret)}, nil
}

// Room is a room and who is in it.
type Room struct {
	Name         string
	Participants []app.Participant
	// Node hosts the room: its URL, or its ID when it keeps no URL; ""
	// when the server does not say (a LiveKit server other than confer
	// serve).
	Node string
}

// List returns the rooms (or the one named) and their participants.
func (a *Admin) List(ctx context.Context, room string) ([]Room, error) {
	req := &livekit.ListRoomsRequest{}
	if room != "" {
		req.Names = []string{room}
	}
	res, err := a.c.ListRooms(ctx, req)
	if err != nil {
		return nil, a.err(ctx, err)
	}
	hosts := a.roomHosts(ctx)
	out := make([]Room, 0, len(res.Rooms))
	for _, r := range res.Rooms {
		ps, err := a.c.ListParticipants(ctx, &livekit.ListParticipantsRequest{Room: r.Name})
		if err != nil {
			return nil, a.err(ctx, err)
		}
		room := Room{Name: r.Name, Node: hosts(r.Name)}
		for _, p := range ps.Participants {
			room.Participants = append(room.Participants, app.Participant{UserID: p.Identity, Name: p.Name})
		}
		out = append(out, room)
	}
	if room != "" && len(out) == 0 {
		return nil, fmt.Errorf("%w: %s", ErrNoSuchRoom, room)
	}
	return out, nil
}

// roomHosts asks confer serve's directory where rooms are hosted; the
// function it returns says "" for every room when the server cannot tell.
func (a *Admin) roomHosts(ctx context.Context) func(room string) string {
	none := func(string) string { return "" }
	at := auth.NewAccessToken(a.key, a.secret).SetVideoGrant(&auth.VideoGrant{RoomList: true}).SetValidFor(time.Minute)
	token, err := at.ToJWT()
	if err != nil {
		return none
	}
	info, err := fetchCluster(ctx, a.url, token)
	if err != nil || len(info.Nodes) == 0 {
		return none
	}
	urls := map[string]string{}
	for _, n := range info.Nodes {
		urls[n.ID] = cmp.Or(n.URL, n.ID)
	}
	return func(room string) string {
		if len(info.Nodes) == 1 && info.Rooms == nil {
			return urls[info.Nodes[0].ID] // a lone node hosts every room
		}
		id := info.Rooms[room]
		return cmp.Or(urls[id], id)
	}
}

// RemoveUser takes a user out of a room; their app shows "removed by the
// host".
func (a *Admin) RemoveUser(ctx context.Context, room, user string) error {
	_, err := a.c.RemoveParticipant(ctx, &livekit.RoomParticipantIdentity{Room: room, Identity: user})
	if isNotFound(err) {
		return fmt.Errorf("%w: %s in %s", ErrNoSuchUser, user, room)
	}
	return a.err(ctx, err)
}

// CloseRoom ends a room for everyone in it.
func (a *Admin) CloseRoom(ctx context.Context, room string) error {
	if _, err := a.List(ctx, room); err != nil {
		return err // LiveKit deletes unknown rooms without a word; say so
	}
	_, err := a.c.DeleteRoom(ctx, &livekit.DeleteRoomRequest{Room: room})
	return a.err(ctx, err)
}

// MuteMicrophone mutes a user's microphone on the server: others stop
// hearing it at once, and the user's app shows it off (only they can
// unmute; LiveKit's remote unmute is off unless the server allows it).
func (a *Admin) MuteMicrophone(ctx context.Context, room, user string) error {
	p, err := a.c.GetParticipant(ctx, &livekit.RoomParticipantIdentity{Room: room, Identity: user})
	if isNotFound(err) {
		return fmt.Errorf("%w: %s in %s", ErrNoSuchUser, user, room)
	}
	if err != nil {
		return a.err(ctx, err)
	}
	for _, t := range p.Tracks {
		if t.Source == livekit.TrackSource_MICROPHONE && !t.Muted {
			_, err = a.c.MutePublishedTrack(ctx, &livekit.MuteRoomTrackRequest{Room: room, Identity: user, TrackSid: t.Sid, Muted: true})
			return a.err(ctx, err)
		}
	}
	return nil // no microphone on: nothing to mute
}

// LowerHand clears a user's raised hand (app.HandAttribute).
func (a *Admin) LowerHand(ctx context.Context, room, user string) error {
	_, err := a.c.UpdateParticipant(ctx, &livekit.UpdateParticipantRequest{
		Room: room, Identity: user, Attributes: map[string]string{app.HandAttribute: ""},
	})
	if isNotFound(err) {
		return fmt.Errorf("%w: %s in %s", ErrNoSuchUser, user, room)
	}
	return a.err(ctx, err)
}

func isNotFound(err error) bool {
	var te twirp.Error
	return errors.As(err, &te) && te.Code() == twirp.NotFound
}

// err says what went wrong in words a person can act on.
func (a *Admin) err(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	var te twirp.Error
	if errors.As(err, &te) {
		switch te.Code() {
		case twirp.Unauthenticated, twirp.PermissionDenied:
			return ErrAdminKeys
		case twirp.NotFound:
			return ErrNoSuchRoom
		}
	}
	// A request that never reached the server is a twirp Internal error
	// wrapping the network error; dialError finds it by unwrapping.
	return dialError(ctx, a.url, err)
}
