package host

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"confer/app"
	"confer/app/roomkeys"
)

// tokenHandler hands out tokens to whoever knows the join password (or to
// anyone, when the server has none). The API secret never leaves the server.
type tokenHandler struct {
	keys     roomkeys.Keys
	password string
	// full tells whether a room has no free place. LiveKit refuses a join to
	// a full room without saying why, so the endpoint says it first.
	full func(room string) bool
	// wrong limits wrong passwords per client address.
	wrong *attemptLimiter
	now   func() time.Time
}

func newTokenHandler(keys roomkeys.Keys, password string, full func(string) bool) *tokenHandler {
	return &tokenHandler{
		keys: keys, password: password, full: full,
		wrong: newAttemptLimiter(wrongPasswordBurst, wrongPasswordWindow, maxClientsTracked),
		now:   time.Now,
	}
}

func (h *tokenHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeTokenError(w, &refusal{status: http.StatusMethodNotAllowed, code: app.TokenCodeBadRequest, msg: "use POST"})
		return
	}
	req, ref := readTokenRequest(w, r)
	if ref == nil {
		ref = h.checkPassword(w, r, req.Password)
	}
	if ref == nil && h.full != nil && h.full(req.Room) {
		ref = &refusal{status: http.StatusConflict, code: app.TokenCodeRoomFull, msg: app.ErrRoomFull.Error()}
	}
	if ref != nil {
		writeTokenError(w, ref)
		return
	}
	token, err := roomkeys.MintToken(h.keys, roomkeys.TokenRequest{Room: req.Room, User: req.User, Name: req.Name})
	if err != nil {
		code, field := codeFor(err)
		writeTokenError(w, &refusal{status: http.StatusBadRequest, code: code, field: field, msg: err.Error()})
		return
	}
	scheme := "ws://"
	if r.TLS != nil {
		scheme = "wss://"
	}
	writeJSON(w, http.StatusOK, app.TokenResponse{Token: token, URL: scheme + r.Host})
}

// checkPassword compares the password, unless this client has had too many
// wrong ones lately: then it is not even looked at, so that guessing goes
// no faster than the limit.
func (h *tokenHandler) checkPassword(w http.ResponseWriter, r *http.Request, password string) *refusal {
	if h.password == "" {
		return nil
	}
	client, now := clientKey(r), h.now()
	if wait := h.wrong.wait(client, now); wait > 0 {
		secs := int((wait + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		return &refusal{status: http.StatusTooManyRequests, code: app.TokenCodeTooManyAttempts,
			msg: "too many wrong passwords from this address: try again in " + strconv.Itoa(secs) + " s"}
	}
	if subtle.ConstantTimeCompare([]byte(password), []byte(h.password)) != 1 {
		h.wrong.fail(client, now)
		return &refusal{status: http.StatusUnauthorized, code: app.TokenCodeWrongPassword, field: "password", msg: app.ErrWrongPassword.Error()}
	}
	return nil
}

// codeFor is the code and field of a request MintToken refused.
func codeFor(err error) (code, field string) {
	switch {
	case errors.Is(err, app.ErrInvalidRoomID):
		return app.TokenCodeInvalidRoom, "room"
	case errors.Is(err, app.ErrInvalidUserID):
		return app.TokenCodeInvalidUser, "user"
	case errors.Is(err, app.ErrInvalidName):
		return app.TokenCodeInvalidName, "name"
	}
	return app.TokenCodeBadRequest, ""
}

func writeTokenError(w http.ResponseWriter, ref *refusal) {
	writeJSON(w, ref.status, app.TokenResponse{Error: ref.msg, Code: ref.code, Field: ref.field})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
