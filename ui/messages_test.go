package ui

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"confer/app"
)

// Each refusal a join can meet reads as a sentence that says what to do.
func TestJoinFailuresReadAsSentences(t *testing.T) {
	cert := &app.CertificateError{Addr: "10.0.0.5:7880", Reason: "it is self-signed or from an authority this computer does not know",
		Err: errors.New("x509: certificate signed by unknown authority")}
	for err, want := range map[error]string{
		&app.TooManyAttemptsError{RetryAfter: 5500 * time.Millisecond}: "Too many wrong passwords from this computer. Try again in 6 seconds.",
		&app.TooManyAttemptsError{}:                                    "Too many wrong passwords from this computer. Wait a minute and try again.",
		fmt.Errorf("join: %w", cert):                                   "The certificate of the server at 10.0.0.5:7880 is not trusted: it is self-signed or from an authority this computer does not know.",
		app.ErrWrongPassword:                                           "Wrong password for this server. Ask the host for the right one.",
	} {
		if got := joinFailure(err); got != want {
			t.Errorf("%v:\n got %q\nwant %q", err, got, want)
		}
	}
	if got := joinFailure(app.ErrServerUsesTLS); !strings.Contains(got, "wss://") {
		t.Errorf("a TLS server dialled with ws://: %q", got)
	}
}
