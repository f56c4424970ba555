package app

import (
	"errors"
	"time"
)

// The token endpoint's wire format, shared by the server (app/host) and the
// client (app/livekit). A client POSTs TokenRequest as JSON to
// TokenEndpointPath on the server's HTTP address.
const TokenEndpointPath = "/confer/token"

// TokenRequest asks for a token to join Room as User.
type TokenRequest struct {
	Room     string `json:"room"`
	User     string `json:"user"`
	Name     string `json:"name"`
	Password string `json:"password,omitempty"`
}

// TokenResponse is the endpoint's answer. On failure only Error, Code and,
// when one field of the request is at fault, Field are set; Code is one of
// the TokenCode* constants.
type TokenResponse struct {
	Token string `json:"token,omitempty"`
	URL   string `json:"url,omitempty"`
	Error string `json:"error,omitempty"`
	Code  string `json:"code,omitempty"`
	Field string `json:"field,omitempty"`
}

// Error codes of the token endpoint.
const (
	TokenCodeWrongPassword = "wrong_password"
	TokenCodeInvalidRoom   = "invalid_room"
	TokenCodeInvalidUser   = "invalid_user"
	TokenCodeInvalidName   = "invalid_name"
	TokenCodeBadRequest    = "bad_request"
	TokenCodeRoomFull      = "room_full"
	// TokenCodeTooManyAttempts: too many wrong passwords from this address;
	// the Retry-After header says in how many seconds to try again.
	TokenCodeTooManyAttempts = "too_many_attempts"
)

// TokenError turns a refusal of the token endpoint into the error a person
// sees. retryAfter is the response's Retry-After, for too_many_attempts.
func TokenError(res TokenResponse, retryAfter time.Duration) error {
	switch res.Code {
	case TokenCodeWrongPassword:
		return ErrWrongPassword
	case TokenCodeInvalidRoom:
		return ErrInvalidRoomID
	case TokenCodeInvalidUser:
		return ErrInvalidUserID
	case TokenCodeInvalidName:
		return ErrInvalidName
	case TokenCodeRoomFull:
		return ErrRoomFull
	case TokenCodeTooManyAttempts:
		return &TooManyAttemptsError{RetryAfter: retryAfter}
	}
	if res.Error == "" {
		return errors.New("the server refused to give a token, without saying why")
	}
	return errors.New("the server refused to give a token: " + res.Error)
}

// ClusterPath is where confer serve tells who shows a valid token (a join
// token or an admin's) the nodes of its cluster: a client that loses its
// node rejoins through another, and `confer admin list` shows which node
// hosts each room. Other LiveKit servers answer 404.
const ClusterPath = "/confer/v1/cluster"

// ClusterInfo is ClusterPath's answer. Rooms, room → node ID, is only
// given to admin tokens (room list), and only by a node in a cluster: a
// lone node hosts every room itself. RoomNode is the node hosting the
// room a join token is for, "" while it is hosted nowhere.
type ClusterInfo struct {
	Nodes    []ClusterNode     `json:"nodes"`
	Rooms    map[string]string `json:"rooms,omitempty"`
	RoomNode string            `json:"room_node,omitempty"`
}

// Serving tells whether the node with this ID is among the serving nodes.
func (c ClusterInfo) Serving(id string) bool {
	for _, n := range c.Nodes {
		if n.ID == id {
			return true
		}
	}
	return false
}

// ClusterNode is one serving node: the answering node comes first.
type ClusterNode struct {
	ID    string `json:"id"`
	URL   string `json:"url"`
	Rooms int    `json:"rooms"`
}
