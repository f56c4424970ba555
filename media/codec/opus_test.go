package codec

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"confer/media"
)

// sine returns n samples of a sine at freq Hz and the given peak amplitude.
func sine(n int, freq, amp float64) []int16 {
	s := make([]int16, n)
	for i := range s {
		s[i] = int16(amp * math.Sin(2*math.Pi*freq*float64(i)/media.SampleRate))
	}
	return s
}

// goertzel returns the signal power at freq Hz.
func goertzel(x []int16, freq float64) float64 {
	c := 2 * math.Cos(2*math.Pi*freq/media.SampleRate)
	var s1, s2 float64
	for _, v := range x {
		s0 := float64(v) + c*s1 - s2
		s2, s1 = s1, s0
	}
	return s1*s1 + s2*s2 - c*s1*s2
}

// dominant scans lo..hi Hz in 1 Hz steps and returns the strongest frequency.
func dominant(x []int16, lo, hi float64) float64 {
	best, bestP := lo, -1.0
	for f := lo; f <= hi; f++ {
		if p := goertzel(x, f); p > bestP {
			best, bestP = f, p
		}
	}
	return best
}

func rms(x []int16) float64 {
	var s float64
	for _, v := range x {
		s += float64(v) * float64(v)
	}
	return math.Sqrt(s / float64(len(x)))
}

func newTestOpus(t testing.TB, app OpusApplication, bitrate int) (*OpusEncoder, *OpusDecoder) {
	t.Helper()
	enc, err := NewOpusEncoder(media.Channels, app, bitrate)
	if err != nil {
		t.Fatalf("NewOpusEncoder: %v", err)
	}
	t.Cleanup(enc.Close)
	dec, err := NewOpusDecoder(media.Channels)
	if err != nil {
		t.Fatalf("NewOpusDecoder: %v", err)
	}
	t.Cleanup(dec.Close)
	return enc, dec
}

func TestOpusSineRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name  string
		app   OpusApplication
		frame int
	}{
		{"voip-20ms", OpusVoIP, media.FrameSamples},
		{"voip-10ms", OpusVoIP, media.FrameSamples / 2},
		{"audio-20ms", OpusAudio, media.FrameSamples},
		{"lowdelay-20ms", OpusLowDelay, media.FrameSamples},
	} {
		t.Run(tc.name, func(t *testing.T) {
			enc, dec := newTestOpus(t, tc.app, 32000)
			in := sine(media.SampleRate, 440, 8000) // 1 s
			out := make([]int16, 0, len(in))
			pkt := make([]byte, OpusMaxPacket)
			pcm := make([]int16, OpusMaxFrameSamples)
			var bytes int
			for off := 0; off+tc.frame <= len(in); off += tc.frame {
				p, err := enc.Encode(in[off:off+tc.frame], pkt)
				if err != nil {
					t.Fatalf("Encode at %d: %v", off, err)
				}
				bytes += len(p)
				n, err := dec.Decode(p, pcm)
				if err != nil {
					t.Fatalf("Decode at %d: %v", off, err)
				}
				if n != tc.frame {
					t.Fatalf("Decode returned %d samples, want %d", n, tc.frame)
				}
				out = append(out, pcm[:n]...)
			}
			if len(out) != len(in) {
				t.Fatalf("decoded %d samples, want %d", len(out), len(in))
			}
			// Skip the codec's algorithmic delay and start-up.
			body := out[media.SampleRate/100:]
			f := dominant(body, 100, 4000)
			gain := 20 * math.Log10(rms(body)/rms(in[media.SampleRate/100:]))
			t.Logf("dominant %.0f Hz, level %+.2f dB, %d bytes/s", f, gain, bytes)
			if math.Abs(f-440) > 10 {
				t.Errorf("dominant frequency %.0f Hz, want 440 +- 10", f)
			}
			if math.Abs(gain) > 3 {
				t.Errorf("level changed by %.2f dB, want within 3 dB", gain)
			}
		})
	}
}

