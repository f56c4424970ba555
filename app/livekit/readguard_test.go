package livekit

import (
	"io"
	"log/slog"
	"testing"

	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/nack"
	rtcpreport "github.com/pion/interceptor/pkg/report"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
)

// feed is a stream that gives its packets one by one, then io.EOF.
type feed [][]byte

func (f *feed) next(b []byte) (int, error) {
	if len(*f) == 0 {
		return 0, io.EOF
	}
	p := (*f)[0]
	*f = (*f)[1:]
	if p == nil {
		return 0, &timeoutErr{}
	}
	return copy(b, p), nil
}

type timeoutErr struct{}

func (*timeoutErr) Error() string   { return "deadline" }
func (*timeoutErr) Timeout() bool   { return true }
func (*timeoutErr) Temporary() bool { return true }

// chainOf is pion's NACK responder and receiver reports, with the guard
// outermost when guarded, as the call builds them.
func chainOf(t *testing.T, guarded bool) interceptor.Interceptor {
	t.Helper()
	responder, err := nack.NewResponderInterceptor()
	if err != nil {
		t.Fatal(err)
	}
	reports, err := rtcpreport.NewReceiverInterceptor()
	if err != nil {
		t.Fatal(err)
	}
	fs := []interceptor.Factory{responder, reports}
	if guarded {
		fs = append(fs, readGuard{log: slog.New(slog.DiscardHandler)})
	}
	var ics []interceptor.Interceptor
	for _, f := range fs {
		ic, err := f.NewInterceptor("")
		if err != nil {
			t.Fatal(err)
		}
		ics = append(ics, ic)
	}
	return interceptor.NewChain(ics)
}

func mustMarshal(t *testing.T, p interface{ Marshal() ([]byte, error) }) []byte {
	t.Helper()
	b, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// An RTCP packet the interceptors cannot parse is dropped, and the PLI
// after it still reaches the track: without the guard, the read fails,
// and the SDK would stop reading that layer's RTCP for good.
func TestUnreadableRTCPDoesNotEndATracksRTCP(t *testing.T) {
	pli := mustMarshal(t, &rtcp.PictureLossIndication{MediaSSRC: 7})
	// A header that claims more than the packet holds.
	broken := []byte{0x81, 0xc9, 0x00, 0x20, 0, 0, 0, 1}
	for _, guarded := range []bool{false, true} {
		in := feed{broken, pli}
		r := chainOf(t, guarded).BindRTCPReader(interceptor.RTCPReaderFunc(
			func(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
				n, err := in.next(b)
				return n, a, err
			}))
		b := make([]byte, 1500)
		n, _, err := r.Read(b, nil)
		if !guarded {
			if err == nil {
				t.Fatal("unguarded, the broken packet read without an error: this test shows nothing")
			}
			continue
		}
		if err != nil {
			t.Fatalf("guarded read: %v", err)
		}
		pkts, err := rtcp.Unmarshal(b[:n])
		if err != nil || len(pkts) != 1 {
			t.Fatalf("read %d bytes that are not the PLI: %v", n, err)
		}
		if _, ok := pkts[0].(*rtcp.PictureLossIndication); !ok {
			t.Fatalf("read %T, want the PLI", pkts[0])
		}
		if _, _, err := r.Read(b, nil); err != io.EOF {
			t.Errorf("at the end: %v, want io.EOF", err)
		}
	}
}

// On the receive side a packet no interceptor can read is dropped, while a
// deadline and the stream's end come through as they are: the receive
// pipeline wakes on the one and stops on the other.
func TestUnreadableRTPIsDroppedButDeadlinesComeThrough(t *testing.T) {
	good := mustMarshal(t, &rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: 5, SSRC: 7}, Payload: []byte{1, 2, 3}})
	in := feed{{0x80}, nil, {0x90, 0x60}, good}
	info := &interceptor.StreamInfo{SSRC: 7, ClockRate: 90000, MimeType: "video/VP8"}
	r := chainOf(t, true).BindRemoteStream(info, interceptor.RTPReaderFunc(
		func(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
			n, err := in.next(b)
			return n, a, err
		}))
	b := make([]byte, 1500)
	if _, _, err := r.Read(b, nil); !streamEnded(err) || err == io.EOF {
		t.Fatalf("first read: %v, want the deadline", err)
	}
	n, _, err := r.Read(b, nil)
	var p rtp.Packet
	if err != nil || p.Unmarshal(b[:n]) != nil || p.SequenceNumber != 5 {
		t.Fatalf("second read: %d bytes, %v; want packet 5", n, err)
	}
	if _, _, err := r.Read(b, nil); err != io.EOF {
		t.Errorf("at the end: %v, want io.EOF", err)
	}
}

// A stream of nothing but unreadable packets ends rather than spinning.
func TestEndlessUnreadablePacketsEndTheStream(t *testing.T) {
	var in feed
	for range maxSkipped + 2 {
		in = append(in, []byte{0x80})
	}
	in = append(in, mustMarshal(t, &rtcp.PictureLossIndication{MediaSSRC: 7}))
	r := chainOf(t, true).BindRTCPReader(interceptor.RTCPReaderFunc(
		func(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
			n, err := in.next(b)
			return n, a, err
		}))
	if _, _, err := r.Read(make([]byte, 1500), nil); err == nil || streamEnded(err) {
		t.Errorf("after %d unreadable packets: %v, want their error", maxSkipped+1, err)
	}
}
