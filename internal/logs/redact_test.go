package logs

import (
	"bytes"
	"errors"
	"log/slog"
	"net/url"
	"strings"
	"testing"
)

const jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbmEifQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ"

// answer stands for what the SDK logs of a refused join: an HTTP response,
// written by the handler with %+v.
type answer struct {
	Status string
	Body   string
}

func TestNoTokenOrSecretReachesTheLog(t *testing.T) {
	var out bytes.Buffer
	log := New(&out, slog.LevelDebug, "s3cret-key", "open sesame")
	u := "ws://h:7880/rtc?access_token=" + url.QueryEscape("opaque-token") + "&auto_subscribe=1"
	log.Error("invalid token: "+jwt, "err", errors.New("unauthorized: invalid token: "+jwt))
	log.Warn("dial", "url", u, "resp", &answer{"401", "invalid token: " + jwt})
	log.With("password", "open sesame").Info("joined", slog.Group("keys", "secret", "s3cret-key"))
	log.Debug("config", "keys", map[string]string{"APIkey": "s3cret-key"})

	got := out.String()
	for _, secret := range []string{"eyJ", "opaque-token", "s3cret-key", "open sesame", "sesame"} {
		if strings.Contains(got, secret) {
			t.Errorf("the log has %q:\n%s", secret, got)
		}
	}
	if n := strings.Count(got, Mask); n != 7 {
		t.Errorf("%d masks, want one per token or secret:\n%s", n, got)
	}
	if !strings.Contains(got, "auto_subscribe=1") || !strings.Contains(got, "Status:401") {
		t.Errorf("more than the secrets went:\n%s", got)
	}
}

func TestALogWithoutSecretsIsUnchanged(t *testing.T) {
	var plain, redacted bytes.Buffer
	write := func(log *slog.Logger) {
		log.Info("joined", "room", "r1", "n", 3, "err", errors.New("eyes on the road"), "resp", &answer{"200", "ok"})
	}
	write(slog.New(slog.NewTextHandler(&plain, nil)))
	write(New(&redacted, slog.LevelInfo, "unused"))
	strip := func(s string) string { return s[strings.Index(s, " level="):] }
	if strip(plain.String()) != strip(redacted.String()) {
		t.Errorf("redaction changed a clean record:\n%s%s", plain.String(), redacted.String())
	}
}
