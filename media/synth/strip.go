package synth

import (
	"time"

	"confer/media"
)

// Strip layout. The top band of the picture carries 40 bits, most
// significant first, left to right: the capture time as unix milliseconds
// mod 2^32, then a CRC-8 of those four bytes. Each bit is a block
// width/40 pixels wide (the remainder on the right stays grey) spanning the
// whole band: white for 1, black for 0. Blocks this large, at the extremes
// of the luma range, survive lossy VP8, downscaling to 320×180 and colour
// conversion; reading only the middle of each block ignores the edges those
// smear.
const (
	stripTimeBits = 32
	stripBits     = stripTimeBits + 8
	stripRead     = 126 // threshold between black and white
	// A block whose centre averages within stripMargin of the threshold is
	// neither black nor white: the band is absent (colour bars, grey) or
	// wrecked. This rejects most non-strip pictures before the checksum has
	// to, so the 1-in-256 chance of a random CRC match does not turn into
	// false readings on a steady stream of unstamped frames.
	stripMargin = 30
	lumaGrey    = 128
)

// StripRows returns how many top rows of an h-row picture the time strip
// uses: max(8, h/24), rounded up to even so the band covers whole chroma
// rows. It is 0 when the picture is too short to hold the band.
func StripRows(h int) int {
	r := (max(8, h/24) + 1) &^ 1
	if r > h {
		return 0
	}
	return r
}

// StampTime writes t into the top band of f: luma blocks black/white,
// chroma neutral 128 across the band. Frames too small to carry the strip
// (narrower than 40 or shorter than 8 pixels) are left untouched.
func StampTime(f *media.VideoFrame, t time.Time) {
	if !planesFit(f) {
		return
	}
	bw, bh := f.Width/stripBits, StripRows(f.Height)
	if bw == 0 || bh == 0 {
		return
	}
	word := stripWord(uint32(t.UnixMilli()))
	row0 := f.Y[:f.Width]
	for i := 0; i < stripBits; i++ {
		v := byte(lumaBlack)
		if word>>(stripBits-1-i)&1 == 1 {
			v = lumaWhite
		}
		fill(row0[i*bw:(i+1)*bw], v)
	}
	fill(row0[stripBits*bw:], lumaGrey)
	for y := 1; y < bh; y++ {
		copy(f.Y[y*f.YStride:y*f.YStride+f.Width], row0)
	}
	cw, _ := f.ChromaSize()
	for y := 0; y < bh/2; y++ {
		fill(f.U[y*f.UStride:y*f.UStride+cw], chromaNil)
		fill(f.V[y*f.VStride:y*f.VStride+cw], chromaNil)
	}
}

// ReadTime decodes the strip of f, resolving the 32-bit millisecond value
// to the matching time nearest to now. ok is false when the band is absent
// or damaged.
func ReadTime(f *media.VideoFrame) (t time.Time, ok bool) {
	return ReadTimeNear(f, time.Now())
}

// ReadTimeNear is ReadTime with the reference time given: of all times whose
// unix milliseconds agree with the strip mod 2^32 (one every ~49.7 days), it
// returns the one nearest to now, which handles the wrap-around as long as
// the delay is under ~24 days.
func ReadTimeNear(f *media.VideoFrame, now time.Time) (t time.Time, ok bool) {
	if !planesFit(f) {
		return time.Time{}, false
	}
	word, ok := readStrip(f.Width, f.Height, func(x, y int) int { return int(f.Y[y*f.YStride+x]) })
	if !ok {
		return time.Time{}, false
	}
	return timeOf(word, now)
}

