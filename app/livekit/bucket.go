package livekit

import (
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtp"
)

// The pacing queue's rules.
//
// pion's LeakyBucketPacer gives each 5 ms tick the budget of the time
// since it last sent and always sends the packet at the head while that
// budget is above zero, without carrying the overdraft: it sends at least
// one packet every 5 ms, some 2 Mbit/s of full packets, whatever its rate.
// Behind a 300 kbit/s link that let a sender whose estimate had fallen to
// 100 kbit/s keep offering over 1 Mbit/s for six seconds (retransmissions
// of what the link had dropped, dropped again), with the link's queue
// full and the picture 300 ms late. This queue keeps the overdraft.
const (
	// pacingFactor is how much faster than the estimate video may leave,
	// so that a frame (a keyframe above all) is not spread over more
	// than its interval. pion's factor; libwebrtc's is 2.5.
	pacingFactor = 1.5
	// paceBurst is how much unused sending time is kept for later: a
	// sender idle between frames may send the next at once, up to this.
	paceBurst = 10 * time.Millisecond
	// maxQueueDelay bounds how long video waits here: a longer queue is
	// sent faster, so that the encoders' overshoot and a keyframe do not
	// build up lag (libwebrtc drains its queue within 2 s; a conversation
	// wants less).
	maxQueueDelay = time.Second
	// minDrainTime bounds that haste: a queue that is late already is
	// sent over this time, not at once.
	minDrainTime = 100 * time.Millisecond
	// maxResendWait is how long a retransmission may wait here before it
	// is dropped: by then the receiver has asked again or given up, and
	// sending it only adds to a queue that is already too long.
	maxResendWait = 200 * time.Millisecond
)

// queued is a packet waiting to be sent.
type queued struct {
	header  rtp.Header
	payload []byte
	attr    interceptor.Attributes
	at      time.Time // when it was queued
	resend  bool      // a retransmission: not newer than its stream's newest
}

func (q *queued) size() int { return q.header.MarshalSize() + len(q.payload) }

// paceQueue holds video packets and lets them out at a rate: a token
// bucket whose tokens accrue at the rate, up to paceBurst's worth, and
// whose overdraft (a packet larger than what was left) is paid back
// before the next packet goes.
type paceQueue struct {
	rate    int     // bit/s, already multiplied by pacingFactor
	tokens  float64 // bytes that may leave now; negative: the overdraft
	last    time.Time
	packets []queued
	bytes   int               // queued
	newest  map[uint32]uint16 // per SSRC: the newest sequence number queued
	dropped int               // retransmissions dropped: stale, or already waiting
}

func newPaceQueue(bps int, now time.Time) *paceQueue {
	return &paceQueue{rate: int(pacingFactor * float64(bps)), last: now, newest: map[uint32]uint16{}}
}

func (q *paceQueue) setRate(bps int) { q.rate = int(pacingFactor * float64(bps)) }

// push queues a packet; it keeps the header and payload it is given. A
// retransmission of a packet still waiting here, sent or resent, is not
// queued again (libwebrtc's packet history marks such a packet pending
// and refuses it too): a server repeats a request when the repair is late,
// and behind a slow link each repeat would add a copy to what is already
// too much for it.
func (q *paceQueue) push(p queued) {
	if q.isResend(&p.header) {
		p.resend = true
		if q.holds(p.header.SSRC, p.header.SequenceNumber) {
			q.dropped++
			return
		}
	} else {
		q.newest[p.header.SSRC] = p.header.SequenceNumber
	}
	q.packets = append(q.packets, p)
	q.bytes += p.size()
}

// holds reports whether a packet of ssrc with sequence number seq waits.
func (q *paceQueue) holds(ssrc uint32, seq uint16) bool {
	for i := range q.packets {
		if h := &q.packets[i].header; h.SSRC == ssrc && h.SequenceNumber == seq {
			return true
		}
	}
	return false
}

// isResend reports whether a packet is a retransmission: not newer than
// the newest of its stream queued so far.
func (q *paceQueue) isResend(h *rtp.Header) bool {
	newest, seen := q.newest[h.SSRC]
	return seen && !seqNewer(h.SequenceNumber, newest)
}

// holdsStream reports whether any packet of ssrc waits.
func (q *paceQueue) holdsStream(ssrc uint32) bool {
	for i := range q.packets {
		if q.packets[i].header.SSRC == ssrc {
			return true
		}
	}
	return false
}

// seqNewer reports whether a comes after b, across wrap-around.
func seqNewer(a, b uint16) bool { return a != b && a-b < 1<<15 }

// due takes the packets that may leave at now off the queue, in order,
// and says how long until the next may (zero when the queue is empty).
func (q *paceQueue) due(now time.Time) ([]queued, time.Duration) {
	rate := q.drainRate(now)
	q.refill(now, rate)
	var out []queued
	for len(q.packets) > 0 && q.tokens > 0 {
		p := q.packets[0]
		q.packets[0] = queued{}
		q.packets = q.packets[1:]
		q.bytes -= p.size()
		if p.resend && now.Sub(p.at) > maxResendWait {
			q.dropped++
			continue
		}
		q.tokens -= float64(p.size())
		out = append(out, p)
	}
	if len(q.packets) == 0 {
		q.packets = q.packets[:0:0] // let a burst's backing array go
		return out, 0
	}
	wait := time.Duration(-q.tokens*8/float64(rate)*float64(time.Second)) + time.Millisecond
	return out, wait
}

// drainRate is the rate, raised when the queue would otherwise not have
// left by the time its oldest packet has waited maxQueueDelay (libwebrtc's
// rule, with its 2 s shortened for a conversation).
func (q *paceQueue) drainRate(now time.Time) int {
	rate := max(q.rate, 1)
	if len(q.packets) == 0 {
		return rate
	}
	left := max(maxQueueDelay-now.Sub(q.packets[0].at), minDrainTime)
	if need := int(float64(q.bytes*8) / left.Seconds()); need > rate {
		return need
	}
	return rate
}

func (q *paceQueue) refill(now time.Time, rate int) {
	if now.After(q.last) {
		q.tokens += now.Sub(q.last).Seconds() * float64(rate) / 8
		q.last = now
	}
	if limit := paceBurst.Seconds() * float64(rate) / 8; q.tokens > limit {
		q.tokens = limit
	}
}
