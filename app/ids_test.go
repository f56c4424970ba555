package app

import (
	"errors"
	"strings"
	"testing"
)

func TestIDRules(t *testing.T) {
	for _, ok := range []string{"8888", "a", "Team_Room-2", strings.Repeat("x", 64)} {
		if err := ValidateRoomID(ok); err != nil {
			t.Errorf("%q rejected: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "with space", "ümlaut", "a/b", strings.Repeat("x", 65)} {
		if err := ValidateRoomID(bad); !errors.Is(err, ErrInvalidRoomID) {
			t.Errorf("%q accepted", bad)
		}
	}
	if n, err := NormalizeName("  Zoë Ωmega  "); err != nil || n != "Zoë Ωmega" {
		t.Errorf("name: %q %v", n, err)
	}
	if _, err := NormalizeName(strings.Repeat("é", 65)); !errors.Is(err, ErrInvalidName) {
		t.Error("65-character name accepted")
	}
	if _, err := NormalizeName(strings.Repeat("é", 64)); err != nil {
		t.Errorf("64-character name rejected: %v", err)
	}
	for _, bad := range []string{"Ana\nroom 8888 (1)", "Ana\x1b[2J", "A\x00na"} {
		if _, err := NormalizeName(bad); !errors.Is(err, ErrInvalidName) {
			t.Errorf("name %q with a control character accepted", bad)
		}
	}
	if id := UserIDFromName("Zoë Smith", "x1"); ValidateUserID(id) != nil || !strings.HasPrefix(id, "zo-smith") {
		t.Errorf("derived ID %q", id)
	}
}

func TestNormalizeServerURL(t *testing.T) {
	cases := map[string]string{
		"192.168.1.5:7880":         "ws://192.168.1.5:7880",
		"ws://host:7880/":          "ws://host:7880",
		"https://meet.example.org": "wss://meet.example.org",
		"http://h:1":               "ws://h:1",
	}
	for in, want := range cases {
		if got, err := NormalizeServerURL(in); err != nil || got != want {
			t.Errorf("%q → %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "ftp://x", "ws://", "host:99999"} {
		if _, err := NormalizeServerURL(bad); !errors.Is(err, ErrInvalidServer) {
			t.Errorf("%q accepted", bad)
		}
	}
	if HostPort("wss://meet.example.org") != "meet.example.org:443" {
		t.Error("wss default port")
	}
}

func TestInviteLinksRoundTrip(t *testing.T) {
	link := InviteLink("ws://192.168.1.20:7880", "team-standup")
	inv, err := ParseInvite(link)
	if err != nil || inv.Server != "ws://192.168.1.20:7880" || inv.Room != "team-standup" || inv.E2EE.On() {
		t.Fatalf("%s → %+v %v", link, inv, err)
	}
	for _, bad := range []string{"https://example.org/join?room=a", "confer://join?server=h:1&room=no%20spaces", "confer://join?room=a", "confer://leave?server=h:1&room=a"} {
		if _, err := ParseInvite(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
