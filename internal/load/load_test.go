package load

import (
	"context"
	"strings"
	"testing"
	"time"

	"confer/app/livekit"
	"confer/internal/testenv"
)

// Two publishers and three receivers on an in-process server: everyone
// joins, every receiver gets both pictures, and frames keep coming.
func TestLoadJoinsEveryoneAndCountsWhatArrives(t *testing.T) {
	livekit.SetLibraryLogger(testenv.QuietLog())
	srv := testenv.StartServer(t)
	r, err := Run(context.Background(), Config{Server: srv.URL(), Room: "load", APIKey: testenv.Keys.APIKey,
		APISecret: testenv.Keys.APISecret, Publishers: 2, Subscribers: 3, Duration: 3 * time.Second, Log: testenv.QuietLog()})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", *r)
	if r.Joined != 5 || r.Failed != 0 {
		t.Fatalf("joined %d, failed %d (%s); want all 5", r.Joined, r.Failed, r.FirstError)
	}
	if r.Streams != 6 || r.Silent != 0 {
		t.Errorf("%d streams received, %d without a frame; want 3 receivers × 2 publishers, all showing", r.Streams, r.Silent)
	}
	// 6 streams at 15 fps are at least 90 packets a second.
	if r.PacketsPerSecond < 60 {
		t.Errorf("%.0f video packets a second forwarded; want the streams flowing", r.PacketsPerSecond)
	}
}

func TestLoadRefusesWhatIsOutOfBounds(t *testing.T) {
	base := Config{Server: "ws://127.0.0.1:1", Room: "r", APIKey: "k", APISecret: "s", Publishers: 1, Duration: time.Second}
	for _, c := range []struct {
		mod  func(*Config)
		want string
	}{
		{func(c *Config) { c.Publishers = MaxPublishers + 1 }, "--publishers"},
		{func(c *Config) { c.Subscribers = -1 }, "--subscribers"},
		{func(c *Config) { c.Publishers = 0 }, "give --publishers or --subscribers"},
		{func(c *Config) { c.Duration = time.Hour }, "--duration"},
		{func(c *Config) { c.APISecret = "" }, "API key and secret"},
		{func(c *Config) { c.Room = "a room" }, "room"},
	} {
		cfg := base
		c.mod(&cfg)
		if _, err := Run(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want one about %q", cfg, err, c.want)
		}
	}
}
