package host

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/livekit/protocol/auth"

	"confer/app"
	"confer/app/roomkeys"
)

func TestParseRedis(t *testing.T) {
	cases := []struct {
		in   string
		want RedisOptions
		err  string
	}{
		{"", RedisOptions{}, ""},
		{"10.0.0.5:6379", RedisOptions{Address: "10.0.0.5:6379"}, ""},
		{"redis://10.0.0.5", RedisOptions{Address: "10.0.0.5:6379"}, ""},
		{"redis://:pw@r.example.org:6380/2", RedisOptions{Address: "r.example.org:6380", Password: "pw", DB: 2}, ""},
		{"redis://confer:pw@r:6379", RedisOptions{Address: "r:6379", Username: "confer", Password: "pw"}, ""},
		{"redis://pw@r:6379", RedisOptions{Address: "r:6379", Password: "pw"}, ""},
		{"rediss://[::1]:6390", RedisOptions{Address: "[::1]:6390", TLS: true}, ""},
		{"10.0.0.5", RedisOptions{}, "host:port"},
		{"http://r:6379", RedisOptions{}, "redis:// or rediss://"},
		{"redis://r:6379/x", RedisOptions{}, "not a number"},
		{"redis://:secret@/", RedisOptions{}, "no host"},
	}
	for _, c := range cases {
		got, err := ParseRedis(c.in)
		switch {
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("ParseRedis(%q): error %v, want one saying %q", c.in, err, c.err)
		case c.err == "" && (err != nil || got != c.want):
			t.Errorf("ParseRedis(%q) = %+v, %v; want %+v", c.in, got, err, c.want)
		case err != nil && strings.Contains(err.Error(), "secret"):
			t.Errorf("ParseRedis(%q): the error shows the password: %v", c.in, err)
		}
	}
}

// The cluster directory answers only tokens signed with the server's keys;
// a lone node names itself, and keeps room placement to admins.
func TestClusterEndpointWantsATokenOfThisServer(t *testing.T) {
	s := startTestServer(t, "")
	keys := s.Keys()
	join, err := roomkeys.MintToken(keys, roomkeys.TokenRequest{Room: "r1", User: "ana"})
	if err != nil {
		t.Fatal(err)
	}
	forged, _ := roomkeys.MintToken(roomkeys.Keys{APIKey: keys.APIKey, APISecret: strings.Repeat("f", 40)}, roomkeys.TokenRequest{Room: "r1", User: "ana"})
	admin, _ := auth.NewAccessToken(keys.APIKey, keys.APISecret).
		SetVideoGrant(&auth.VideoGrant{RoomList: true}).SetValidFor(time.Minute).ToJWT()

	for _, c := range []struct {
		name, token string
		status      int
	}{{"no token", "", http.StatusUnauthorized}, {"forged", forged, http.StatusUnauthorized},
		{"join token", join, http.StatusOK}, {"admin token", admin, http.StatusOK}} {
		req, _ := http.NewRequest(http.MethodGet, strings.Replace(s.URL(), "ws://", "http://", 1)+app.ClusterPath, nil)
		if c.token != "" {
			req.Header.Set("Authorization", "Bearer "+c.token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var info app.ClusterInfo
		_ = json.NewDecoder(resp.Body).Decode(&info)
		resp.Body.Close()
		if resp.StatusCode != c.status {
			t.Errorf("%s: status %d, want %d", c.name, resp.StatusCode, c.status)
			continue
		}
		if c.status == http.StatusOK && (len(info.Nodes) != 1 || info.Nodes[0].URL != s.URL() || info.Rooms != nil) {
			t.Errorf("%s: %+v; want this node alone", c.name, info)
		}
	}
}
