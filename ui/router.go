package ui

import (
	"sync"

	"confer/media"
	"confer/ui/widgets"
)

// router sends each remote video track's frames to the tile of its user.
// Tracks can start before the UI has made the tile; their frames are
// dropped until it exists.
type router struct {
	mu    sync.RWMutex
	tiles map[string]*widgets.VideoTile
}

func newRouter() *router { return &router{tiles: map[string]*widgets.VideoTile{}} }

func (r *router) set(key string, t *widgets.VideoTile) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if t == nil {
		delete(r.tiles, key)
	} else {
		r.tiles[key] = t
	}
}

func (r *router) sink(key string) media.FrameSink {
	return media.FrameSinkFunc(func(f *media.VideoFrame) {
		r.mu.RLock()
		t := r.tiles[key]
		r.mu.RUnlock()
		if t != nil {
			t.WriteFrame(f)
		}
	})
}

// selfKey routes the local camera's preview.
const selfKey = "\x00self"
