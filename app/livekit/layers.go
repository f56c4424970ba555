package livekit

import (
	"github.com/livekit/protocol/livekit"
	lksdk "github.com/livekit/server-sdk-go/v2"

	"confer/app"
)

// smallVideo is the largest shown width that the small simulcast layer
// serves: it is about 320 pixels wide, and up-scaling it a little is not
// visible in a tile that size.
const smallVideo = 400

// wantLayer maps the size a remote video is shown at to the layer asked for.
func wantLayer(width int) livekit.VideoQuality {
	if width > 0 && width <= smallVideo {
		return livekit.VideoQuality_LOW
	}
	return livekit.VideoQuality_HIGH
}

type videoKey struct {
	user   string
	source app.Source
}

// SetRemoteVideoSize implements app.Transport: the server is asked for the
// layer that fits, now and whenever that video is subscribed again.
func (t *Transport) SetRemoteVideoSize(userID string, src app.Source, width, height int) {
	q := wantLayer(width)
	t.mu.Lock()
	prev, known := t.layers[videoKey{userID, src}]
	changed := !known || prev != q // LOW is the zero value
	t.layers[videoKey{userID, src}] = q
	s := t.cur
	t.mu.Unlock()
	if changed && s != nil {
		s.applyLayer(userID, src, q)
	}
}

// layerFor is the layer wanted for a remote video; HIGH unless asked.
func (t *Transport) layerFor(userID string, src app.Source) livekit.VideoQuality {
	t.mu.Lock()
	defer t.mu.Unlock()
	if q, ok := t.layers[videoKey{userID, src}]; ok {
		return q
	}
	return livekit.VideoQuality_HIGH
}

// applyLayer tells the server which layer of a remote video to forward.
func (s *session) applyLayer(userID string, src app.Source, q livekit.VideoQuality) {
	rp := s.room.GetParticipantByIdentity(userID)
	if rp == nil {
		return
	}
	if pub, ok := rp.GetTrackPublication(trackSource(src)).(*lksdk.RemoteTrackPublication); ok && pub != nil {
		_ = pub.SetVideoQuality(q)
	}
}