// ReadTimeRGBA is ReadTimeNear for a picture as it is painted: RGBA
// (8 bits each, stride bytes a row), as a window converts frames for its
// tiles. The strip is black and white, so green stands for luma.
func ReadTimeRGBA(pix []byte, stride, w, h int, now time.Time) (t time.Time, ok bool) {
	if w <= 0 || h <= 0 || stride < 4*w || len(pix) < (h-1)*stride+4*w {
		return time.Time{}, false
	}
	word, ok := readStrip(w, h, func(x, y int) int { return int(pix[y*stride+4*x+1]) })
	if !ok {
		return time.Time{}, false
	}
	return timeOf(word, now)
}

// timeOf checks a strip word and resolves its time nearest to now.
func timeOf(word uint64, now time.Time) (time.Time, bool) {
	low := uint32(word >> 8)
	if stripWord(low) != word {
		return time.Time{}, false
	}
	const wrap = int64(1) << stripTimeBits
	nowMs := now.UnixMilli()
	ms := nowMs&^(wrap-1) | int64(low)
	if ms-nowMs > wrap/2 {
		ms -= wrap
	} else if nowMs-ms > wrap/2 {
		ms += wrap
	}
	return time.UnixMilli(ms), true
}

// readStrip reads the 40 blocks of the band of a w×h picture whose luma
// luma reads, and returns them as a word whose checksum holds, or ok=false.
//
// The blocks are where StampTime put them, w/40 whole pixels wide with
// any remainder on the right; failing that, at i·w/40, which is where they
// are in a picture scaled to another width (640 shown 556 wide in a
// window's tile: blocks 13.9 pixels wide, which whole-pixel blocks would
// drift off by one every 14).
func readStrip(w, h int, luma func(x, y int) int) (word uint64, ok bool) {
	bw := w / stripBits
	word, ok = readBlocks(w, h, luma, func(i int) int { return i * bw })
	if ok || w%stripBits == 0 {
		return word, ok
	}
	return readBlocks(w, h, luma, func(i int) int { return i * w / stripBits })
}

// readBlocks measures the 40 blocks, block i starting at x = at(i), and
// returns them as a word, or ok=false if any block is not clearly black or
// white or the checksum does not hold.
func readBlocks(w, h int, luma func(x, y int) int, at func(i int) int) (word uint64, ok bool) {
	bw, bh := w/stripBits, StripRows(h)
	if bw == 0 || bh == 0 {
		return 0, false
	}
	// Skip ~25% on each side of the block: edges are where blur,
	// ringing and misaligned scaling live.
	mx, my := bw/4, bh/4
	n := (bw - 2*mx) * (bh - 2*my)
	lo, hi := (stripRead-stripMargin)*n, (stripRead+stripMargin)*n
	for i := 0; i < stripBits; i++ {
		x0 := at(i) + mx
		x1 := x0 + bw - 2*mx
		sum := 0
		for y := my; y < bh-my; y++ {
			for x := x0; x < x1; x++ {
				sum += luma(x, y)
			}
		}
		if sum > lo && sum < hi {
			return 0, false
		}
		word <<= 1
		if sum > stripRead*n {
			word |= 1
		}
	}
	return word, stripWord(uint32(word>>8)) == word
}

// stripWord is the 40-bit payload for a time value: the value then its
// CRC-8.
func stripWord(ms uint32) uint64 {
	return uint64(ms)<<8 | uint64(crc8(ms))
}

// crc8 is CRC-8/I-432-1 (polynomial 0x07, xor-out 0x55) of the value's four
// bytes, big-endian. A CRC catches every single flipped block, which a sum
// of bytes would not guarantee; the xor-out makes all-black and all-white
// bands invalid, so a dark or blown-out picture never reads as a time.
func crc8(v uint32) byte {
	var crc byte
	for s := 24; s >= 0; s -= 8 {
		crc ^= byte(v >> s)
		for range 8 {
			if crc&0x80 != 0 {
				crc = crc<<1 ^ 0x07
			} else {
				crc <<= 1
			}
		}
	}
	return crc ^ 0x55
}

func fill(b []byte, v byte) {
	for i := range b {
		b[i] = v
	}
}
