package livekit_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/livekit/protocol/livekit"
	lksdk "github.com/livekit/server-sdk-go/v2"
	"github.com/pion/webrtc/v4"

	"confer/internal/testenv"
	"confer/media"
	"confer/media/pipeline"
	"confer/media/synth"
)

// eavesdropper decodes what the server forwards with no key and no Decrypt
// hook: the receive pipeline hands the VP8 payloads straight to libvpx.
type eavesdropper struct {
	mu       sync.Mutex
	pictures int // decoded, whatever they show
	strips   int // of those, with a readable time strip
	stats    chan media.VideoReceiveStats
}

func (e *eavesdropper) WriteFrame(f *media.VideoFrame) {
	_, ok := synth.ReadTime(f)
	e.mu.Lock()
	defer e.mu.Unlock()
	e.pictures++
	if ok {
		e.strips++
	}
}

func (e *eavesdropper) VideoStats(s media.VideoReceiveStats) {
	select {
	case e.stats <- s:
	default:
	}
}

type remoteReader struct{ t *webrtc.TrackRemote }

func (r remoteReader) Read(b []byte) (int, error) {
	n, _, err := r.t.Read(b)
	return n, err
}

// What the server forwards of an encrypting participant is ciphertext:
// every track is announced encrypted (the camera too, at a size that would
// be simulcast, which the SDK would announce plain), and a subscriber that
// feeds the VP8 it receives to a decoder gets no picture out of it.
func TestTheServerForwardsOnlyCiphertext(t *testing.T) {
	srv := testenv.StartServer(t)
	ana := newE2EEPeerWith("ana", "correct horse battery staple", media.VideoProfile{Width: 640, Height: 480, FPS: 30, BitrateKbps: 800})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	testenv.Labelled(ana.owner, func() {
		if err := ana.call.Join(ctx, joinParams(srv, "ana")); err != nil {
			t.Fatalf("join: %v", err)
		}
	})

	eve := &eavesdropper{stats: make(chan media.VideoReceiveStats, 1)}
	infos := make(chan *livekit.TrackInfo, 8)
	var receivers sync.WaitGroup
	room, err := lksdk.ConnectToRoom(srv.URL(), lksdk.ConnectInfo{
		APIKey: testenv.Keys.APIKey, APISecret: testenv.Keys.APISecret, RoomName: "8888", ParticipantIdentity: "eve",
	}, &lksdk.RoomCallback{ParticipantCallback: lksdk.ParticipantCallback{
		OnTrackSubscribed: func(track *webrtc.TrackRemote, pub *lksdk.RemoteTrackPublication, rp *lksdk.RemoteParticipant) {
			infos <- pub.TrackInfo()
			if track.Kind() != webrtc.RTPCodecTypeVideo {
				return
			}
			receivers.Add(1)
			go func() {
				defer receivers.Done()
				_ = pipeline.ReceiveVideo(remoteReader{track}, pipeline.VideoReceiveConfig{
					Sink: eve, RequestKeyframe: func() { rp.WritePLI(track.SSRC()) }, Log: testenv.QuietLog(),
				})
			}()
		},
	}})
	if err != nil {
		t.Fatalf("eve joins: %v", err)
	}
	defer func() {
		room.Disconnect()
		receivers.Wait()
		ana.call.Close()
		<-ana.done
	}()

	timeout := time.After(20 * time.Second)
	for seen := map[livekit.TrackSource]bool{}; len(seen) < 2; {
		select {
		case info := <-infos:
			if info.Encryption != livekit.Encryption_GCM {
				t.Fatalf("%v track announced with encryption %v, want GCM", info.Source, info.Encryption)
			}
			seen[info.Source] = true
		case <-timeout:
			t.Fatal("ana's camera and microphone not subscribed within 20 s")
		}
	}
	// Once a second the pipeline reports; wait for several keyframes to
	// have been refused by the decoder (each refusal asks for another).
	var last media.VideoReceiveStats
	for last.DecodeErrors < 3 {
		select {
		case last = <-eve.stats:
		case <-timeout:
			t.Fatalf("the decoder rejected %d frames in 20 s; stats %+v", last.DecodeErrors, last)
		}
	}
	eve.mu.Lock()
	defer eve.mu.Unlock()
	t.Logf("eve: %d packets, %d decode errors, %d pictures out of the decoder, %d readable", last.Packets, last.DecodeErrors, eve.pictures, eve.strips)
	if eve.strips != 0 {
		t.Fatalf("%d pictures with a readable time strip from ciphertext", eve.strips)
	}
}
