package roomkeys

import (
	"time"

	"github.com/livekit/protocol/auth"

	"confer/app"
)

// DefaultTokenTTL is how long a token from Confer stays valid for joining.
const DefaultTokenTTL = 6 * time.Hour

// TokenRequest names who may join which room.
type TokenRequest struct {
	Room string
	User string
	Name string
	TTL  time.Duration
}

// MintToken makes a standard LiveKit access token, so LiveKit's own tools and
// clients accept it as well as Confer.
func MintToken(k Keys, r TokenRequest) (string, error) {
	if err := app.ValidateRoomID(r.Room); err != nil {
		return "", err
	}
	if err := app.ValidateUserID(r.User); err != nil {
		return "", err
	}
	name := r.User
	if r.Name != "" {
		n, err := app.NormalizeName(r.Name)
		if err != nil {
			return "", err
		}
		name = n
	}
	ttl := r.TTL
	if ttl <= 0 {
		ttl = DefaultTokenTTL
	}
	at := auth.NewAccessToken(k.APIKey, k.APISecret).
		SetIdentity(r.User).
		SetName(name).
		SetValidFor(ttl).
		SetVideoGrant(joinGrant(r.Room))
	return at.ToJWT()
}

// joinGrant lets a participant join a room and set its own attributes: a
// raised hand is one (app.HandAttribute).
func joinGrant(room string) *auth.VideoGrant {
	g := &auth.VideoGrant{RoomJoin: true, Room: room}
	g.SetCanUpdateOwnMetadata(true)
	return g
}