func TestOpusPLC(t *testing.T) {
	enc, dec := newTestOpus(t, OpusVoIP, 24000)
	pcm := make([]int16, media.FrameSamples)
	// Concealment works even before the first packet.
	if n, err := dec.Decode(nil, pcm); err != nil || n != media.FrameSamples {
		t.Fatalf("PLC on fresh decoder: %d, %v", n, err)
	}
	in := sine(10*media.FrameSamples, 300, 6000)
	pkt := make([]byte, OpusMaxPacket)
	for i := range 10 {
		p, err := enc.Encode(in[i*media.FrameSamples:(i+1)*media.FrameSamples], pkt)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := dec.Decode(p, pcm); err != nil {
			t.Fatal(err)
		}
	}
	n, err := dec.Decode(nil, pcm)
	if err != nil || n != media.FrameSamples {
		t.Fatalf("PLC: %d, %v; want %d samples", n, err, media.FrameSamples)
	}
	if rms(pcm) < 100 {
		t.Errorf("PLC after a tone is silent (rms %.0f); expected a continuation", rms(pcm))
	}
	if n, err := dec.Decode([]byte{}, pcm[:480]); err != nil || n != 480 {
		t.Errorf("PLC 10 ms with empty packet: %d, %v", n, err)
	}
	if _, err := dec.Decode(nil, pcm[:500]); !errors.Is(err, ErrBufferSize) {
		t.Errorf("PLC of 500 samples: %v, want ErrBufferSize", err)
	}
}

func TestOpusBadInput(t *testing.T) {
	enc, dec := newTestOpus(t, OpusVoIP, 24000)
	pcm := make([]int16, OpusMaxFrameSamples)
	// TOC 0xfb: 20 ms CELT fullband, mono, code 3; count byte: 63 frames = 1.26 s,
	// more than the 120 ms an Opus packet may hold.
	if _, err := dec.Decode([]byte{0xfb, 0x3f, 0, 0, 0}, pcm); !errors.Is(err, ErrCorrupt) {
		t.Errorf("invalid packet: %v, want ErrCorrupt", err)
	}
	// Code 2 (two frames, explicit size) whose first-frame size points past
	// the end of the packet.
	if _, err := dec.Decode([]byte{0x02, 200, 1, 2}, pcm); !errors.Is(err, ErrCorrupt) {
		t.Errorf("overlong frame length: %v, want ErrCorrupt", err)
	}
	// Random bytes: Opus' framing is permissive, so many are "valid"; none
	// may crash, and errors must be of the documented kinds.
	rng := rand.New(rand.NewPCG(7, 8))
	var rejected int
	for range 5000 {
		b := make([]byte, 1+rng.IntN(400))
		for j := range b {
			b[j] = byte(rng.Uint32())
		}
		n, err := dec.Decode(b, pcm)
		switch {
		case err == nil:
			if n <= 0 || n > OpusMaxFrameSamples {
				t.Fatalf("garbage decoded to %d samples", n)
			}
		case errors.Is(err, ErrCorrupt):
			rejected++
		default:
			t.Fatalf("garbage: unexpected error %v", err)
		}
	}
	t.Logf("%d of 5000 random packets rejected", rejected)
	if rejected == 0 {
		t.Error("no random packet was rejected")
	}

	// A 20 ms packet does not fit a 10 ms buffer.
	p, err := enc.Encode(sine(media.FrameSamples, 440, 5000), make([]byte, OpusMaxPacket))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dec.Decode(p, pcm[:480]); !errors.Is(err, ErrBufferSize) {
		t.Errorf("decode 20 ms into 10 ms: %v, want ErrBufferSize", err)
	}
	if _, err := dec.Decode(p, nil); !errors.Is(err, ErrBufferSize) {
		t.Errorf("decode into nil: %v, want ErrBufferSize", err)
	}
	for _, n := range []int{0, 1, 959, 961, 6000} {
		if _, err := enc.Encode(make([]int16, n), make([]byte, OpusMaxPacket)); !errors.Is(err, ErrBufferSize) {
			t.Errorf("Encode %d samples: %v, want ErrBufferSize", n, err)
		}
	}
	if _, err := enc.Encode(make([]int16, media.FrameSamples), nil); !errors.Is(err, ErrBufferSize) {
		t.Errorf("Encode into nil dst: %v, want ErrBufferSize", err)
	}
	if _, err := dec.DecodeFEC(nil, pcm[:960]); !errors.Is(err, ErrInvalidArg) {
		t.Errorf("DecodeFEC(nil): %v, want ErrInvalidArg", err)
	}
	for _, ch := range []int{0, 3} {
		if _, err := NewOpusEncoder(ch, OpusVoIP, 0); !errors.Is(err, ErrInvalidArg) {
			t.Errorf("NewOpusEncoder(%d channels): %v", ch, err)
		}
		if _, err := NewOpusDecoder(ch); !errors.Is(err, ErrInvalidArg) {
			t.Errorf("NewOpusDecoder(%d channels): %v", ch, err)
		}
	}
	if _, err := NewOpusEncoder(1, OpusApplication(9), 0); !errors.Is(err, ErrInvalidArg) {
		t.Errorf("bad application: %v", err)
	}
	if err := enc.SetBitrate(-5); !errors.Is(err, ErrInvalidArg) {
		t.Errorf("SetBitrate(-5): %v", err)
	}
	if err := enc.SetInbandFEC(true, 101); !errors.Is(err, ErrInvalidArg) {
		t.Errorf("SetInbandFEC(true, 101): %v", err)
	}
}

