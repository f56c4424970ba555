package widgets

import (
	"image"
	"sync"
	"sync/atomic"

	"confer/media"
	"confer/media/codec"
)

// frameMailbox turns decoded frames into RGBA pictures of the size a tile
// shows, on the decoder's goroutine, and keeps only the newest one.
//
// Three buffers rotate so no picture is written while it may be painted:
// the decoder converts into free, then swaps it with ready; the UI goroutine
// swaps ready with showing when it refreshes. showing is touched by the UI
// goroutine alone.
type frameMailbox struct {
	target atomic.Uint64 // wanted pixel size, w<<32|h, set by the UI goroutine
	mirror atomic.Bool   // read by the converting goroutine

	// putMu serialises put: a tile may have two decoders for a moment (a
	// track that ends while the one replacing it starts), and both would
	// convert into free at once.
	putMu sync.Mutex
	conv  codec.Converter // under putMu
	free  *image.RGBA     // under putMu

	mu    sync.Mutex
	ready *image.RGBA // newest complete picture, nil once taken
	spare *image.RGBA // the buffer the UI gave back

	showing *image.RGBA // UI goroutine only
	frames  atomic.Int64
	source  atomic.Uint64 // the last converted frame's size, w<<32|h
}

// setTarget records the tile's size in pixels (UI goroutine).
func (m *frameMailbox) setTarget(w, h int) {
	m.target.Store(packSize(w, h))
}

// put converts f for display. It returns true when the UI should refresh
// (a picture is waiting that it has not been told about).
func (m *frameMailbox) put(f *media.VideoFrame) bool {
	tw, th := unpackSize(m.target.Load())
	if tw <= 0 || th <= 0 || f.Width <= 0 || f.Height <= 0 {
		return false
	}
	w, h := codec.Fit(f.Width, f.Height, tw, th)
	m.putMu.Lock()
	defer m.putMu.Unlock()
	dst := m.free
	if dst == nil || dst.Rect.Dx() != w || dst.Rect.Dy() != h {
		dst = image.NewRGBA(image.Rect(0, 0, w, h))
	}
	if m.conv.ToRGBA(f, dst, m.mirror.Load()) != nil {
		m.free = dst
		return false
	}
	m.counted(f)
	m.mu.Lock()
	wasWaiting := m.ready != nil
	m.free, m.ready = m.ready, dst
	if m.free == nil {
		m.free, m.spare = m.spare, nil
	}
	m.mu.Unlock()
	return !wasWaiting
}

// counted notes a frame shown: how many, and the layer's size.
func (m *frameMailbox) counted(f *media.VideoFrame) {
	m.frames.Add(1)
	m.source.Store(packSize(f.Width, f.Height))
}

// sourceSize is the size of the last frame converted: the layer received.
func (m *frameMailbox) sourceSize() (w, h int) { return unpackSize(m.source.Load()) }

// packSize puts a size in one word, w<<32|h, for an atomic.
func packSize(w, h int) uint64 { return uint64(w)<<32 | uint64(uint32(h)) }

func unpackSize(s uint64) (w, h int) { return int(s >> 32), int(uint32(s)) }

// release drops the pictures and the converter's buffers: a surface shows
// the video from now on, and when Fyne paints it again the tile waits for
// a new picture anyway (UI goroutine). A put under way finishes first;
// a frame the surface cannot take later is converted into a new buffer.
func (m *frameMailbox) release() {
	m.putMu.Lock()
	m.free, m.conv = nil, codec.Converter{}
	m.putMu.Unlock()
	m.mu.Lock()
	m.ready, m.spare = nil, nil
	m.mu.Unlock()
	m.showing = nil
}

// take moves the newest picture to showing and returns it, or nil when
// nothing new arrived (UI goroutine).
func (m *frameMailbox) take() *image.RGBA {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.ready == nil {
		return nil
	}
	m.spare, m.showing, m.ready = m.showing, m.ready, nil
	return m.showing
}
