package livekit_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/livekit/protocol/livekit"
	lksdk "github.com/livekit/server-sdk-go/v2"
	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"
	pionmedia "github.com/pion/webrtc/v4/pkg/media"

	"confer/app"
	"confer/internal/testenv"
	"confer/media"
	"confer/media/codec"
	"confer/media/synth"
)

// simulcastFeed publishes a synthetic camera in three layers through the
// SDK, so that the test decides when a layer stops and resumes.
type simulcastFeed struct {
	room   *lksdk.Room
	layers []*feedLayer
	quit   chan struct{}
	done   chan struct{}
	// pause and resume ask the feed goroutine to stop or restart a layer;
	// a stop is said with an RTCP BYE once the layer's last frame is out.
	pause, resume chan int
}

type feedLayer struct {
	track   *lksdk.LocalTrack
	enc     *codec.VP8Encoder
	pattern *synth.Pattern
	frame   *media.VideoFrame
	on      bool
	key     atomic.Bool // a keyframe was asked for
	buf     []byte
}

var feedSizes = []struct {
	w, h    int
	kbps    int
	quality livekit.VideoQuality
}{{640, 360, 600, livekit.VideoQuality_HIGH}, {320, 180, 200, livekit.VideoQuality_MEDIUM}, {160, 90, 80, livekit.VideoQuality_LOW}}

func startSimulcastFeed(t *testing.T, srv testenv.Server, user string) *simulcastFeed {
	t.Helper()
	room, err := lksdk.ConnectToRoom(srv.URL(), lksdk.ConnectInfo{
		APIKey: testenv.Keys.APIKey, APISecret: testenv.Keys.APISecret, RoomName: "8888", ParticipantIdentity: user,
	}, &lksdk.RoomCallback{})
	if err != nil {
		t.Fatalf("%s joins: %v", user, err)
	}
	f := &simulcastFeed{room: room, quit: make(chan struct{}), done: make(chan struct{}), pause: make(chan int), resume: make(chan int)}
	var tracks []*lksdk.LocalTrack
	for _, s := range feedSizes {
		l := &feedLayer{pattern: synth.NewPattern(s.w, s.h), frame: media.NewI420(s.w, s.h), on: true}
		l.enc, err = codec.NewVP8Encoder(codec.VP8Config{Width: s.w, Height: s.h, FPS: 30, BitrateKbps: s.kbps})
		if err != nil {
			t.Fatal(err)
		}
		l.track, err = lksdk.NewLocalTrack(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000},
			lksdk.WithSimulcast("camera-feed", &livekit.VideoLayer{Quality: s.quality, Width: uint32(s.w), Height: uint32(s.h)}),
			lksdk.WithRTCPHandler(func(p rtcp.Packet) {
				if _, ok := p.(*rtcp.PictureLossIndication); ok {
					l.key.Store(true)
				}
			}))
		if err != nil {
			t.Fatal(err)
		}
		l.track.OnBind(func() { l.key.Store(true) })
		f.layers = append(f.layers, l)
		tracks = append(tracks, l.track)
	}
	if _, err := room.LocalParticipant.PublishSimulcastTrack(tracks, &lksdk.TrackPublicationOptions{
		Name: "camera", Source: livekit.TrackSource_CAMERA, VideoWidth: 640, VideoHeight: 360}); err != nil {
		t.Fatalf("publish: %v", err)
	}
	go f.run()
	return f
}

// run sends a frame of every layer that is on, 30 times a second.
func (f *simulcastFeed) run() {
	defer close(f.done)
	tick := time.NewTicker(time.Second / 30)
	defer tick.Stop()
	for n := 0; ; n++ {
		select {
		case <-f.quit:
			return
		case i := <-f.pause:
			f.layers[i].on = false
			ssrc := uint32(f.layers[i].track.SSRC())
			_ = f.room.LocalParticipant.GetPublisherPeerConnection().WriteRTCP([]rtcp.Packet{&rtcp.Goodbye{Sources: []uint32{ssrc}}})
		case i := <-f.resume:
			f.layers[i].on = true
			f.layers[i].key.Store(true)
		case now := <-tick.C:
			for _, l := range f.layers {
				if l.on {
					l.send(n, now)
				}
			}
		}
	}
}

func (l *feedLayer) send(n int, now time.Time) {
	l.pattern.Draw(l.frame, n)
	data, _, err := l.enc.Encode(l.frame, l.key.Swap(false), l.buf)
	if err != nil || len(data) == 0 {
		return
	}
	l.buf = data
	_ = l.track.WriteSample(pionmedia.Sample{Data: data, Duration: time.Second / 30, Timestamp: now}, nil)
}

func (f *simulcastFeed) close() {
	close(f.quit)
	<-f.done
	f.room.Disconnect()
	for _, l := range f.layers {
		l.enc.Close()
	}
}

// widthLog passes on the width of every decoded frame.
type widthLog struct{ widths chan int }

func (w widthLog) WriteFrame(f *media.VideoFrame) {
	select {
	case w.widths <- f.Width:
	default:
	}
}

// waitWidth waits for n frames in a row of the given width.
func waitWidth(t *testing.T, widths chan int, want, n int, what string) time.Time {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for run := 0; ; {
		select {
		case w := <-widths:
			if w != want {
				run = 0
				continue
			}
			if run++; run == n {
				return time.Now()
			}
		case <-timeout:
			t.Fatalf("%s: no %d frames %d wide within 20 s", what, n, want)
		}
	}
}

// A publisher that says goodbye (RTCP BYE) for a simulcast layer it stops
// has its receivers moved to the layer below, and back when the layer
// resumes, without the wait of the server's stream tracker: a layer it saw
// stop by itself counts as back only after 2 s of packets (ten 200 ms
// cycles, app/host's cameraStreamTracker), so receivers stayed on the
// smaller picture for at least that long (third_party/patches/livekit-server,
// layer-bye.patch).
func TestAStoppedLayerThatSaidGoodbyeComesBackAtOnce(t *testing.T) {
	srv := testenv.StartServer(t)
	widths := make(chan int, 256)
	var once sync.Once
	rita := startParticipant("rita", app.TransportConfig{
		VideoSink: func(string, app.Source) media.FrameSink { return widthLog{widths} },
	})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	testenv.Labelled(rita.owner, func() {
		params := joinParams(srv, "rita")
		params.Camera, params.Microphone = false, false
		if err := rita.call.Join(ctx, params); err != nil {
			t.Fatalf("rita joins: %v", err)
		}
	})
	feed := startSimulcastFeed(t, srv, "pat")
	defer once.Do(feed.close)

	waitWidth(t, widths, 640, 10, "all three layers")
	feed.pause <- 0
	waitWidth(t, widths, 320, 15, "the full layer stopped")
	feed.resume <- 0
	resumed := time.Now()
	back := waitWidth(t, widths, 640, 1, "the full layer resumed")
	// Without the goodbye: 2 s at the least. With it: the keyframe's way
	// through the server, well under a second on a loaded machine.
	took := back.Sub(resumed)
	t.Logf("the full layer's picture came back %v after it resumed", took)
	if took > time.Second {
		t.Fatalf("the full layer's picture came back %v after it resumed", took)
	}
	once.Do(feed.close)
	rita.call.Close()
	<-rita.done
	testenv.CheckNoGoroutines(t, rita.owner, 5*time.Second)
}
