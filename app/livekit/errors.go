package livekit

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"

	lksdk "github.com/livekit/server-sdk-go/v2"
	"github.com/livekit/server-sdk-go/v2/signalling"

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
	if errors.As(err, &opErr) || errors.As(err, &dnsErr) || errors.Is(err, io.EOF) ||
		errors.Is(err, signalling.ErrCannotDialSignal) {
		return &app.UnreachableError{Addr: app.HostPort(serverURL), Err: err}
	}
	return err
}

// joinError explains a failed join in the terms of app's errors. The SDK
// already asks the server's validate endpoint when the websocket is refused
// and returns its verdict as text; a refusal validate cannot explain (a full
// room, as LiveKit reports it) comes back as ErrCannotConnectSignal.
func joinError(ctx context.Context, serverURL string, err error) error {
	if e := dialError(ctx, serverURL, err); e != err {
		return e
	}
	if errors.Is(err, lksdk.ErrCannotConnectSignal) {
		return app.ErrJoinRefused
	}
	return mapMessage(err.Error(), err)
}

// mapMessage recognises the server's own words.
func mapMessage(msg string, fallback error) error {
	switch {
	case strings.Contains(msg, "expired"):
		return app.ErrTokenExpired
	case strings.Contains(msg, "unauthorized"), strings.Contains(msg, "invalid token"),
		strings.Contains(msg, "permissions denied"):
		return app.ErrTokenInvalid
	case strings.Contains(msg, "max participants"):
		return app.ErrRoomFull
	case strings.Contains(msg, "exceeded its configured limit"):
		return app.ErrServerFull
	}
	return fallback
}
