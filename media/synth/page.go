package synth

import (
	"confer/media"
)

// Page draws a synthetic screen for screen sharing: dark text-like glyphs
// with one-pixel strokes on a white page, the kind of content that shows
// whether a shared screen stays sharp, plus a caret that moves every frame
// so there is always something to encode. The time strip goes on top like
// on the camera pattern (StampTime), over the page's top margin.
type Page struct {
	still *media.VideoFrame // the page without the caret, drawn once
}

// Page geometry in pixels.
const (
	pageMargin   = 48
	glyphW       = 7
	glyphH       = 11
	glyphAdvance = 9 // glyph width plus spacing
	lineHeight   = 20
	pageInk      = lumaBlack
	pagePaper    = lumaWhite
)

// NewPage prepares a page for w×h frames.
func NewPage(w, h int) *Page {
	f := media.NewI420(max(w, 0), max(h, 0))
	fill(f.Y, pagePaper)
	fill(f.U, 128)
	fill(f.V, 128)
	top := max(pageMargin, StripRows(h)+8)
	n := 0
	for y := top; y+glyphH < h-pageMargin/2; y += lineHeight {
		drawLine(f, y, &n)
	}
	return &Page{still: f}
}

// drawLine sets one line of words; n numbers glyphs across the page so
// every glyph's shape is fixed by its position.
func drawLine(f *media.VideoFrame, y int, n *int) {
	x := pageMargin
	for x+glyphW < f.Width-pageMargin {
		word := 2 + hash(uint32(*n))%8
		for i := uint32(0); i < word && x+glyphW < f.Width-pageMargin; i++ {
			drawGlyph(f, x, y, hash(uint32(*n)*7919+i))
			x += glyphAdvance
			*n++
		}
		x += glyphAdvance // a space between words
	}
}

// drawGlyph draws two to six one-pixel strokes chosen by bits.
func drawGlyph(f *media.VideoFrame, x, y int, bits uint32) {
	if bits&0x3f == 0 {
		bits |= 0x21
	}
	hline := func(row int) {
		fill(f.Y[(y+row)*f.YStride+x:(y+row)*f.YStride+x+glyphW], pageInk)
	}
	vline := func(col int) {
		for r := 0; r < glyphH; r++ {
			f.Y[(y+r)*f.YStride+x+col] = pageInk
		}
	}
	for i, draw := range []func(){
		func() { vline(0) }, func() { vline(glyphW - 1) }, func() { vline(glyphW / 2) },
		func() { hline(0) }, func() { hline(glyphH / 2) }, func() { hline(glyphH - 1) },
	} {
		if bits>>i&1 == 1 {
			draw()
		}
	}
}

// hash is a small integer mix (a step of the PCG output function), enough
// to make the page look irregular and be the same on every run.
func hash(x uint32) uint32 {
	x = x*747796405 + 2891336453
	x = ((x >> ((x >> 28) + 4)) ^ x) * 277803737
	return (x >> 22) ^ x
}

// Draw fills f with frame n: the page and the caret at its place for n. f
// must have the page's size; any other frame is left untouched.
func (p *Page) Draw(f *media.VideoFrame, n int) {
	s := p.still
	if f.Width != s.Width || f.Height != s.Height || !planesFit(f) {
		return
	}
	copyPlane(f.Y, f.YStride, s.Y, s.YStride, s.Width, s.Height)
	cw, ch := s.ChromaSize()
	copyPlane(f.U, f.UStride, s.U, s.UStride, cw, ch)
	copyPlane(f.V, f.VStride, s.V, s.VStride, cw, ch)
	p.drawCaret(f, n)
}

// drawCaret puts a two-pixel bar after the n-th glyph position of the
// first line, wrapping, like a cursor moving through typed text.
func (p *Page) drawCaret(f *media.VideoFrame, n int) {
	top := max(pageMargin, StripRows(f.Height)+8)
	span := (f.Width - 2*pageMargin) / glyphAdvance
	if span <= 0 || top+lineHeight > f.Height {
		return
	}
	x := pageMargin + (n%span)*glyphAdvance
	for r := -2; r < glyphH+2; r++ {
		row := (top+r)*f.YStride + x
		f.Y[row], f.Y[row+1] = pageInk, pageInk
	}
}

func copyPlane(dst []byte, dstStride int, src []byte, srcStride, w, h int) {
	for r := 0; r < h; r++ {
		copy(dst[r*dstStride:r*dstStride+w], src[r*srcStride:r*srcStride+w])
	}
}
