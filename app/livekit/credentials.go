package livekit

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
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
			SetVideoGrant(joinGrant(p.RoomID)).ToJWT()
		if err != nil {
			return "", "", err
		}
	default:
		return fetchToken(ctx, p)
	}
	return p.ServerURL, token, checkClaims(token, p, time.Now())
}

// joinGrant lets a participant join a room and set its own attributes
// (a raised hand), as app/host's tokens do.
func joinGrant(room string) *auth.VideoGrant {
	g := &auth.VideoGrant{RoomJoin: true, Room: room}
	g.SetCanUpdateOwnMetadata(true)
	return g
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
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return "", "", dialError(ctx, p.ServerURL, err)
	}
	var res app.TokenResponse
	if err := json.Unmarshal(data, &res); err != nil {
		return "", "", notATokenAnswer(resp, data)
	}
	if resp.StatusCode != http.StatusOK {
		return "", "", app.TokenError(res, retryAfter(resp.Header.Get("Retry-After")))
	}
	// Keep the URL the endpoint was reached at: the server's own idea of its
	// address (res.URL) may not be reachable from here, e.g. behind a proxy.
	return p.ServerURL, res.Token, nil
}

// notATokenAnswer explains an answer that is not the endpoint's JSON.
func notATokenAnswer(resp *http.Response, body []byte) error {
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return fmt.Errorf("%w (the server has no Confer token endpoint)", app.ErrNoCredentials)
	case resp.StatusCode == http.StatusBadRequest && bytes.Contains(body, []byte("HTTP request to an HTTPS server")):
		// Go's HTTP server answers plain HTTP on a TLS port so.
		return app.ErrServerUsesTLS
	}
	return fmt.Errorf("the server answered %q instead of a token: is it a Confer server, and is any proxy in front of it working?", resp.Status)
}

// retryAfter reads a Retry-After header given in seconds; 0 if absent.
func retryAfter(v string) time.Duration {
	secs, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || secs < 0 {
		return 0
	}
	return time.Duration(min(secs, 24*3600)) * time.Second
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
