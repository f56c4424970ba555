package livekit

import (
	"errors"
	"testing"

	"confer/app"
	"confer/media/e2ee"
)

type report struct {
	state  app.Encryption
	failed int
}

func openerFor(t *testing.T, passphrase string, sif []byte) (*trackOpener, *[]report) {
	t.Helper()
	var got []report
	o := &trackOpener{codec: e2ee.VP8, sif: sif, report: func(s app.Encryption, n int) { got = append(got, report{s, n}) }}
	if passphrase != "" {
		ring, err := e2ee.NewPassphraseKeyRing(passphrase)
		if err != nil {
			t.Fatal(err)
		}
		o.open = e2ee.NewFrameCryptor(ring, 0)
		o.open.SetSIFTrailer(sif)
	}
	return o, &got
}

func sealedFrame(t *testing.T, passphrase string) []byte {
	t.Helper()
	ring, err := e2ee.NewPassphraseKeyRing(passphrase)
	if err != nil {
		t.Fatal(err)
	}
	frame := []byte{0x31, 0x01, 0x00, 1, 2, 3, 4, 5, 6, 7, 8} // a VP8 delta frame
	out, err := e2ee.NewFrameCryptor(ring, 9).Encrypt(nil, frame, e2ee.VP8, 3000)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// The opener reports a state when it changes, not per frame; a rising
// failure count at most once a second; and the server's blank frames,
// which pass whatever the key, say nothing about the sender's and are
// dropped, uncounted, on a track whose frames are refused.
func TestTheOpenerReportsChangesNotFrames(t *testing.T) {
	sif := []byte("the-room-trailer")
	blank := append([]byte{
		0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x08, 0x00, 0x08, 0x00, 0x00, 0x47, 0x08, 0x85, 0x85, 0x88,
		0x85, 0x84, 0x88, 0x02, 0x02, 0x00, 0x0c, 0x0d, 0x60, 0x00, 0xfe, 0xff, 0xab, 0x50, 0x80,
	}, sif...)
	o, got := openerFor(t, "ours", sif)
	good, bad := sealedFrame(t, "ours"), sealedFrame(t, "theirs")
	if _, err := o.decrypt(nil, blank); err != nil {
		t.Fatalf("the server's blank frame: %v", err)
	}
	for range 3 {
		if _, err := o.decrypt(nil, good); err != nil {
			t.Fatal(err)
		}
	}
	for range 3 {
		if _, err := o.decrypt(nil, bad); !errors.Is(err, e2ee.ErrDecrypt) {
			t.Fatalf("a frame of another passphrase: %v", err)
		}
	}
	if _, err := o.decrypt(nil, nil); err != nil {
		t.Fatalf("an empty frame: %v", err)
	}
	// Once the sender's frames are refused, the server's blank frames are
	// too: they would be played as the sender's picture or sound.
	if _, err := o.decrypt(nil, blank); err == nil {
		t.Fatal("the server's blank frame passed on a track whose frames are refused")
	}
	want := []report{{app.EncryptionOK, 0}, {app.EncryptionFailed, 1}}
	if len(*got) != len(want) || (*got)[0] != want[0] || (*got)[1] != want[1] {
		t.Fatalf("reports %v, want %v", *got, want)
	}
	if o.failed != 3 {
		t.Fatalf("%d frames counted failed, want 3", o.failed)
	}
}

func TestWithoutAKeyEveryFrameIsRefused(t *testing.T) {
	o, got := openerFor(t, "", nil)
	o.judge(app.EncryptionNoKey) // as opener does at once
	if _, err := o.decrypt(nil, sealedFrame(t, "theirs")); !errors.Is(err, e2ee.ErrNoKey) {
		t.Fatalf("err %v, want ErrNoKey", err)
	}
	if len(*got) != 1 || (*got)[0] != (report{app.EncryptionNoKey, 0}) || o.failed != 1 {
		t.Fatalf("reports %v, %d failed", *got, o.failed)
	}
}
