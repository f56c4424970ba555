package livekit_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"confer/app"
	"confer/app/host"
	"confer/internal/testcert"
	"confer/internal/testenv"
)

// Wrong passwords, then the endpoint's limit: each refusal reaches the
// person as a sentence saying what to do.
func TestTooManyWrongPasswordsSaysWhenToTryAgain(t *testing.T) {
	srv := testenv.StartServer(t, func(c *host.Config) { c.Password = "sesame" })
	p := app.JoinParams{ServerURL: srv.URL(), RoomID: "room-1", UserID: "ana", Name: "Ana", Password: "guess"}
	for i := range 10 {
		if err := joinOnce(t, p); !errors.Is(err, app.ErrWrongPassword) {
			t.Fatalf("wrong password %d: %v", i+1, err)
		}
	}
	p.Password = "sesame" // too late: this address is refused for a while
	err := joinOnce(t, p)
	var te *app.TooManyAttemptsError
	if !errors.As(err, &te) || te.RetryAfter <= 0 || te.RetryAfter > time.Minute {
		t.Fatalf("after 10 wrong passwords: %v; want TooManyAttemptsError with a wait", err)
	}
	if !strings.Contains(err.Error(), "too many wrong passwords from this computer: try again in ") {
		t.Fatalf("message %q", err)
	}
}

func TestTLSMistakesAreExplained(t *testing.T) {
	cert := testcert.SelfSigned(t)
	tlsSrv := testenv.StartServer(t, func(c *host.Config) { c.TLSCertFile, c.TLSKeyFile = cert.CertFile, cert.KeyFile })
	plain := testenv.StartServer(t)
	if !strings.HasPrefix(tlsSrv.URL(), "wss://") {
		t.Fatalf("TLS server at %q", tlsSrv.URL())
	}
	addr := strings.TrimPrefix(tlsSrv.URL(), "wss://")
	p := app.JoinParams{ServerURL: tlsSrv.URL(), RoomID: "room-1", UserID: "ana", Name: "Ana"}

	// A self-signed certificate nobody said to trust.
	for name, tok := range map[string]string{"from the endpoint": "", "with a token": token(t, testenv.Keys, "room-1", "ana", time.Hour)} {
		q := p
		q.Token = tok
		err := joinOnce(t, q)
		var ce *app.CertificateError
		if !errors.As(err, &ce) || ce.Addr != addr {
			t.Fatalf("%s: %v; want a CertificateError for %s", name, err, addr)
		}
		if msg := err.Error(); !strings.Contains(msg, "is not trusted") || !strings.Contains(msg, "--ca-cert") {
			t.Fatalf("%s: message %q does not say the certificate is not trusted and what to do", name, msg)
		}
	}

	q := p
	q.ServerURL = "ws://" + addr
	if err := joinOnce(t, q); !errors.Is(err, app.ErrServerUsesTLS) {
		t.Fatalf("ws:// to a TLS server: %v; want %v", err, app.ErrServerUsesTLS)
	}
	q.ServerURL = "wss://" + strings.TrimPrefix(plain.URL(), "ws://")
	if err := joinOnce(t, q); !errors.Is(err, app.ErrServerNoTLS) {
		t.Fatalf("wss:// to a plain server: %v; want %v", err, app.ErrServerNoTLS)
	}
}
