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

// inviteE2EEKey names the passphrase in an invite's fragment.
const inviteE2EEKey = "e2ee"

// InviteLink makes the link "Copy invite" puts on the clipboard.
func InviteLink(server, room string) string {
	q := url.Values{"server": {server}, "room": {room}}
	return InviteScheme + "://join?" + q.Encode()
}

// InviteLinkWithPassphrase is InviteLink carrying an end-to-end encryption
// passphrase in the fragment (#e2ee=…). A fragment is never sent to a
// server by anything that opens a URL, so the passphrase stays between the
// people who pass the link on; but anyone who gets the link can decrypt the
// call, which is why "Copy invite" leaves it out unless asked.
func InviteLinkWithPassphrase(server, room string, secret E2EE) string {
	link := InviteLink(server, room)
	if !secret.On() {
		return link
	}
	return link + "#" + url.Values{inviteE2EEKey: {secret.Passphrase()}}.Encode()
}

// Invite is what an invite link says.
type Invite struct {
	Server, Room string
	// E2EE is the passphrase from the link's fragment, if it has one.
	E2EE E2EE
}

// ParseInvite reads an invite link back, checking its parts.
func ParseInvite(link string) (Invite, error) {
	u, err := url.Parse(link)
	if err != nil || u.Scheme != InviteScheme || (u.Host != "join" && u.Opaque != "join") {
		return Invite{}, ErrBadInvite
	}
	q := u.Query()
	server, err := NormalizeServerURL(q.Get("server"))
	if err != nil {
		return Invite{}, err
	}
	room := q.Get("room")
	if err := ValidateRoomID(room); err != nil {
		return Invite{}, err
	}
	frag, err := url.ParseQuery(u.EscapedFragment())
	if err != nil {
		return Invite{}, ErrBadInvite
	}
	return Invite{Server: server, Room: room, E2EE: NewE2EE(frag.Get(inviteE2EEKey))}, nil
}
