package jitter

// seqUnwrapper extends 16-bit RTP sequence numbers to int64 so that
// comparisons survive the wrap at 65535. Values move relative to the
// highest one seen: a number up to 32767 ahead is newer, otherwise older.
type seqUnwrapper struct {
	last int64 // highest value so far; its low 16 bits are the raw number
}

func (u *seqUnwrapper) unwrap(s uint16) int64 {
	v := u.peek(s)
	if v > u.last {
		u.last = v
	}
	return v
}

// peek unwraps s without moving on.
func (u *seqUnwrapper) peek(s uint16) int64 {
	return u.last + int64(int16(s-uint16(u.last)))
}

// restart maps s to the smallest value not below floor with the same low
// 16 bits and continues from there. A reset moves the floor above every
// value still in the ring, so stale slots can never match a new number.
func (u *seqUnwrapper) restart(s uint16, floor int64) int64 {
	v := floor&^0xFFFF | int64(s)
	if v < floor {
		v += 1 << 16
	}
	u.last = v
	return v
}

// tsUnwrapper does the same for 32-bit RTP timestamps.
type tsUnwrapper struct {
	last int64
	ok   bool
}

func (u *tsUnwrapper) unwrap(ts uint32) int64 {
	if !u.ok {
		u.last, u.ok = int64(ts), true
		return u.last
	}
	v := u.last + int64(int32(ts-uint32(u.last)))
	if v > u.last {
		u.last = v
	}
	return v
}
