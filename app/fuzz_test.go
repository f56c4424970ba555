package app

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

// FuzzInvite opens links as the desktop does when one is clicked. A link
// it accepts names a normalized server and a valid room, and makes the
// same invite again when written back out; a link written from any
// server, room and passphrase Confer accepts opens to those.
func FuzzInvite(f *testing.F) {
	f.Add("confer://join?server=ws%3A%2F%2F192.168.1.20%3A7880&room=8888", "ws://192.168.1.20:7880", "8888", "")
	f.Add("confer://join?server=wss%3A%2F%2Fmeet.example.org&room=standup#e2ee=correct+horse", "meet.example.org:443", "standup", "correct horse")
	f.Add("confer:join?server=h:1&room=a#e2ee=%zz", "https://h/path/", "a_b-c", "pässwörd #&=")
	f.Add("confer://join?room=a&server=h:1&server=h:2", "h:99999", "no spaces", "x")
	f.Fuzz(func(t *testing.T, link, server, room, passphrase string) {
		if inv, err := ParseInvite(link); err == nil {
			checkInvite(t, inv)
		} else if !knownInviteError(err) {
			t.Fatalf("ParseInvite(%q): unexpected error %v", link, err)
		}
		norm, err := NormalizeServerURL(server)
		if err != nil || ValidateRoomID(room) != nil {
			return
		}
		want := Invite{Server: norm, Room: room, E2EE: NewE2EE(passphrase)}
		link = InviteLinkWithPassphrase(norm, room, want.E2EE)
		if got, err := ParseInvite(link); err != nil || got != want {
			t.Fatalf("%q opens to %+v (passphrase %q), %v; want %+v (passphrase %q)", link, got, got.E2EE.Passphrase(), err, want, passphrase)
		}
	})
}

func checkInvite(t *testing.T, inv Invite) {
	t.Helper()
	if again, err := NormalizeServerURL(inv.Server); err != nil || again != inv.Server {
		t.Fatalf("invite server %q is not normalized (%q, %v)", inv.Server, again, err)
	}
	if err := ValidateRoomID(inv.Room); err != nil {
		t.Fatalf("invite room %q: %v", inv.Room, err)
	}
	again, err := ParseInvite(InviteLinkWithPassphrase(inv.Server, inv.Room, inv.E2EE))
	if err != nil || again != inv {
		t.Fatalf("invite %+v written back opens to %+v, %v", inv, again, err)
	}
}

func knownInviteError(err error) bool {
	return errors.Is(err, ErrBadInvite) || errors.Is(err, ErrInvalidServer) || errors.Is(err, ErrInvalidRoomID)
}

// FuzzLobbyFields types anything into the lobby's fields. Room and user
// IDs follow their rule exactly; a name is trimmed, 1–64 characters of
// valid UTF-8 with no control characters, and stays as it is when
// normalized again; a user ID made from any name is valid; a server
// address, once accepted, is ws:// or wss:// with a host and port a dialer
// takes, and stays as it is when normalized again.
func FuzzLobbyFields(f *testing.F) {
	for _, s := range []string{"8888", "Team_Room-2", "  Zoë Ωmega  ", "a/b", strings.Repeat("é", 65), "192.168.1.5:7880",
		"https://meet.example.org/", "ws://[::1]:7880", "\x00", "Ana\nBob", "\u202eevil"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if (ValidateRoomID(s) == nil) != idRule(s) || (ValidateUserID(s) == nil) != idRule(s) {
			t.Fatalf("%q: room %v, user %v; the rule says %v", s, ValidateRoomID(s), ValidateUserID(s), idRule(s))
		}
		if id := UserIDFromName(s, "x1y2z3"); ValidateUserID(id) != nil {
			t.Fatalf("user ID %q made from name %q is not valid", id, s)
		}
		if name, err := NormalizeName(s); err == nil {
			checkName(t, name)
		} else if !errors.Is(err, ErrInvalidName) {
			t.Fatalf("NormalizeName(%q): %v", s, err)
		}
		if u, err := NormalizeServerURL(s); err == nil {
			checkServerURL(t, u)
		} else if !errors.Is(err, ErrInvalidServer) {
			t.Fatalf("NormalizeServerURL(%q): %v", s, err)
		}
	})
}

// idRule is the ID rule written out: 1–64 of A-Z a-z 0-9 _ -.
func idRule(s string) bool {
	if s == "" || len(s) > MaxIDLength {
		return false
	}
	return strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == ""
}

func checkName(t *testing.T, name string) {
	t.Helper()
	n := utf8.RuneCountInString(name)
	if n < 1 || n > MaxIDLength || !utf8.ValidString(name) || strings.TrimSpace(name) != name {
		t.Fatalf("normalized name %q", name)
	}
	for _, r := range name {
		if unicode.IsControl(r) {
			t.Fatalf("normalized name %q holds control character %U", name, r)
		}
	}
	if again, err := NormalizeName(name); err != nil || again != name {
		t.Fatalf("name %q normalized again: %q, %v", name, again, err)
	}
}

func checkServerURL(t *testing.T, u string) {
	t.Helper()
	if !strings.HasPrefix(u, "ws://") && !strings.HasPrefix(u, "wss://") {
		t.Fatalf("server URL %q", u)
	}
	if again, err := NormalizeServerURL(u); err != nil || again != u {
		t.Fatalf("server URL %q normalized again: %q, %v", u, again, err)
	}
	host, port, err := net.SplitHostPort(HostPort(u))
	if err != nil || host == "" || port == "" {
		t.Fatalf("server URL %q: dial address %q: %v", u, HostPort(u), err)
	}
}

// FuzzReadToken reads pasted tokens. Nothing may crash; any error is
// ErrTokenInvalid; and a token made with given claims reads back as them.
func FuzzReadToken(f *testing.F) {
	f.Add("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbmEiLCJleHAiOjE3MDAwMDAwMDAsInZpZGVvIjp7InJvb20iOiI4ODg4In19.sig", "ana", "8888", int64(1_700_000_000))
	f.Add("a.b.c", "", "", int64(0))
	f.Add("..", "ü\x00", "r", int64(-1))
	f.Fuzz(func(t *testing.T, token, sub, room string, exp int64) {
		if _, err := ReadToken(token); err != nil && !errors.Is(err, ErrTokenInvalid) {
			t.Fatalf("ReadToken(%q): %v", token, err)
		}
		if !utf8.ValidString(sub) || !utf8.ValidString(room) {
			return // JSON would carry U+FFFD instead
		}
		claims, _ := json.Marshal(map[string]any{"sub": sub, "exp": exp, "video": map[string]any{"room": room}})
		enc := base64.RawURLEncoding.EncodeToString
		c, err := ReadToken(enc([]byte(`{"alg":"HS256"}`)) + "." + enc(claims) + ".sig")
		var want time.Time
		if exp != 0 {
			want = time.Unix(exp, 0)
		}
		if err != nil || c.Identity != sub || c.Room != room || !c.Expires.Equal(want) {
			t.Fatalf("claims %s read back as %+v, %v", claims, c, err)
		}
	})
}
