package app

import (
	"errors"
	"net/url"
)

// InviteScheme is the URL scheme of invite links; the desktop entry
// registers Confer as its handler.
const InviteScheme = "confer"

// ErrBadInvite is returned for a link that is not a Confer invite.
var ErrBadInvite = errors.New("not a Confer invite link (confer://join?server=…&room=…)")

// InviteLink makes the link "Copy invite" puts on the clipboard.
func InviteLink(server, room string) string {
	q := url.Values{"server": {server}, "room": {room}}
	return InviteScheme + "://join?" + q.Encode()
}

// ParseInvite reads an invite link back, checking both parts.
func ParseInvite(link string) (server, room string, err error) {
	u, err := url.Parse(link)
	if err != nil || u.Scheme != InviteScheme || (u.Host != "join" && u.Opaque != "join") {
		return "", "", ErrBadInvite
	}
	q := u.Query()
	server, err = NormalizeServerURL(q.Get("server"))
	if err != nil {
		return "", "", err
	}
	room = q.Get("room")
	if err := ValidateRoomID(room); err != nil {
		return "", "", err
	}
	return server, room, nil
}
