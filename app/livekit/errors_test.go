package livekit_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/livekit/protocol/auth"

	"confer/app"
	"confer/app/host"
	"confer/app/livekit"
	"confer/app/roomkeys"
	"confer/internal/testenv"
)

// joinOnce joins with a fresh engine and returns the error, checking that it
// came back within a bound a person would accept.
func joinOnce(t *testing.T, p app.JoinParams) error {
	t.Helper()
	call := app.New(livekit.New(app.TransportConfig{Log: testenv.QuietLog()}), app.WithLogger(testenv.QuietLog()))
	defer call.Close()
	go func() {
		for range call.Events() {
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	start := time.Now()
	err := call.Join(ctx, p)
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("join took %v to fail", d)
	}
	return err
}

func closedPort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func token(t *testing.T, k roomkeys.Keys, room, user string, ttl time.Duration) string {
	t.Helper()
	tok, err := auth.NewAccessToken(k.APIKey, k.APISecret).SetIdentity(user).SetValidFor(ttl).
		SetVideoGrant(&auth.VideoGrant{RoomJoin: true, Room: room}).ToJWT()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// expiredToken signs, by hand, a token that expired a minute ago: the auth
// package will not make one.
func expiredToken(k roomkeys.Keys, room, user string) string {
	enc := base64.RawURLEncoding.EncodeToString
	now := time.Now().Unix()
	claims, _ := json.Marshal(map[string]any{
		"iss": k.APIKey, "sub": user, "nbf": now - 3600, "exp": now - 60,
		"video": map[string]any{"roomJoin": true, "room": room},
	})
	signing := enc([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." + enc(claims)
	mac := hmac.New(sha256.New, []byte(k.APISecret))
	mac.Write([]byte(signing))
	return signing + "." + enc(mac.Sum(nil))
}

func TestBadInputGivesTypedErrors(t *testing.T) {
	srv := testenv.StartServer(t, func(c *host.Config) { c.Password = "sesame" })
	good := app.JoinParams{ServerURL: srv.URL(), RoomID: "room-1", UserID: "ana", Name: "Ana", Password: "sesame"}
	with := func(f func(*app.JoinParams)) app.JoinParams { p := good; f(&p); return p }
	forged := roomkeys.Keys{APIKey: testenv.Keys.APIKey, APISecret: strings.Repeat("x", 40)}

	cases := []struct {
		name string
		p    app.JoinParams
		want error
	}{
		{"room ID with a space", with(func(p *app.JoinParams) { p.RoomID = "my room" }), app.ErrInvalidRoomID},
		{"room ID too long", with(func(p *app.JoinParams) { p.RoomID = strings.Repeat("a", 65) }), app.ErrInvalidRoomID},
		{"empty user ID", with(func(p *app.JoinParams) { p.UserID = "" }), app.ErrInvalidUserID},
		{"blank name", with(func(p *app.JoinParams) { p.Name = "   " }), app.ErrInvalidName},
		{"server URL nonsense", with(func(p *app.JoinParams) { p.ServerURL = "ftp://x" }), app.ErrInvalidServer},
		{"wrong password", with(func(p *app.JoinParams) { p.Password = "open" }), app.ErrWrongPassword},
		{"expired token", with(func(p *app.JoinParams) { p.Token = expiredToken(testenv.Keys, "room-1", "ana") }), app.ErrTokenExpired},
		{"token for another room", with(func(p *app.JoinParams) { p.Token = token(t, testenv.Keys, "room-2", "ana", time.Hour) }), app.ErrTokenWrongRoom},
		{"token for another user", with(func(p *app.JoinParams) { p.Token = token(t, testenv.Keys, "room-1", "bo", time.Hour) }), app.ErrTokenWrongUser},
		{"forged token", with(func(p *app.JoinParams) { p.Token = token(t, forged, "room-1", "ana", time.Hour) }), app.ErrTokenInvalid},
		{"garbage token", with(func(p *app.JoinParams) { p.Token = "not-a-token" }), app.ErrTokenInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := joinOnce(t, c.p); !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
		})
	}

	t.Run("server unreachable", func(t *testing.T) {
		addr := closedPort(t)
		err := joinOnce(t, with(func(p *app.JoinParams) { p.ServerURL = addr }))
		var ue *app.UnreachableError
		if !errors.As(err, &ue) || ue.Addr != addr {
			t.Fatalf("got %v, want UnreachableError for %s", err, addr)
		}
		if !strings.Contains(err.Error(), addr) {
			t.Errorf("message %q does not name %s", err, addr)
		}
	})
	t.Run("unreachable with a token", func(t *testing.T) {
		addr := closedPort(t)
		err := joinOnce(t, with(func(p *app.JoinParams) {
			p.ServerURL = addr
			p.Token = token(t, testenv.Keys, "room-1", "ana", time.Hour)
		}))
		var ue *app.UnreachableError
		if !errors.As(err, &ue) {
			t.Fatalf("got %v, want UnreachableError", err)
		}
	})
}

func TestRoomFull(t *testing.T) {
	srv := testenv.StartServer(t, func(c *host.Config) { c.MaxParticipants = 1 })
	first := app.New(livekit.New(app.TransportConfig{Log: testenv.QuietLog()}), app.WithLogger(testenv.QuietLog()))
	defer first.Close()
	go func() {
		for range first.Events() {
		}
	}()
	p := app.JoinParams{ServerURL: srv.URL(), RoomID: "small", UserID: "one", Name: "One"}
	if err := first.Join(context.Background(), p); err != nil {
		t.Fatalf("first join: %v", err)
	}
	p.UserID, p.Name = "two", "Two"
	if err := joinOnce(t, p); !errors.Is(err, app.ErrRoomFull) {
		t.Fatalf("second join through the token endpoint: got %v, want %v", err, app.ErrRoomFull)
	}
	// A ready-made token skips the endpoint; LiveKit refuses without a reason.
	p.Token = token(t, testenv.Keys, "small", "two", time.Hour)
	if err := joinOnce(t, p); !errors.Is(err, app.ErrJoinRefused) {
		t.Fatalf("second join with a token: got %v, want %v", err, app.ErrJoinRefused)
	}
}
