package app

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"
)

// TokenClaims are the parts of a LiveKit access token a client can read
// without the secret: who it is for, which room, until when.
type TokenClaims struct {
	Identity string
	Room     string
	Expires  time.Time // zero when the token has no expiry
}

// ReadToken decodes a token's claims without verifying its signature (only
// the server can). It is for catching mistakes a person can fix, and for
// taking the user ID from a pasted token.
func ReadToken(token string) (TokenClaims, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return TokenClaims{}, ErrTokenInvalid
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return TokenClaims{}, ErrTokenInvalid
	}
	var c struct {
		Exp   int64  `json:"exp"`
		Sub   string `json:"sub"`
		Video struct {
			Room string `json:"room"`
		} `json:"video"`
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return TokenClaims{}, ErrTokenInvalid
	}
	out := TokenClaims{Identity: c.Sub, Room: c.Video.Room}
	if c.Exp != 0 {
		out.Expires = time.Unix(c.Exp, 0)
	}
	return out, nil
}
