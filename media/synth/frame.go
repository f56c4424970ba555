package synth

import "confer/media"

// planesFit reports whether every row the frame's size promises lies inside
// its planes. Frames come from other packages (decoders, scalers); checking
// once up front lets the drawing and reading loops slice freely without
// risking a panic on a malformed frame.
func planesFit(f *media.VideoFrame) bool {
	if f == nil || f.Width <= 0 || f.Height <= 0 {
		return false
	}
	cw, ch := f.ChromaSize()
	return planeFits(f.Y, f.YStride, f.Width, f.Height) &&
		planeFits(f.U, f.UStride, cw, ch) &&
		planeFits(f.V, f.VStride, cw, ch)
}

func planeFits(p []byte, stride, w, h int) bool {
	return stride >= w && len(p) >= (h-1)*stride+w
}

// floorMod is a mod b in [0, b) for b > 0, also for negative a (times
// before the Unix epoch, negative frame numbers).
func floorMod(a, b int64) int64 {
	m := a % b
	if m < 0 {
		m += b
	}
	return m
}

// floorDiv is a/b rounded towards minus infinity, for b > 0.
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b < 0 {
		q--
	}
	return q
}
