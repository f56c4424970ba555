package livekit

import (
	lksdk "github.com/livekit/server-sdk-go/v2"

	"confer/app"
)

type videoKey struct {
	user   string
	source app.Source
}

// videoSize is how large a remote video is shown, in pixels.
type videoSize struct{ w, h int }

// SetRemoteVideoSize implements app.Transport: the server is told the size,
// now and whenever that video is subscribed again, and forwards the
// simulcast layer that fits it best — whatever layers the publisher sends
// (a browser sends three, Confer two or three by camera size).
func (t *Transport) SetRemoteVideoSize(userID string, src app.Source, width, height int) {
	size := videoSize{max(width, 0), max(height, 0)}
	t.mu.Lock()
	prev, known := t.layers[videoKey{userID, src}]
	t.layers[videoKey{userID, src}] = size
	s := t.cur
	t.mu.Unlock()
	if (!known || prev != size) && s != nil {
		s.applySize(userID, src, size)
	}
}

// sizeFor is the size a remote video is shown at, if known.
func (t *Transport) sizeFor(userID string, src app.Source) (videoSize, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	s, ok := t.layers[videoKey{userID, src}]
	return s, ok
}

// applySize tells the server how large a remote video is shown.
func (s *session) applySize(userID string, src app.Source, size videoSize) {
	rp := s.room.GetParticipantByIdentity(userID)
	if rp == nil {
		return
	}
	if pub, ok := rp.GetTrackPublication(trackSource(src)).(*lksdk.RemoteTrackPublication); ok && pub != nil {
		setSize(pub, size)
		s.markDirty() // the link counts enabled tracks only
	}
}

// applyKnownSize applies the size a tile said before its track arrived. A
// tile may change size meanwhile (SetRemoteVideoSize applies it from the
// worker): the size is read again after applying, until it holds, so the
// older one never wins.
func (s *session) applyKnownSize(user string, src app.Source, pub *lksdk.RemoteTrackPublication) {
	size, ok := s.t.sizeFor(user, src)
	for ok {
		setSize(pub, size)
		now, _ := s.t.sizeFor(user, src)
		if now == size {
			return
		}
		size = now
	}
}

// setSize asks for the layer of a size. A zero size is a tile that is not
// shown (another page of a big meeting): the server stops forwarding that
// video until it is shown again, and then starts with a keyframe.
func setSize(pub *lksdk.RemoteTrackPublication, size videoSize) {
	if size.w == 0 || size.h == 0 {
		pub.SetEnabled(false)
		return
	}
	if !pub.IsEnabled() {
		pub.SetEnabled(true)
	}
	pub.SetVideoDimensions(uint32(size.w), uint32(size.h))
}
