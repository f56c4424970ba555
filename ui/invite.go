package ui

import "net/url"

// InviteLink is what "Copy invite" puts on the clipboard: a confer:// link
// that opens Confer with the lobby filled in.
func InviteLink(server, room string) string {
	q := url.Values{"server": {server}, "room": {room}}
	return "confer://join?" + q.Encode()
}
