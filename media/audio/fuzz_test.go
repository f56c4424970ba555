package audio

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/pion/rtp"

	"confer/media"
	"confer/media/codec"
	"confer/media/mediatest"
	"confer/media/synth"
)

// A fuzz input is a list of packets as they come off the network: each
// its length (2 bytes, big-endian) then its bytes; at most 200 of at most
// 1500 bytes, so one input is bounded work.
func feedOf(data []byte) (*mediatest.Feed, int) {
	f := &mediatest.Feed{}
	n := 0
	for len(data) >= 2 && n < 200 {
		size := min(int(binary.BigEndian.Uint16(data)), len(data)-2, 1500)
		f.AddRaw(data[2 : 2+size])
		data = data[2+size:]
		n++
	}
	return f, n
}

// recordedPackets are a real Opus stream's RTP packets, with FEC on.
func recordedPackets(tb testing.TB, n int) [][]byte {
	tb.Helper()
	enc, err := codec.NewOpusEncoder(media.Channels, codec.OpusVoIP, 32000)
	if err != nil {
		tb.Fatal(err)
	}
	defer enc.Close()
	_ = enc.SetInbandFEC(true, 10)
	tone := synth.Tone{Freq: 440, Amplitude: 0.3}
	pcm := make([]int16, media.FrameSamples*media.Channels)
	var out [][]byte
	for i := range n {
		tone.Fill(pcm, time.Unix(1000, 0).Add(time.Duration(i)*media.FrameTime))
		data, err := enc.Encode(pcm, make([]byte, codec.OpusMaxPacket))
		if err != nil {
			tb.Fatal(err)
		}
		p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 111, SequenceNumber: uint16(65533 + i), Timestamp: uint32(i * 960)}, Payload: data}
		b, _ := p.Marshal()
		out = append(out, b)
	}
	return out
}

// FuzzReceive runs the receive pipeline, RTP to Opus decoder with FEC and
// concealment, on hostile packets. It must end when the packets do and
// give at most what the packets can account for: per packet, the frames
// concealed before it and its own, up to 120 ms.
func FuzzReceive(f *testing.F) {
	pkts := recordedPackets(f, 8)
	var clean, lossy []byte
	for i, p := range pkts {
		clean = binary.BigEndian.AppendUint16(clean, uint16(len(p)))
		clean = append(clean, p...)
		if i != 3 && i != 5 {
			lossy = binary.BigEndian.AppendUint16(lossy, uint16(len(p)))
			lossy = append(lossy, p...)
		}
	}
	f.Add(clean)
	f.Add(lossy)
	f.Fuzz(func(t *testing.T, data []byte) {
		feed, packets := feedOf(data)
		samples := 0
		sink := media.PCMSinkFunc(func(pcm []int16) {
			if len(pcm) == 0 || len(pcm) > codec.OpusMaxFrameSamples*media.Channels || len(pcm)%media.Channels != 0 {
				t.Fatalf("a chunk of %d samples", len(pcm))
			}
			samples += len(pcm) / media.Channels
		})
		if err := Receive(feed, sink); err != nil {
			t.Fatalf("Receive: %v", err)
		}
		if most := packets * (maxConcealed*media.FrameSamples + codec.OpusMaxFrameSamples); samples > most {
			t.Fatalf("%d samples from %d packets; at most %d", samples, packets, most)
		}
	})
}
