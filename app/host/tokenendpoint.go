package host

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"confer/app"
)

// tokenHandler hands out tokens to whoever knows the join password (or to
// anyone, when the server has none). The API secret never leaves the server.
type tokenHandler struct {
	keys     Keys
	password string
	// full tells whether a room has no free place. LiveKit refuses a join to
	// a full room without saying why, so the endpoint says it first.
	full func(room string) bool
}

func (h *tokenHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeTokenError(w, http.StatusMethodNotAllowed, app.TokenCodeBadRequest, "use POST")
		return
	}
	var req app.TokenRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, 4096)).Decode(&req); err != nil {
		writeTokenError(w, http.StatusBadRequest, app.TokenCodeBadRequest, "request body is not valid JSON")
		return
	}
	if h.password != "" && subtle.ConstantTimeCompare([]byte(req.Password), []byte(h.password)) != 1 {
		writeTokenError(w, http.StatusUnauthorized, app.TokenCodeWrongPassword, app.ErrWrongPassword.Error())
		return
	}
	if h.full != nil && h.full(req.Room) {
		writeTokenError(w, http.StatusConflict, app.TokenCodeRoomFull, app.ErrRoomFull.Error())
		return
	}
	token, err := MintToken(h.keys, TokenRequest{Room: req.Room, User: req.User, Name: req.Name})
	if err != nil {
		writeTokenError(w, http.StatusBadRequest, codeFor(err), err.Error())
		return
	}
	writeJSON(w, http.StatusOK, app.TokenResponse{Token: token, URL: "ws://" + r.Host})
}

func codeFor(err error) string {
	switch {
	case errors.Is(err, app.ErrInvalidRoomID):
		return app.TokenCodeInvalidRoom
	case errors.Is(err, app.ErrInvalidUserID):
		return app.TokenCodeInvalidUser
	case errors.Is(err, app.ErrInvalidName):
		return app.TokenCodeInvalidName
	}
	return app.TokenCodeBadRequest
}

func writeTokenError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, app.TokenResponse{Error: msg, Code: code})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
