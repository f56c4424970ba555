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

// Receive reads an Opus track until it ends, decoding into sink 20 ms at a
// time. Lost packets are rebuilt from the next packet's in-band FEC where
// possible and concealed otherwise, so the sink sees a continuous stream.
func Receive(track media.PacketReader, sink media.PCMSink) error {
	dec, err := codec.NewOpusDecoder(media.Channels)
	if err != nil {
		return err
	}
	defer dec.Close()
	buf := make([]byte, 1500)
	pcm := make([]int16, 6*media.FrameSamples) // room for Opus' longest frame
	var pkt rtp.Packet
	var next uint16
	started := false
	c := &counted{sink: sink}
	c.obs, _ = sink.(media.AudioStatsObserver)
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
		if started {
			gap := int16(pkt.SequenceNumber - next)
			if gap < 0 {
				continue // late or duplicate
			}
			if gap > 0 && gap <= maxConcealed {
				conceal(dec, pkt.Payload, int(gap), pcm[:media.FrameSamples], c)
			}
		}
		started = true
		next = pkt.SequenceNumber + 1
		if n, err := dec.Decode(pkt.Payload, pcm); err == nil {
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
	sink media.PCMSink
	obs  media.AudioStatsObserver
	st   media.AudioReceiveStats
}

func (c *counted) WritePCM(pcm []int16) {
	c.st.Frames++
	c.sink.WritePCM(pcm)
	if c.obs != nil && c.st.Frames%statsEvery == 0 {
		c.obs.AudioStats(c.st)
	}
}
