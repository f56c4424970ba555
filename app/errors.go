package app

import (
	"errors"
	"fmt"
	"time"

	"confer/media"
)

// Errors a person may see. The UI turns each into its own message; the text
// here is already written for people.
var (
	ErrInvalidRoomID  = errors.New("room ID must be 1–64 characters: letters, digits, _ and -")
	ErrInvalidUserID  = errors.New("user ID must be 1–64 characters: letters, digits, _ and -")
	ErrInvalidName    = errors.New("name must be 1–64 characters, without control characters")
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
	ErrServerUsesTLS  = errors.New("the server uses TLS: start its address with wss://")
	ErrServerNoTLS    = errors.New("the server does not use TLS: start its address with ws://")

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

// TooManyAttemptsError says the server takes no password from this address
// for a while, after too many wrong ones.
type TooManyAttemptsError struct {
	RetryAfter time.Duration // 0 when the server did not say
}

func (e *TooManyAttemptsError) Error() string {
	if e.RetryAfter <= 0 {
		return "too many wrong passwords from this computer: wait a minute and try again"
	}
	return fmt.Sprintf("too many wrong passwords from this computer: try again in %d s", int((e.RetryAfter+time.Second-1)/time.Second))
}

// CertificateError says the server's TLS certificate was refused, and why,
// in words for people (Reason).
type CertificateError struct {
	Addr   string // what was dialled, host:port
	Reason string
	Err    error
}

func (e *CertificateError) Error() string {
	return fmt.Sprintf("the certificate of the server at %s is not trusted: %s", e.Addr, e.Reason)
}

func (e *CertificateError) Unwrap() error { return e.Err }

// NoAnswerError says something took the connection at Addr and then said
// nothing for Wait: the address and port are open, but what listens there
// hangs, or is not a room server.
type NoAnswerError struct {
	Addr string        // what was dialled, host:port
	Wait time.Duration // how long it was given; 0 when not known
}

func (e *NoAnswerError) Error() string {
	if e.Wait <= 0 {
		return fmt.Sprintf("the server at %s did not answer in time", e.Addr)
	}
	return fmt.Sprintf("the server at %s did not answer within %d s", e.Addr, int((e.Wait+time.Second-1)/time.Second))
}