func TestOpusSetBitrate(t *testing.T) {
	enc, _ := newTestOpus(t, OpusAudio, 64000)
	in := sine(media.SampleRate, 440, 8000)
	rng := rand.New(rand.NewPCG(9, 10))
	for i := range in { // noise keeps the encoder busy at any bitrate
		in[i] += int16(rng.IntN(2001) - 1000)
	}
	avg := func(from int) float64 {
		pkt := make([]byte, OpusMaxPacket)
		var total int
		for k := range 25 {
			off := from + k*media.FrameSamples
			p, err := enc.Encode(in[off:off+media.FrameSamples], pkt)
			if err != nil {
				t.Fatal(err)
			}
			total += len(p)
		}
		return float64(total) / 25
	}
	high := avg(0)
	if err := enc.SetBitrate(12000); err != nil {
		t.Fatal(err)
	}
	low := avg(25 * media.FrameSamples)
	t.Logf("avg packet: %.0f bytes at 64 kbps, %.0f bytes at 12 kbps", high, low)
	// 64 kbps = 160 bytes/20 ms, 12 kbps = 30 bytes/20 ms.
	if high < 2.5*low {
		t.Errorf("SetBitrate had too little effect: %.0f vs %.0f bytes", high, low)
	}
}

// With in-band FEC, the frame lost before a packet is rebuilt from it far
// better than concealment guesses it.
func TestOpusFEC(t *testing.T) {
	enc, _ := newTestOpus(t, OpusVoIP, 32000)
	if err := enc.SetInbandFEC(true, 20); err != nil {
		t.Fatal(err)
	}
	// A speech-like signal: a glottal pulse train (harmonics falling at
	// 6 dB/octave) with gliding pitch, syllable-rate envelope and a little
	// breath noise. SILK only spends FEC bits on frames its VAD calls speech;
	// a pure tone does not qualify.
	const frames = 50
	in := make([]int16, frames*media.FrameSamples)
	rng := rand.New(rand.NewPCG(11, 12))
	var ph float64
	for i := range in {
		tt := float64(i) / media.SampleRate
		ph += (120 + 30*math.Sin(2*math.Pi*2*tt)) / media.SampleRate
		var v float64
		for h := 1.0; h <= 30; h++ {
			v += math.Sin(2*math.Pi*h*ph) / h
		}
		env := 0.5 + 0.5*math.Sin(2*math.Pi*4*tt)
		in[i] = int16(3000*v*env + float64(rng.IntN(201)-100))
	}
	var pkts [][]byte
	for i := range frames {
		p, err := enc.Encode(in[i*media.FrameSamples:(i+1)*media.FrameSamples], make([]byte, OpusMaxPacket))
		if err != nil {
			t.Fatal(err)
		}
		pkts = append(pkts, p)
	}

	// Reference: what a lossless receiver hears for frame lost.
	const lost = 30
	decodeWith := func(recover func(d *OpusDecoder, pcm []int16) (int, error)) []int16 {
		d, err := NewOpusDecoder(1)
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		pcm := make([]int16, media.FrameSamples)
		for i := range lost {
			if _, err := d.Decode(pkts[i], pcm); err != nil {
				t.Fatal(err)
			}
		}
		n, err := recover(d, pcm)
		if err != nil || n != media.FrameSamples {
			t.Fatalf("recovering frame %d: %d, %v", lost, n, err)
		}
		return pcm
	}
	ref := decodeWith(func(d *OpusDecoder, pcm []int16) (int, error) { return d.Decode(pkts[lost], pcm) })
	fec := decodeWith(func(d *OpusDecoder, pcm []int16) (int, error) { return d.DecodeFEC(pkts[lost+1], pcm) })
	plc := decodeWith(func(d *OpusDecoder, pcm []int16) (int, error) { return d.Decode(nil, pcm) })

	snr := func(x []int16) float64 {
		var sig, noise float64
		for i := range ref {
			d := float64(x[i]) - float64(ref[i])
			sig += float64(ref[i]) * float64(ref[i])
			noise += d * d
		}
		return 10 * math.Log10(sig/max(noise, 1))
	}
	t.Logf("lost frame vs lossless decode: FEC %.1f dB, PLC %.1f dB", snr(fec), snr(plc))
	if snr(fec) < snr(plc)+3 {
		t.Errorf("FEC recovery (%.1f dB) not clearly better than PLC (%.1f dB)", snr(fec), snr(plc))
	}
}

