package main

import (
	"context"
	"os"
	"testing"
	"time"

	"confer/internal/soak"
)

// TestSoakShort holds a four-party call for three minutes (`make soak` is
// the thirty-minute one) and fails if any process gains goroutines or
// open files once the call is steady, or a picture freezes. A leak of one
// goroutine per reconnect, track or timer shows here long before anyone
// would notice it in a real call.
func TestSoakShort(t *testing.T) {
	if testing.Short() {
		t.Skip("three minutes")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cfg := soak.Config{Bin: conferBin, Duration: 3 * time.Minute, Every: 15 * time.Second, Warmup: 45 * time.Second}
	if os.Getenv("CONFER_TEST_LOG") != "" {
		cfg.Log = os.Stderr
	}
	r, err := soak.Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + r.Markdown("go test -run TestSoakShort"))
	for _, m := range r.Missing() {
		t.Error(m)
	}
	if ms, where := r.Freeze(); ms > soak.TargetFreezeMS {
		t.Errorf("a %.0f ms freeze (%s); at most %d ms", ms, where, soak.TargetFreezeMS)
	}
	growth := r.Growth()
	if len(growth) != 5 {
		t.Fatalf("figures for %d processes; want the server and 4 bots", len(growth))
	}
	for _, g := range growth {
		if g.Goroutines > soak.FlatGoroutines || g.FDs > soak.FlatFDs {
			t.Errorf("%s grew by %d goroutines and %d open files over %d reports (%+v → %+v)",
				g.Name, g.Goroutines, g.FDs, g.Samples, g.From, g.To)
		}
	}
}
