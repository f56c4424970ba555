package host

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/livekit/protocol/auth"

	"confer/app"
)

// fuzzContentTypes are what the fuzzer picks the Content-Type from.
var fuzzContentTypes = []string{"application/json", "application/json; charset=utf-8", "", "text/plain", "application/json; x=\""}

// FuzzTokenEndpoint posts any body to the endpoint. Every answer is one of
// the documented statuses with a JSON body of the documented shape; a
// token comes only for the right password and valid IDs, and is one the
// server's keys verify for exactly the room and user asked.
func FuzzTokenEndpoint(f *testing.F) {
	for _, b := range []string{goodBody, `{"room": 123}`, goodBody + " x", `[]`, `{"room":"8888","user":"ana","name":"\u0000"}`,
		`{"room":"8888","user":"ana","password":"sesame","room":"x y"}`, "{\"room\":\"8888\",\"user\":\"ana\",\"password\":\"sesame\",\"name\":\"\xff\"}"} {
		f.Add(b, uint8(0))
	}
	f.Add(goodBody, uint8(3))
	f.Fuzz(func(t *testing.T, body string, ct uint8) {
		e := newEndpoint("sesame")
		a := e.post(t, "192.0.2.1:5000", fuzzContentTypes[int(ct)%len(fuzzContentTypes)], body)
		checkAnswer(t, body, a)
	})
}

var (
	tokenStatuses = []int{http.StatusOK, http.StatusBadRequest, http.StatusUnauthorized, http.StatusConflict,
		http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType, http.StatusTooManyRequests}
	tokenCodes = []string{app.TokenCodeBadRequest, app.TokenCodeWrongPassword, app.TokenCodeInvalidRoom,
		app.TokenCodeInvalidUser, app.TokenCodeInvalidName, app.TokenCodeRoomFull, app.TokenCodeTooManyAttempts}
	tokenFields = []string{"", "room", "user", "name", "password"}
)

func checkAnswer(t *testing.T, body string, a answer) {
	t.Helper()
	if !slices.Contains(tokenStatuses, a.status) {
		t.Fatalf("status %d", a.status)
	}
	if a.status != http.StatusOK {
		if a.res.Token != "" || a.res.Error == "" || !slices.Contains(tokenCodes, a.res.Code) || !slices.Contains(tokenFields, a.res.Field) {
			t.Fatalf("refusal %d %+v", a.status, a.res)
		}
		return
	}
	var req app.TokenRequest
	if err := json.NewDecoder(strings.NewReader(body)).Decode(&req); err != nil || req.Password != "sesame" {
		t.Fatalf("a token for body %q (%v)", body, err)
	}
	v, err := auth.ParseAPIToken(a.res.Token)
	if err != nil {
		t.Fatal(err)
	}
	_, g, err := v.Verify(testKeys.APISecret)
	if err != nil || g.Identity != req.User || g.Video.Room != req.Room || app.ValidateRoomID(req.Room) != nil || app.ValidateUserID(req.User) != nil {
		t.Fatalf("token %+v for request %+v: %v", g, req, err)
	}
}
