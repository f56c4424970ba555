package host

import (
	"slices"
	"strings"
	"sync"
	"testing"

	"confer/app/roomkeys"
	"github.com/livekit/livekit-server/pkg/sfu"
	"github.com/livekit/protocol/codecs/mime"
	"github.com/livekit/protocol/livekit"
	"github.com/livekit/protocol/logger"
	"google.golang.org/protobuf/proto"
)

// layersGone records every moment the server's stream trackers call a
// layer gone: what moves a layer's receivers and makes them wait for a
// keyframe.
type layersGone struct {
	mu      sync.Mutex
	manager *sfu.StreamTrackerManager
	seen    [][]int32 // the available layers after each change
}

func (l *layersGone) OnAvailableLayersChanged() {
	layers, _ := l.manager.GetLayeredBitrate()
	l.mu.Lock()
	l.seen = append(l.seen, slices.Clone(layers))
	l.mu.Unlock()
}
func (l *layersGone) OnBitrateAvailabilityChanged()         {}
func (l *layersGone) OnMaxPublishedLayerChanged(int32)      {}
func (l *layersGone) OnMaxTemporalLayerSeenChanged(int32)   {}
func (l *layersGone) OnMaxAvailableLayerChanged(int32)      {}
func (l *layersGone) OnBitrateReport([]int32, sfu.Bitrates) {}

func (l *layersGone) changes() [][]int32 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.seen)
}

func simulcastCamera() *livekit.TrackInfo {
	layers := []*livekit.VideoLayer{
		{Quality: livekit.VideoQuality_LOW, Width: 320, Height: 180},
		{Quality: livekit.VideoQuality_MEDIUM, Width: 640, Height: 360},
		{Quality: livekit.VideoQuality_HIGH, Width: 1280, Height: 720},
	}
	return &livekit.TrackInfo{
		Sid: "TR_camera", Type: livekit.TrackType_VIDEO, Source: livekit.TrackSource_CAMERA,
		Width: 1280, Height: 720,
		Codecs: []*livekit.SimulcastCodecInfo{{MimeType: "video/VP8", Layers: layers}},
	}
}

// The server updates a track's info as each simulcast layer's first packets
// arrive (the layer's SSRC, that the track is simulcast, its sizes). Each
// update used to reset the stream trackers, so every layer was gone until its
// next packet and the receivers moved off theirs: the freezes of a 4-party
// call's first second (third_party/patches/livekit-server/tracker-pause.patch).
func TestTrackInfoUpdatesKeepTheLayersRunning(t *testing.T) {
	cfg := Config{Keys: roomkeys.Keys{APIKey: "APItest", APISecret: strings.Repeat("s", 40)}}
	conf, err := liveKitConfig(cfg, "127.0.0.1", "127.0.0.1", portSet{internal: 7880, udp: 7882, tcp: 7881, stun: 7883})
	if err != nil {
		t.Fatal(err)
	}
	info := simulcastCamera()
	manager := sfu.NewStreamTrackerManager(logger.GetLogger(), info, mime.MimeTypeVP8, 90000, conf.Video.StreamTrackerManager)
	defer manager.Close()
	rec := &layersGone{manager: manager}
	manager.SetListener(rec)
	for layer := range int32(3) {
		tracker := manager.AddTracker(layer)
		if tracker == nil {
			t.Fatalf("no tracker for layer %d", layer)
		}
		defer manager.RemoveTracker(layer)
		tracker.Observe(0, 1200, 1100, true, 3000, nil)
	}
	if got, _ := manager.GetLayeredBitrate(); !slices.Equal(got, []int32{0, 1, 2}) {
		t.Fatalf("after a packet on each layer the server has layers %v, want [0 1 2]", got)
	}
	before := len(rec.changes())

	updated := proto.Clone(info).(*livekit.TrackInfo)
	updated.Codecs[0].Layers[2].Ssrc = 1234
	updated.Version = &livekit.TimedVersion{UnixMicro: 1}
	manager.UpdateTrackInfo(updated)
	for _, layers := range rec.changes()[before:] {
		if len(layers) < 3 {
			t.Fatalf("updating the track's info made the server see layers %v", layers)
		}
	}

	// A real pause still stops them, and they come back with packets.
	muted := proto.Clone(updated).(*livekit.TrackInfo)
	muted.Muted = true
	manager.UpdateTrackInfo(muted)
	if got, _ := manager.GetLayeredBitrate(); len(got) != 0 {
		t.Fatalf("muted, the server still has layers %v", got)
	}
	manager.UpdateTrackInfo(updated)
	manager.GetTracker(2).Observe(0, 1200, 1100, true, 6000, nil)
	if got, _ := manager.GetLayeredBitrate(); !slices.Equal(got, []int32{2}) {
		t.Fatalf("unmuted, after a packet on layer 2 the server has layers %v, want [2]", got)
	}
}
