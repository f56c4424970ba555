package app

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

// TokenResponse is the endpoint's answer. On failure only Error and Code are
// set; Code is one of the TokenCode* constants.
type TokenResponse struct {
	Token string `json:"token,omitempty"`
	URL   string `json:"url,omitempty"`
	Error string `json:"error,omitempty"`
	Code  string `json:"code,omitempty"`
}

// Error codes of the token endpoint.
const (
	TokenCodeWrongPassword = "wrong_password"
	TokenCodeInvalidRoom   = "invalid_room"
	TokenCodeInvalidUser   = "invalid_user"
	TokenCodeInvalidName   = "invalid_name"
	TokenCodeBadRequest    = "bad_request"
	TokenCodeRoomFull      = "room_full"
)
