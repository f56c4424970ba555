package app

import (
	"errors"
	"fmt"

	"confer/media"
)

// Errors a person may see. The UI turns each into its own message; the text
// here is already written for people.
var (
	ErrInvalidRoomID  = errors.New("room ID must be 1–64 characters: letters, digits, _ and -")
	ErrInvalidUserID  = errors.New("user ID must be 1–64 characters: letters, digits, _ and -")
	ErrInvalidName    = errors.New("name must be 1–64 characters")
	ErrInvalidServer  = errors.New("server address is not valid: use ws://host:port, wss://host or host:port")
	ErrNoCredentials  = errors.New("no way to get a token: give a token, a token endpoint, or an API key and secret")
	ErrWrongPassword  = errors.New("wrong password for this server")
	ErrTokenExpired   = errors.New("the access token has expired")
	ErrTokenInvalid   = errors.New("the server did not accept the access token")
	ErrTokenWrongRoom = errors.New("the access token is for another room")
	ErrTokenWrongUser = errors.New("the access token is for another user ID")
	ErrRoomFull       = errors.New("the room is full")
	ErrJoinRefused    = errors.New("the server refused to let you join; the room may be full")
	ErrServerFull     = errors.New("the server is at capacity")
	ErrNotJoined      = errors.New("not in a call")
	ErrAlreadyJoined  = errors.New("already in a call")
	ErrClosed         = errors.New("the call engine is closed")
	ErrJoinCancelled  = errors.New("the join was cancelled")
	ErrServerGone     = errors.New("the room server stopped")
	ErrConnectionLost = errors.New("the connection to the room server was lost")

	// Device errors are media's own, so pipelines and the call agree.
	ErrNoCamera     = media.ErrNoCamera
	ErrNoMicrophone = media.ErrNoMicrophone
	ErrNoScreen     = media.ErrNoScreen
	ErrDeviceLost   = media.ErrDeviceLost
)

// UnreachableError says the server could not be reached at all.
type UnreachableError struct {
	Addr string // what was dialled, host:port
	Err  error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("cannot reach the server at %s: %v", e.Addr, e.Err)
}

func (e *UnreachableError) Unwrap() error { return e.Err }
