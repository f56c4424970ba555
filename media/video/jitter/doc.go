// Package jitter is the receive-side video jitter buffer for VP8 over RTP.
//
// Buffer collects the packets of each frame, waits a measured while for
// packets the NACK interceptor asked to be sent again (pion hands
// retransmissions to TrackRemote.Read with their original sequence
// numbers, so they simply arrive late and out of order), decides from the
// VP8 payload descriptor (RFC 7741) whether a frame can be decoded, and
// says when only a keyframe can help. Playout turns the times frames
// become ready into render times that hide network jitter.
//
// Both are pure logic: no goroutines, no timers, no clock reads. The
// caller passes the time, and arms a timer for NextWake:
//
//	buf.Push(pkt, now)
//	for {
//		f, ok := buf.Pop(now)
//		if !ok {
//			break
//		}
//		if decode(f.Data) fails {
//			buf.DecodeFailed()
//		}
//		show at play.Release(f.Timestamp, now)
//		buf.SetPlayoutDelay(play.Delay())
//	}
//	if buf.NeedKeyframe() { send a PLI, throttled }
//	if at, ok := buf.NextWake(); ok { wake at `at` and Pop again }
//
// On a clean network nothing waits: a frame leaves Pop the moment its
// last packet is pushed, and Playout releases it at once.
package jitter
