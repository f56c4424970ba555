//go:build !linux || wayland

package xvideo

import (
	"errors"
	"image/color"

	"confer/media"
)

// ErrUnsupported: this platform paints video with Fyne.
var ErrUnsupported = errors.New("xvideo: native video painting is not available")

// Conn is not available here: Open always fails.
type Conn struct{}

// Open fails: there is no X11 here.
func Open(uintptr) (*Conn, error) { return nil, ErrUnsupported }

// Close does nothing.
func (c *Conn) Close() {}

// NewSurface fails.
func (c *Conn) NewSurface(color.Color) (*Surface, error) { return nil, ErrUnsupported }

// Surface is never made here.
type Surface struct{}

func (s *Surface) Window() uint32                   { return 0 }
func (s *Surface) Place(x, y, w, h int)             {}
func (s *Surface) Hide()                            {}
func (s *Surface) Put(*media.VideoFrame, bool) bool { return false }
func (s *Surface) Close()                           {}
