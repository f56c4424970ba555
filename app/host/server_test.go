package host

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/livekit/protocol/auth"

	"confer/app"
	"confer/app/roomkeys"
)

func startTestServer(t *testing.T, password string) *Server {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s, err := Start(ctx, Config{
		Keys:     roomkeys.Keys{APIKey: "APItest", APISecret: strings.Repeat("s", 40)},
		Password: password,
	})
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func postToken(t *testing.T, s *Server, body app.TokenRequest) (int, app.TokenResponse) {
	t.Helper()
	data, _ := json.Marshal(body)
	url := strings.Replace(s.URL(), "ws://", "http://", 1) + app.TokenEndpointPath
	resp, err := http.Post(url, "application/json", bytes.NewReader(data))
	if err != nil {
		t.Fatalf("post: %v", err)
	}
	defer resp.Body.Close()
	var out app.TokenResponse
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("decode: %v", err)
	}
	return resp.StatusCode, out
}

func TestTokenEndpoint(t *testing.T) {
	s := startTestServer(t, "sesame")
	if !strings.HasPrefix(s.URL(), "ws://127.0.0.1:") {
		t.Fatalf("URL %q is not a loopback ws URL", s.URL())
	}

	status, res := postToken(t, s, app.TokenRequest{Room: "8888", User: "ana", Name: "Ana", Password: "nope"})
	if status != http.StatusUnauthorized || res.Code != app.TokenCodeWrongPassword || res.Token != "" {
		t.Fatalf("wrong password: status %d, %+v", status, res)
	}

	status, res = postToken(t, s, app.TokenRequest{Room: "bad room", User: "ana", Name: "Ana", Password: "sesame"})
	if status != http.StatusBadRequest || res.Code != app.TokenCodeInvalidRoom {
		t.Fatalf("bad room: status %d, %+v", status, res)
	}

	status, res = postToken(t, s, app.TokenRequest{Room: "8888", User: "ana", Name: " Ana ", Password: "sesame"})
	if status != http.StatusOK || res.URL != s.URL() {
		t.Fatalf("good request: status %d, %+v", status, res)
	}
	v, err := auth.ParseAPIToken(res.Token)
	if err != nil {
		t.Fatalf("token does not parse: %v", err)
	}
	_, grants, err := v.Verify(s.Keys().APISecret)
	if err != nil {
		t.Fatalf("token does not verify with the server's secret: %v", err)
	}
	if grants.Identity != "ana" || grants.Name != "Ana" || grants.Video.Room != "8888" || !grants.Video.RoomJoin {
		t.Fatalf("grants = %+v, video %+v", grants, grants.Video)
	}
}
