package livekit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/livekit/server-sdk-go/v2/signalling"

	"confer/app"
)

// dialError turns a failure to reach the server into app.UnreachableError.
func dialError(ctx context.Context, serverURL string, err error) error {
	// A client's own timer can run out a moment before ctx's (same 10 s,
	// started later): its "deadline exceeded" is the same silence.
	if answerWait(ctx) > 0 && errors.Is(err, context.DeadlineExceeded) {
		return &app.NoAnswerError{Addr: app.HostPort(serverURL), Wait: answerWait(ctx)}
	}
	if ctx.Err() != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return &app.NoAnswerError{Addr: app.HostPort(serverURL), Wait: answerWait(ctx)}
		}
		return app.ErrJoinCancelled
	}
	if e := certificateError(serverURL, err); e != nil {
		return e
	}
	var opErr *net.OpError
	var dnsErr *net.DNSError
	if errors.As(err, &opErr) || errors.As(err, &dnsErr) || errors.Is(err, io.EOF) ||
		errors.Is(err, signalling.ErrCannotDialSignal) {
		return &app.UnreachableError{Addr: app.HostPort(serverURL), Err: err}
	}
	return err
}

type answerWaitKey struct{}

// AnswerWithin bounds ctx by d, and remembers d so that a server that
// took the connection and never answered is reported with how long it had
// (app.NoAnswerError) rather than as an expired context.
func AnswerWithin(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithValue(ctx, answerWaitKey{}, d), d)
}

// answerWait is the d of AnswerWithin, 0 for another context.
func answerWait(ctx context.Context) time.Duration {
	d, _ := ctx.Value(answerWaitKey{}).(time.Duration)
	return d
}

// joinError explains a failed join in the terms of app's errors. The SDK
// gives the server's verdict only as text, so the verdict is asked again,
// by status code, from the server's validate endpoint: 401 is a token the
// server does not accept, 503 a server at its limits, and a token that
// validates but cannot join means the room refused (LiveKit reports a full
// room no other way).
func joinError(ctx context.Context, url, token string, err error) error {
	if e := tlsDialError(ctx, url, token, err); e != nil {
		return e
	}
	if e := dialError(ctx, url, err); e != err {
		return e
	}
	status, verr := validateStatus(ctx, url, token)
	if verr != nil {
		return dialError(ctx, url, verr)
	}
	switch status {
	case http.StatusUnauthorized, http.StatusForbidden:
		if c, err := app.ReadToken(token); err == nil && !c.Expires.IsZero() && !time.Now().Before(c.Expires) {
			return app.ErrTokenExpired
		}
		return app.ErrTokenInvalid
	case http.StatusServiceUnavailable, http.StatusTooManyRequests:
		return app.ErrServerFull
	case http.StatusOK:
		return app.ErrJoinRefused
	}
	return fmt.Errorf("the server refused the join (HTTP %d): %w", status, err)
}

// validateStatus asks LiveKit's validate endpoint about a token.
func validateStatus(ctx context.Context, url, token string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, httpURL(url)+"/rtc/validate", nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Close = true // one request per failed join: keep no idle connection behind
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return resp.StatusCode, nil
}
