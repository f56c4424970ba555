package livekit

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/websocket"

	"confer/app"
)

// Errors of the connection that are not about the join itself.
var (
	ErrServerGone     = errors.New("the room server stopped")
	ErrConnectionLost = errors.New("the connection to the room server was lost")
)

// dialError turns a failure to reach the server into app.UnreachableError.
func dialError(ctx context.Context, serverURL string, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var opErr *net.OpError
	var dnsErr *net.DNSError
	if errors.As(err, &opErr) || errors.As(err, &dnsErr) || errors.Is(err, io.EOF) {
		return &app.UnreachableError{Addr: app.HostPort(serverURL), Err: err}
	}
	return err
}

// joinError explains a failed join. The SDK reports a refused websocket as a
// bare "bad handshake"; the server's validate endpoint says why.
func joinError(ctx context.Context, serverURL, token string, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if !errors.Is(err, websocket.ErrBadHandshake) {
		if e := dialError(ctx, serverURL, err); e != err {
			return e
		}
		return mapMessage(err.Error(), err)
	}
	status, body, verr := validate(ctx, serverURL, token)
	if verr != nil {
		return dialError(ctx, serverURL, verr)
	}
	switch {
	case status == http.StatusUnauthorized && strings.Contains(body, "expired"):
		return app.ErrTokenExpired
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return app.ErrTokenInvalid
	case status == http.StatusServiceUnavailable:
		return app.ErrServerFull
	}
	return mapMessage(body, err)
}

// mapMessage recognises the server's own words for a full room or node.
func mapMessage(msg string, fallback error) error {
	switch {
	case strings.Contains(msg, "max participants"):
		return app.ErrRoomFull
	case strings.Contains(msg, "exceeded its configured limit"):
		return app.ErrServerFull
	}
	return fallback
}

// validate asks the server's /rtc/validate why it would refuse this token.
func validate(ctx context.Context, serverURL, token string) (int, string, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, httpURL(serverURL)+"/rtc/validate", nil)
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Close = true
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return resp.StatusCode, string(body), nil
}
