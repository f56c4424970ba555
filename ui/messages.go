package ui

import (
	"errors"
	"fmt"
	"time"

	"confer/app"
)

// joinFailure turns a join error into a sentence that says what to do.
func joinFailure(err error) string {
	var ue *app.UnreachableError
	var ce *app.CertificateError
	var te *app.TooManyAttemptsError
	switch {
	case errors.As(err, &ce):
		return "The certificate of the server at " + ce.Addr + " is not trusted: " + ce.Reason + "."
	case errors.As(err, &te):
		return "Too many wrong passwords from this computer. " + retryText(te.RetryAfter)
	case errors.As(err, &ue):
		return "Cannot reach the server at " + ue.Addr + ". Check the address, and that the server is running and its ports are open."
	case errors.Is(err, app.ErrWrongPassword):
		return "Wrong password for this server. Ask the host for the right one."
	case errors.Is(err, app.ErrTokenExpired):
		return "The invite token has expired. Ask the host for a new one."
	case errors.Is(err, app.ErrTokenInvalid), errors.Is(err, app.ErrTokenWrongRoom), errors.Is(err, app.ErrTokenWrongUser):
		return "The server did not accept this token: " + err.Error() + "."
	case errors.Is(err, app.ErrRoomFull):
		return "This room is full. Try again later, or ask the host to raise the limit."
	case errors.Is(err, app.ErrServerFull), errors.Is(err, app.ErrJoinRefused):
		return "The server refused to let you join (it may be full). Try again in a moment."
	}
	return "Could not join: " + err.Error()
}

// retryText says when to try again.
func retryText(d time.Duration) string {
	if d <= 0 {
		return "Wait a minute and try again."
	}
	return fmt.Sprintf("Try again in %d seconds.", int((d+time.Second-1)/time.Second))
}
