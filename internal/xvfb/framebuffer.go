package xvfb

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"confer/media/synth"
)

// Framebuffer is the live screen of a display started with a framebuffer
// directory: Xvfb keeps its screen in a file there (an XWD image) and draws
// into it, so a read-only mapping of that file shows exactly what is on the
// display at any moment — what a camera pointed at a monitor would see.
type Framebuffer struct {
	Pix    []byte // pixel rows, Stride bytes apart, 4 bytes a pixel
	Stride int
	W, H   int
	// Green is the offset of the green byte within a pixel.
	Green int
	data  []byte // the whole mapping
}

// xwdHeader is the part of an XWD file's header a framebuffer needs: 25
// 32-bit fields, big-endian when the writer was (Xvfb writes its own order;
// file_version 7 tells which).
type xwdHeader struct {
	headerSize, version, format, depth, width, height     uint32
	xoffset, byteOrder, bitmapUnit, bitOrder, bitmapPad   uint32
	bitsPerPixel, bytesPerLine, visualClass               uint32
	redMask, greenMask, blueMask, bitsPerRGB, cmapEntries uint32
	ncolors                                               uint32
}

const (
	xwdVersion   = 7
	xwdColorSize = 12 // one XWDColor entry after the header
	lsbFirst     = 0  // XWD byte_order for little-endian pixels
)

// Framebuffer maps the display's screen. The display must have been
// started with StartWithFramebuffer; Close the result when done.
func (d *Display) Framebuffer() (*Framebuffer, error) {
	if d.fbDir == "" {
		return nil, errors.New("this display keeps no framebuffer file")
	}
	f, err := os.Open(filepath.Join(d.fbDir, "Xvfb_screen0"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	data, err := syscall.Mmap(int(f.Fd()), 0, int(fi.Size()), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, err
	}
	fb, err := parseXWD(data)
	if err != nil {
		_ = syscall.Munmap(data)
		return nil, err
	}
	return fb, nil
}

// parseXWD finds the pixels of a 32-bit true-colour XWD image.
func parseXWD(data []byte) (*Framebuffer, error) {
	h, err := readXWDHeader(data)
	if err != nil {
		return nil, err
	}
	if h.bitsPerPixel != 32 || h.greenMask == 0 {
		return nil, fmt.Errorf("framebuffer: %d bits a pixel, green mask %#x; want 32-bit true colour", h.bitsPerPixel, h.greenMask)
	}
	off := int(h.headerSize) + int(h.ncolors)*xwdColorSize
	size := int(h.bytesPerLine) * int(h.height)
	if off+size > len(data) || int(h.bytesPerLine) < 4*int(h.width) {
		return nil, errors.New("framebuffer: the file is shorter than its header says")
	}
	green := bits.TrailingZeros32(h.greenMask) / 8
	if h.byteOrder != lsbFirst {
		green = 3 - green
	}
	return &Framebuffer{Pix: data[off : off+size], Stride: int(h.bytesPerLine),
		W: int(h.width), H: int(h.height), Green: green, data: data}, nil
}

func readXWDHeader(data []byte) (xwdHeader, error) {
	var h xwdHeader
	if len(data) < 100 {
		return h, errors.New("framebuffer: no XWD header")
	}
	var order binary.ByteOrder = binary.BigEndian
	if order.Uint32(data[4:]) != xwdVersion {
		order = binary.LittleEndian
	}
	fields := []*uint32{&h.headerSize, &h.version, &h.format, &h.depth, &h.width, &h.height,
		&h.xoffset, &h.byteOrder, &h.bitmapUnit, &h.bitOrder, &h.bitmapPad,
		&h.bitsPerPixel, &h.bytesPerLine, &h.visualClass,
		&h.redMask, &h.greenMask, &h.blueMask, &h.bitsPerRGB, &h.cmapEntries, &h.ncolors}
	for i, f := range fields {
		*f = order.Uint32(data[4*i:])
	}
	if h.version != xwdVersion {
		return h, fmt.Errorf("framebuffer: XWD version %d, want %d", h.version, xwdVersion)
	}
	return h, nil
}

// Close unmaps the framebuffer.
func (fb *Framebuffer) Close() error { return syscall.Munmap(fb.data) }

// ReadTime reads the synthetic camera's time strip (synth.StampTime) from
// the w×h picture whose top-left corner is at (x, y) on the screen: when
// the frame now on the display was captured.
func (fb *Framebuffer) ReadTime(x, y, w, h int, now time.Time) (time.Time, bool) {
	if x < 0 || y < 0 || x+w > fb.W || y+h > fb.H || fb.Green < 1 {
		return time.Time{}, false
	}
	// ReadTimeRGBA reads byte 1 of each pixel: start one byte before green.
	off := y*fb.Stride + 4*x + fb.Green - 1
	return synth.ReadTimeRGBA(fb.Pix[off:], fb.Stride, w, h, now)
}
