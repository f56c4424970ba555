package audio

import (
	"errors"
	"io"

	"github.com/pion/rtp"

	"confer/media"
	"confer/media/codec"
)

// maxConcealed is the most lost frames hidden by concealment at once; a
// longer gap is a pause in sending (mute, outage), not loss to hide.
const maxConcealed = 5

// statsEvery is how often an AudioStatsObserver sink hears the counters.
const statsEvery = 50 // frames: a second

// ReceiverConfig is what a receive pipeline does beside decoding.
type ReceiverConfig struct {
	// Decrypt, when set, undoes end-to-end encryption on every packet's
	// payload before it is decoded. A packet it refuses counts as lost.
	Decrypt media.Decrypt
}

// Receive reads an Opus track until it ends, decoding into sink 20 ms at a
// time. Lost packets are rebuilt from the next packet's in-band FEC where
// possible and concealed otherwise, so the sink sees a continuous stream.
func Receive(track media.PacketReader, sink media.PCMSink) error {
	return ReceiveWith(track, sink, ReceiverConfig{})
}

// ReceiveWith is Receive with a configuration.
func ReceiveWith(track media.PacketReader, sink media.PCMSink, cfg ReceiverConfig) error {
	dec, err := codec.NewOpusDecoder(media.Channels)
	if err != nil {
		return err
	}
	defer dec.Close()
	buf := make([]byte, 1500)
	pcm := make([]int16, 6*media.FrameSamples) // room for Opus' longest frame
	var pkt rtp.Packet
	var plain []byte // the decrypted payload, its buffer reused
	var next uint16
	started := false
	c := &counted{sink: sink}
	c.obs, _ = sink.(media.AudioStatsObserver)
	if rb, ok := track.(interface{ Rebuilt() int }); ok {
		c.redundant = rb.Rebuilt // a RED stream's copies (media/red)
	}
	for {
		n, err := track.Read(buf)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		if pkt.Unmarshal(buf[:n]) != nil || len(pkt.Payload) == 0 {
			continue
		}
		gap := int16(pkt.SequenceNumber - next)
		if started && gap < 0 {
			continue // late or duplicate
		}
		payload := pkt.Payload
		if cfg.Decrypt != nil {
			out, err := cfg.Decrypt(plain[:0], payload)
			if err != nil {
				continue // as if lost: the next packet conceals it
			}
			plain, payload = out, out
		}
		if started && gap > 0 && gap <= maxConcealed {
			conceal(dec, payload, int(gap), pcm[:media.FrameSamples], c)
		}
		started = true
		next = pkt.SequenceNumber + 1
		if n, err := dec.Decode(payload, pcm); err == nil {
			c.WritePCM(pcm[:n*media.Channels])
		}
	}
}

// conceal fills lost frames: plain concealment for all but the last, which
// the next packet's FEC data describes.
func conceal(dec *codec.OpusDecoder, next []byte, lost int, pcm []int16, sink *counted) {
	for i := 0; i < lost-1; i++ {
		if n, err := dec.Decode(nil, pcm); err == nil {
			sink.st.Concealed++
			sink.WritePCM(pcm[:n])
		}
	}
	if n, err := dec.DecodeFEC(next, pcm); err == nil {
		sink.st.Recovered++
		sink.WritePCM(pcm[:n])
	}
}

// counted passes frames on and counts them for a stats observer.
type counted struct {
	sink      media.PCMSink
	obs       media.AudioStatsObserver
	st        media.AudioReceiveStats
	redundant func() int // nil unless the track is RED
}

func (c *counted) WritePCM(pcm []int16) {
	c.st.Frames++
	c.sink.WritePCM(pcm)
	if c.obs != nil && c.st.Frames%statsEvery == 0 {
		if c.redundant != nil {
			c.st.Redundant = c.redundant()
		}
		c.obs.AudioStats(c.st)
	}
}
