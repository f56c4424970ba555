// Package load is `confer load`: many participants in one process against
// a LiveKit server, to see how many a server carries. Publishers share one
// VP8 and one Opus encoder (the same frames go out on every publisher's
// tracks, so a hundred publishers cost one encoder); receivers count
// packets and frames without decoding. What they report is what a person
// would notice: who could join, how long the first picture took, freezes.
package load

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"syscall"
	"time"

	"github.com/livekit/protocol/auth"

	"confer/app"
)

// Limits keep a load run from becoming an attack on someone's server.
const (
	MaxPublishers  = 100
	MaxSubscribers = 400
	MaxDuration    = 10 * time.Minute
)

// Config is what `confer load` takes from its flags.
type Config struct {
	Server, Room string
	APIKey       string
	APISecret    string
	Publishers   int // send video and audio
	Subscribers  int // receive everything, send nothing
	Duration     time.Duration
	// The shared camera: a moving pattern.
	Width, Height, FPS, BitrateKbps int
	Log                             *slog.Logger
	// OnHold, when set, is called once everyone has joined, as the
	// measured time begins (a benchmark reads the server's CPU then).
	OnHold func()
}

// check fills defaults and refuses what is out of bounds.
func (c *Config) check() error {
	switch {
	case c.Server == "" || c.Room == "":
		return errors.New("load needs --server and --room")
	case c.APIKey == "" || c.APISecret == "":
		return errors.New("load makes its participants' tokens: it needs the server's API key and secret")
	case c.Publishers < 0 || c.Publishers > MaxPublishers:
		return fmt.Errorf("--publishers must be 0–%d", MaxPublishers)
	case c.Subscribers < 0 || c.Subscribers > MaxSubscribers:
		return fmt.Errorf("--subscribers must be 0–%d", MaxSubscribers)
	case c.Publishers+c.Subscribers == 0:
		return errors.New("give --publishers or --subscribers")
	case c.Duration <= 0 || c.Duration > MaxDuration:
		return fmt.Errorf("--duration must be more than 0 and at most %v", MaxDuration)
	}
	if err := app.ValidateRoomID(c.Room); err != nil {
		return err
	}
	if c.Width == 0 {
		c.Width, c.Height = 320, 180
	}
	if c.FPS == 0 {
		c.FPS = 15
	}
	if c.BitrateKbps == 0 {
		c.BitrateKbps = 200
	}
	if c.Log == nil {
		c.Log = slog.Default()
	}
	return nil
}

// Run joins everyone, holds the call for the duration and reports.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	url, err := app.NormalizeServerURL(cfg.Server)
	if err != nil {
		return nil, err
	}
	cpu0, start := cpuTime(), time.Now()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	src, err := newSource(cfg)
	if err != nil {
		return nil, err
	}
	defer src.close()
	var (
		mu      sync.Mutex
		members []*member
		wg      sync.WaitGroup
	)
	expected := cfg.Subscribers * cfg.Publishers
	firsts := make(chan struct{}, expected)
	join := func(i int, publish bool) {
		defer wg.Done()
		m := &member{id: fmt.Sprintf("load-%s-%d", map[bool]string{true: "pub", false: "sub"}[publish], i), publish: publish, firsts: firsts}
		m.join(ctx, url, cfg, src)
		mu.Lock()
		members = append(members, m)
		mu.Unlock()
	}
	go src.run(ctx) // sending from the start: a join's first frame is not kept waiting
	// Joins a few at a time: a burst of a hundred joins is its own test.
	sem := make(chan struct{}, 8)
	for i := range cfg.Publishers + cfg.Subscribers {
		wg.Add(1)
		sem <- struct{}{}
		go func() { defer func() { <-sem }(); join(i, i < cfg.Publishers) }()
	}
	wg.Wait()
	settle(ctx, firsts, expected)
	if cfg.OnHold != nil {
		cfg.OnHold()
	}
	holdFrom, packets0 := time.Now(), packetsIn(members)
	select {
	case <-ctx.Done():
	case <-time.After(cfg.Duration):
	}
	held, packets := time.Since(holdFrom), packetsIn(members)-packets0
	cpu := cpuTime() - cpu0
	for _, m := range members {
		m.leave()
	}
	cancel()
	r := report(members, held, cpu, time.Since(start))
	r.PacketsPerSecond = float64(packets) / held.Seconds()
	return r, nil
}

// settleMax bounds the wait for the streams' first frames before the hold:
// a stream that shows nothing by then is the report's "without a frame".
const settleMax = 10 * time.Second

// settle waits until expected streams have shown their first frame (or
// settleMax), so that the hold — the figures per second — measures media
// flowing, not a busy machine's slow subscriptions: under load the first
// frames came 1.6 s after the joins returned.
func settle(ctx context.Context, firsts <-chan struct{}, expected int) {
	deadline := time.NewTimer(settleMax)
	defer deadline.Stop()
	for range expected {
		select {
		case <-firsts:
		case <-deadline.C:
			return
		case <-ctx.Done():
			return
		}
	}
}

// packetsIn counts the video packets received so far.
func packetsIn(members []*member) int {
	n := 0
	for _, m := range members {
		m.mu.Lock()
		for _, s := range m.streams {
			n += s.packets
		}
		m.mu.Unlock()
	}
	return n
}

// token is a join token for one load participant.
func token(cfg Config, identity string, publish bool) (string, error) {
	grant := &auth.VideoGrant{RoomJoin: true, Room: cfg.Room}
	grant.SetCanPublish(publish)
	return auth.NewAccessToken(cfg.APIKey, cfg.APISecret).SetIdentity(identity).SetName(identity).
		SetVideoGrant(grant).SetValidFor(cfg.Duration + 10*time.Minute).ToJWT()
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