func TestOpusClosed(t *testing.T) {
	enc, dec := newTestOpus(t, OpusVoIP, 0)
	enc.Close()
	enc.Close()
	dec.Close()
	dec.Close()
	if _, err := enc.Encode(make([]int16, 960), make([]byte, 100)); !errors.Is(err, ErrClosed) {
		t.Errorf("Encode after Close: %v", err)
	}
	if err := enc.SetBitrate(20000); !errors.Is(err, ErrClosed) {
		t.Errorf("SetBitrate after Close: %v", err)
	}
	if _, err := dec.Decode(nil, make([]int16, 960)); !errors.Is(err, ErrClosed) {
		t.Errorf("Decode after Close: %v", err)
	}
}

func TestOpusNoAllocs(t *testing.T) {
	enc, dec := newTestOpus(t, OpusVoIP, 24000)
	in := sine(media.FrameSamples, 440, 5000)
	pkt := make([]byte, OpusMaxPacket)
	pcm := make([]int16, media.FrameSamples)
	bad := []byte{0xfb, 0x3f, 0}
	for _, tc := range []struct {
		name string
		fn   func()
	}{
		{"encode+decode", func() {
			p, err := enc.Encode(in, pkt)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := dec.Decode(p, pcm); err != nil {
				t.Fatal(err)
			}
		}},
		{"plc", func() {
			if _, err := dec.Decode(nil, pcm); err != nil {
				t.Fatal(err)
			}
		}},
		{"corrupt", func() {
			if _, err := dec.Decode(bad, pcm); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("bad packet: %v", err)
			}
		}},
	} {
		if a := testing.AllocsPerRun(100, tc.fn); a != 0 {
			t.Errorf("%s: %.1f allocs/op, want 0", tc.name, a)
		}
	}
}

func ExampleOpusDecoder_Decode() {
	enc, _ := NewOpusEncoder(media.Channels, OpusVoIP, 24000)
	defer enc.Close()
	dec, _ := NewOpusDecoder(media.Channels)
	defer dec.Close()

	pkt := make([]byte, OpusMaxPacket)
	pcm := make([]int16, OpusMaxFrameSamples*media.Channels)
	p, _ := enc.Encode(make([]int16, media.FrameSamples), pkt)
	n, _ := dec.Decode(p, pcm)
	fmt.Println("decoded", n)
	// A lost packet: conceal exactly one 20 ms frame.
	n, _ = dec.Decode(nil, pcm[:media.FrameSamples*media.Channels])
	fmt.Println("concealed", n)
	// Output:
	// decoded 960
	// concealed 960
}
