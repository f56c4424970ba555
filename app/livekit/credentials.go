package livekit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/livekit/protocol/auth"

	"confer/app"
)

// credentials returns the URL and token to join with, from whichever source
// the params name (see app.JoinParams).
func credentials(ctx context.Context, p app.JoinParams) (url, token string, err error) {
	switch {
	case p.Token != "":
		token = p.Token
	case p.APIKey != "":
		token, err = auth.NewAccessToken(p.APIKey, p.APISecret).
			SetIdentity(p.UserID).SetName(p.Name).SetValidFor(time.Hour).
			SetVideoGrant(&auth.VideoGrant{RoomJoin: true, Room: p.RoomID}).ToJWT()
		if err != nil {
			return "", "", err
		}
	default:
		return fetchToken(ctx, p)
	}
	return p.ServerURL, token, checkClaims(token, p, time.Now())
}

// fetchToken asks a Confer server's token endpoint.
func fetchToken(ctx context.Context, p app.JoinParams) (string, string, error) {
	body, _ := json.Marshal(app.TokenRequest{Room: p.RoomID, User: p.UserID, Name: p.Name, Password: p.Password})
	endpoint := httpURL(p.ServerURL) + app.TokenEndpointPath
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return "", "", app.ErrInvalidServer
	}
	req.Header.Set("Content-Type", "application/json")
	req.Close = true // one request per join: keep no idle connection (or its goroutines) behind
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", "", dialError(ctx, p.ServerURL, err)
	}
	defer resp.Body.Close()
	var res app.TokenResponse
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&res); err != nil {
		if resp.StatusCode == http.StatusNotFound {
			return "", "", fmt.Errorf("%w (the server has no Confer token endpoint)", app.ErrNoCredentials)
		}
		return "", "", fmt.Errorf("token endpoint answered %s", resp.Status)
	}
	if resp.StatusCode != http.StatusOK {
		return "", "", tokenEndpointError(res)
	}
	// Keep the URL the endpoint was reached at: the server's own idea of its
	// address (res.URL) may not be reachable from here, e.g. behind a proxy.
	return p.ServerURL, res.Token, nil
}

func tokenEndpointError(res app.TokenResponse) error {
	switch res.Code {
	case app.TokenCodeWrongPassword:
		return app.ErrWrongPassword
	case app.TokenCodeInvalidRoom:
		return app.ErrInvalidRoomID
	case app.TokenCodeInvalidUser:
		return app.ErrInvalidUserID
	case app.TokenCodeInvalidName:
		return app.ErrInvalidName
	case app.TokenCodeRoomFull:
		return app.ErrRoomFull
	}
	return errors.New("token endpoint: " + res.Error)
}

// checkClaims reads the token without verifying it (only the server can) to
// catch the mistakes a person can fix: expired, another room, another user.
func checkClaims(token string, p app.JoinParams, now time.Time) error {
	c, err := app.ReadToken(token)
	switch {
	case err != nil:
		return err
	case !c.Expires.IsZero() && !now.Before(c.Expires):
		return app.ErrTokenExpired
	case c.Room != "" && c.Room != p.RoomID:
		return app.ErrTokenWrongRoom
	case c.Identity != "" && c.Identity != p.UserID:
		return app.ErrTokenWrongUser
	}
	return nil
}

// httpURL maps ws(s):// to http(s)://.
func httpURL(wsURL string) string {
	if strings.HasPrefix(wsURL, "wss://") {
		return "https://" + strings.TrimPrefix(wsURL, "wss://")
	}
	return "http://" + strings.TrimPrefix(wsURL, "ws://")
}
