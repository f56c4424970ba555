package livekit

import (
	"io"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	lksdk "github.com/livekit/server-sdk-go/v2"
	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"confer/media/red"
)

// redTrack is the microphone's track. Where the server took audio/red for
// it, each Opus packet goes out with copies of the one or two before it
// (media/red): the server rebuilds what the uplink lost for receivers of
// plain Opus, and passes the copies on to receivers that take RED (Confer
// and browsers), whose own downlink losses they then cover. Plain Opus
// otherwise: a server that does not take RED, or an encrypted call (e2ee.go).
//
// The SDK's LocalTrack inside does the rest: the RTP clock from capture
// times, sequence numbers, mute. It has no packetizer for audio/red, so
// redTrack binds it to the transceiver's Opus with a writer that wraps
// each packet on its way out. The SDK reads the RTCP of a track that is
// not its own LocalTrack itself (LocalTrackPublication.readRTCP), so the
// LocalTrack is given an RTCP reader that only ends (two readers would
// each get some of the packets), and the microphone's reports come from
// the call's RTCP tap (rtcptap.go).
type redTrack struct {
	*lksdk.LocalTrack
	codec  webrtc.RTPCodecCapability // audio/red, as registered
	taps   *rtcpTaps
	onRTCP func(rtcp.Packet)
	loss   atomic.Int32 // the uplink's loss in percent, from receiver reports

	mu    sync.Mutex
	bound map[string]*endReader // by binding ID
}

func newREDTrack(inner *lksdk.LocalTrack, codec webrtc.RTPCodecCapability, taps *rtcpTaps, onRTCP func(rtcp.Packet)) *redTrack {
	return &redTrack{LocalTrack: inner, codec: codec, taps: taps, onRTCP: onRTCP, bound: map[string]*endReader{}}
}

// Codec is what the SDK puts first in the transceiver's preferences.
func (t *redTrack) Codec() webrtc.RTPCodecCapability { return t.codec }

// Bind implements webrtc.TrackLocal.
func (t *redTrack) Bind(ctx webrtc.TrackLocalContext) (webrtc.RTPCodecParameters, error) {
	inner := &innerContext{TrackLocalContext: ctx, rtcp: newEndReader(), w: ctx.WriteStream()}
	redCodec, opusPT, useRED := redOf(ctx.CodecParameters())
	if useRED {
		inner.w = &redWriter{next: ctx.WriteStream(), enc: red.NewEncoder(opusPT), pt: uint8(redCodec.PayloadType), distance: t.distance}
	}
	codec, err := t.LocalTrack.Bind(inner)
	if err != nil {
		inner.rtcp.Close()
		return codec, err
	}
	t.mu.Lock()
	t.bound[ctx.ID()] = inner.rtcp
	t.mu.Unlock()
	t.taps.set(uint32(ctx.SSRC()), t.onRTCP)
	if useRED {
		return redCodec, nil
	}
	return codec, nil
}

// Unbind implements webrtc.TrackLocal.
func (t *redTrack) Unbind(ctx webrtc.TrackLocalContext) error {
	t.taps.set(uint32(ctx.SSRC()), nil)
	t.mu.Lock()
	if r := t.bound[ctx.ID()]; r != nil {
		r.Close()
		delete(t.bound, ctx.ID())
	}
	t.mu.Unlock()
	return t.LocalTrack.Unbind(ctx)
}

// noteLoss takes the uplink's loss from a receiver report (-1: none).
func (t *redTrack) noteLoss(pct int) {
	if pct >= 0 {
		t.loss.Store(int32(pct))
	}
}

// distance is how many earlier packets each one carries: one always, as
// libwebrtc sends, since a lone loss on any receiver's downlink (which no
// report here shows) then costs nothing; two while the uplink loses a
// tenth or more, when losses come two in a row often enough to hear.
func (t *redTrack) distance() int {
	if t.loss.Load() >= 10 {
		return 2
	}
	return 1
}

// redOf finds audio/red among the negotiated codecs, with the payload
// type of the Opus it carries; only RED of Opus alone ("111/111") counts.
func redOf(codecs []webrtc.RTPCodecParameters) (webrtc.RTPCodecParameters, uint8, bool) {
	var opus webrtc.PayloadType
	for _, c := range codecs {
		if strings.EqualFold(c.MimeType, webrtc.MimeTypeOpus) {
			opus = c.PayloadType
			break
		}
	}
	if opus == 0 {
		return webrtc.RTPCodecParameters{}, 0, false
	}
	want := strconv.Itoa(int(opus)) + "/" + strconv.Itoa(int(opus))
	for _, c := range codecs {
		if strings.EqualFold(c.MimeType, mimeTypeRED) && c.SDPFmtpLine == want {
			return c, uint8(opus), true
		}
	}
	return webrtc.RTPCodecParameters{}, 0, false
}

const mimeTypeRED = "audio/red"

// innerContext is the binding the LocalTrack inside sees: the real one,
// with the RED writer and an RTCP reader that only ends.
type innerContext struct {
	webrtc.TrackLocalContext
	w    webrtc.TrackLocalWriter
	rtcp *endReader
}

func (c *innerContext) WriteStream() webrtc.TrackLocalWriter { return c.w }
func (c *innerContext) RTCPReader() interceptor.RTCPReader   { return c.rtcp }

// redWriter wraps each Opus packet the LocalTrack writes in RED. The
// LocalTrack writes one packet at a time, under its own lock.
type redWriter struct {
	next     webrtc.TrackLocalWriter
	enc      *red.Encoder
	pt       uint8
	distance func() int
	buf      []byte
	pkt      rtp.Packet
}

func (w *redWriter) WriteRTP(h *rtp.Header, payload []byte) (int, error) {
	w.buf = w.enc.Encode(w.buf[:0], h.SequenceNumber, h.Timestamp, payload, w.distance())
	hdr := *h
	hdr.PayloadType = w.pt
	return w.next.WriteRTP(&hdr, w.buf)
}

func (w *redWriter) Write(b []byte) (int, error) {
	if err := w.pkt.Unmarshal(b); err != nil {
		return 0, err
	}
	return w.WriteRTP(&w.pkt.Header, w.pkt.Payload)
}

// endReader is an RTCP reader that gives nothing and ends when closed.
type endReader struct {
	once sync.Once
	done chan struct{}
}

func newEndReader() *endReader { return &endReader{done: make(chan struct{})} }

func (r *endReader) Read([]byte, interceptor.Attributes) (int, interceptor.Attributes, error) {
	<-r.done
	return 0, nil, io.EOF
}

func (r *endReader) Close() { r.once.Do(func() { close(r.done) }) }
