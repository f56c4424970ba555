package synth

import "confer/media"

// bars are the eight classic 100% colour bars in BT.601 limited range
// (Y, U, V): white, yellow, cyan, green, magenta, red, blue, black. Their
// saturated chroma and spread of luma make colour-plane mix-ups and range
// errors obvious to a human looking at the picture.
var bars = [8][3]byte{
	{235, 128, 128},
	{210, 16, 146},
	{170, 166, 16},
	{145, 54, 34},
	{106, 202, 222},
	{81, 90, 240},
	{41, 240, 110},
	{16, 128, 128},
}

const (
	scrollPx  = 4 // bar scroll per frame: enough that every frame differs
	boxStepX  = 6 // box speed; X and Y differ so the box traces a
	boxStepY  = 4 // path over the whole picture rather than a diagonal line
	boxBorder = 2 // black rim keeps the white box visible over the white bar
	lumaWhite = 235
	lumaBlack = 16
	chromaNil = 128
)

// Pattern draws a moving test picture: scrolling vertical colour bars plus a
// bright box bouncing below the time strip. Every frame differs from the
// previous one, so encoders have motion to code and a frozen picture is
// visible at a glance.
type Pattern struct {
	w, h, cw, ch int
	// rowY, rowU and rowV hold two periods of the bar row, so the row
	// for any scroll offset is one contiguous copy: Draw is then a
	// memcpy per row instead of per-pixel work.
	rowY, rowU, rowV []byte
	box              int    // box side, even so chroma aligns
	boxRow           []byte // luma of an inner box row: rim, white, rim
	boxEdge          []byte // luma of the top and bottom rim rows
	boxChroma        []byte // neutral chroma under the box
}

// NewPattern prepares a pattern for w×h frames. A non-positive size gives a
// pattern whose Draw does nothing.
func NewPattern(w, h int) *Pattern {
	if w <= 0 || h <= 0 {
		return &Pattern{}
	}
	cw, ch := (w+1)/2, (h+1)/2
	p := &Pattern{
		w: w, h: h, cw: cw, ch: ch,
		rowY: make([]byte, 2*w),
		rowU: make([]byte, 2*cw),
		rowV: make([]byte, 2*cw),
	}
	for i := range p.rowY {
		p.rowY[i] = bars[(i%w)*len(bars)/w][0]
	}
	for i := range p.rowU {
		// Chroma sample i sits over luma column 2i.
		b := bars[((2*i)%w)*len(bars)/w]
		p.rowU[i], p.rowV[i] = b[1], b[2]
	}
	p.box = max(4, min(w, h)/6) &^ 1
	p.boxRow = make([]byte, p.box)
	p.boxEdge = make([]byte, p.box)
	p.boxChroma = make([]byte, p.box/2)
	for i := range p.boxRow {
		p.boxEdge[i] = lumaBlack
		p.boxRow[i] = lumaWhite
		if i < boxBorder || i >= p.box-boxBorder {
			p.boxRow[i] = lumaBlack
		}
	}
	for i := range p.boxChroma {
		p.boxChroma[i] = chromaNil
	}
	return p
}

// Draw fills f with frame number n of the pattern. f must be a w×h I420
// frame; any other frame is left untouched.
func (p *Pattern) Draw(f *media.VideoFrame, n int) {
	if p.w == 0 || f == nil || f.Width != p.w || f.Height != p.h || !planesFit(f) {
		return
	}
	// Reduce n first so n*scrollPx cannot overflow.
	off := int(floorMod(floorMod(int64(n), int64(p.w))*scrollPx, int64(p.w)))
	src := p.rowY[off : off+p.w]
	for y := 0; y < p.h; y++ {
		copy(f.Y[y*f.YStride:y*f.YStride+p.w], src)
	}
	coff := off / 2
	srcU, srcV := p.rowU[coff:coff+p.cw], p.rowV[coff:coff+p.cw]
	for y := 0; y < p.ch; y++ {
		copy(f.U[y*f.UStride:y*f.UStride+p.cw], srcU)
		copy(f.V[y*f.VStride:y*f.VStride+p.cw], srcV)
	}
	p.drawBox(f, n)
}

// drawBox paints the box at its position for frame n, kept out of the
// time-strip band so stamping never clips it and it never damages the strip.
func (p *Pattern) drawBox(f *media.VideoFrame, n int) {
	top := StripRows(p.h)
	if p.box > p.w || top+p.box > p.h {
		return // no room below the strip
	}
	bx := bounce(int64(n)*boxStepX, int64(p.w-p.box)) &^ 1
	by := (top + bounce(int64(n)*boxStepY, int64(p.h-top-p.box))) &^ 1
	for y := 0; y < p.box; y++ {
		row := p.boxRow
		if y < boxBorder || y >= p.box-boxBorder {
			row = p.boxEdge
		}
		i := (by+y)*f.YStride + bx
		copy(f.Y[i:i+p.box], row)
	}
	// bx, by and box are even, so the box covers whole chroma samples and
	// (bx+box)/2 <= w/2 <= cw keeps it inside the chroma planes.
	cx, cn := bx/2, p.box/2
	for y := by / 2; y < (by+p.box)/2; y++ {
		copy(f.U[y*f.UStride+cx:y*f.UStride+cx+cn], p.boxChroma)
		copy(f.V[y*f.VStride+cx:y*f.VStride+cx+cn], p.boxChroma)
	}
}

// bounce maps a travelled distance t onto [0, span], going back and forth
// like a ball between two walls (a triangle wave).
func bounce(t, span int64) int {
	if span <= 0 {
		return 0
	}
	m := floorMod(t, 2*span)
	if m > span {
		m = 2*span - m
	}
	return int(m)
}
