package host

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/livekit/protocol/auth"

	"confer/app"
	"confer/app/roomkeys"
)

var testKeys = roomkeys.Keys{APIKey: "APItest", APISecret: strings.Repeat("s", 40)}

// endpoint is a token handler with a clock the test moves.
type endpoint struct {
	h   *tokenHandler
	now time.Time
}

func newEndpoint(password string) *endpoint {
	e := &endpoint{h: newTokenHandler(testKeys, password, nil), now: time.Unix(1_700_000_000, 0)}
	e.h.now = func() time.Time { return e.now }
	return e
}

// answer is what a client got back.
type answer struct {
	status int
	header http.Header
	res    app.TokenResponse
}

// post sends body with a content type from a client address, with
// extra header lines (name, value, …).
func (e *endpoint) post(t *testing.T, from, contentType, body string, header ...string) answer {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, app.TokenEndpointPath, strings.NewReader(body))
	r.RemoteAddr = from
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Add(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	var res app.TokenResponse
	if err := json.Unmarshal(w.Body.Bytes(), &res); err != nil {
		t.Fatalf("answer is not JSON: %q", w.Body.String())
	}
	return answer{status: w.Code, header: w.Header(), res: res}
}

func (e *endpoint) postJSON(t *testing.T, from, body string) answer {
	t.Helper()
	return e.post(t, from, "application/json", body)
}

const goodBody = `{"room": "8888", "user": "ana", "name": "Ana", "password": "sesame"}`

func TestTokenEndpointWantsJSON(t *testing.T) {
	e := newEndpoint("sesame")
	for _, ct := range []string{"", "text/plain", "application/x-www-form-urlencoded", "application/jsonx", "application/json; charset"} {
		a := e.post(t, "192.0.2.1:5000", ct, goodBody)
		if a.status != http.StatusUnsupportedMediaType || !strings.Contains(a.res.Error, "application/json") {
			t.Errorf("Content-Type %q: %d %+v; want 415 naming application/json", ct, a.status, a.res)
		}
	}
	if a := e.post(t, "192.0.2.1:5000", "application/json; charset=utf-8", goodBody); a.status != http.StatusOK {
		t.Errorf("JSON with a charset: %d %+v", a.status, a.res)
	}
}

func TestTokenEndpointTakesOneJSONValue(t *testing.T) {
	e := newEndpoint("sesame")
	for body, want := range map[string]string{
		goodBody + ` garbage`:       "nothing after it",
		goodBody + goodBody:         "nothing after it",
		goodBody + `}`:              "nothing after it",
		``:                          "empty",
		`{"room": "8888"`:           "ends before",
		`{"room": 8888x}`:           "not valid JSON",
		`[{"room": "8888"}]`:        "must be a JSON object",
		`"8888"`:                    "must be a JSON object",
		`null`:                      "must be a JSON object",
		`{"room": "8888",}`:         "not valid JSON",
		"\xff{}":                    "not valid JSON",
		`{"room": "8888"} /* x */ `: "nothing after it",
	} {
		a := e.postJSON(t, "192.0.2.1:5000", body)
		if a.status != http.StatusBadRequest || a.res.Code != app.TokenCodeBadRequest || !strings.Contains(a.res.Error, want) {
			t.Errorf("body %q: %d %+v; want 400 saying %q", body, a.status, a.res, want)
		}
	}
	if a := e.postJSON(t, "192.0.2.1:5000", "\n "+goodBody+" \n\t"); a.status != http.StatusOK {
		t.Errorf("white space around the object: %d %+v", a.status, a.res)
	}
}

func TestTokenEndpointBoundsTheBody(t *testing.T) {
	e := newEndpoint("sesame")
	big := `{"room": "8888", "user": "ana", "name": "` + strings.Repeat("x", maxTokenBody) + `"}`
	a := e.postJSON(t, "192.0.2.1:5000", big)
	if a.status != http.StatusRequestEntityTooLarge || !strings.Contains(a.res.Error, "larger than 16384 bytes") {
		t.Fatalf("%d-byte body: %d %+v; want 413", len(big), a.status, a.res)
	}
	// Trailing bytes past the bound are refused as too large, not ignored.
	a = e.postJSON(t, "192.0.2.1:5000", goodBody+strings.Repeat(" ", maxTokenBody))
	if a.status != http.StatusRequestEntityTooLarge {
		t.Fatalf("a good object padded past the bound: %d %+v; want 413", a.status, a.res)
	}
	padded := goodBody + strings.Repeat(" ", maxTokenBody-len(goodBody)-1)
	if a := e.postJSON(t, "192.0.2.1:5000", padded); a.status != http.StatusOK {
		t.Fatalf("a body just under the bound: %d %+v", a.status, a.res)
	}
}

func TestTokenEndpointNamesTheWrongField(t *testing.T) {
	e := newEndpoint("sesame")
	cases := []struct {
		body, code, field, msg string
	}{
		{`{"room": 123}`, app.TokenCodeBadRequest, "room", "room must be a string, not a number"},
		{`{"room": "8888", "user": ["ana"]}`, app.TokenCodeBadRequest, "user", "user must be a string, not an array"},
		{`{"room": "8888", "user": "ana", "name": {"first": "Ana"}}`, app.TokenCodeBadRequest, "name", "name must be a string, not an object"},
		{`{"room": "8888", "user": "ana", "password": true}`, app.TokenCodeBadRequest, "password", "password must be a string, not true or false"},
		{`{"room": "bad room", "user": "ana", "password": "sesame"}`, app.TokenCodeInvalidRoom, "room", "room ID must be 1–64 characters"},
		{`{"user": "ana", "password": "sesame"}`, app.TokenCodeInvalidRoom, "room", "room ID must be"},
		{`{"room": "8888", "user": "ana/b", "password": "sesame"}`, app.TokenCodeInvalidUser, "user", "user ID must be 1–64 characters"},
		{`{"room": "8888", "user": "ana", "name": "` + strings.Repeat("é", 65) + `", "password": "sesame"}`, app.TokenCodeInvalidName, "name", "name must be 1–64 characters"},
	}
	for _, c := range cases {
		a := e.postJSON(t, "192.0.2.1:5000", c.body)
		if a.status != http.StatusBadRequest || a.res.Code != c.code || a.res.Field != c.field || !strings.Contains(a.res.Error, c.msg) {
			t.Errorf("body %s: %d %+v; want 400 %s on %q saying %q", c.body, a.status, a.res, c.code, c.field, c.msg)
		}
	}
}

func TestTokenEndpointGivesAVerifiableToken(t *testing.T) {
	e := newEndpoint("sesame")
	a := e.postJSON(t, "192.0.2.1:5000", goodBody)
	if a.status != http.StatusOK || a.res.URL != "ws://example.com" || a.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("%d %+v %v", a.status, a.res, a.header)
	}
	v, err := auth.ParseAPIToken(a.res.Token)
	if err != nil {
		t.Fatal(err)
	}
	if _, g, err := v.Verify(testKeys.APISecret); err != nil || g.Identity != "ana" || g.Video.Room != "8888" {
		t.Fatalf("token: %v %+v", err, g)
	}
}

// wrongPassword sends a wrong password from a client address.
func (e *endpoint) wrongPassword(t *testing.T, from string, header ...string) answer {
	t.Helper()
	return e.post(t, from, "application/json", `{"room": "8888", "user": "ana", "password": "guess"}`, header...)
}

// limited tells whether the right password from a client is refused.
func (e *endpoint) limited(t *testing.T, from string, header ...string) bool {
	t.Helper()
	return e.post(t, from, "application/json", goodBody, header...).status == http.StatusTooManyRequests
}

func TestTokenEndpointLimitsWrongPasswords(t *testing.T) {
	e := newEndpoint("sesame")
	const attacker, other = "192.0.2.1:5000", "198.51.100.7:6000"
	for i := range wrongPasswordBurst {
		if a := e.wrongPassword(t, attacker); a.status != http.StatusUnauthorized || a.res.Code != app.TokenCodeWrongPassword {
			t.Fatalf("wrong password %d: %d %+v; want 401", i+1, a.status, a.res)
		}
	}
	a := e.wrongPassword(t, attacker)
	secs, _ := strconv.Atoi(a.header.Get("Retry-After"))
	if a.status != http.StatusTooManyRequests || a.res.Code != app.TokenCodeTooManyAttempts || secs < 1 || secs > 60 {
		t.Fatalf("wrong password %d: %d %+v, Retry-After %q; want 429 and a wait", wrongPasswordBurst+1, a.status, a.res, a.header.Get("Retry-After"))
	}
	// While limited, even the right password is not looked at: otherwise
	// guessing would go on at full speed, the 429s telling wrong from right.
	if a := e.postJSON(t, attacker, goodBody); a.status != http.StatusTooManyRequests {
		t.Fatalf("right password from the limited address: %d %+v; want 429", a.status, a.res)
	}
	if a := e.postJSON(t, other, goodBody); a.status != http.StatusOK {
		t.Fatalf("right password from another address: %d %+v; want 200", a.status, a.res)
	}
	e.now = e.now.Add(time.Duration(secs) * time.Second)
	if a := e.postJSON(t, attacker, goodBody); a.status != http.StatusOK {
		t.Fatalf("right password after Retry-After: %d %+v; want 200", a.status, a.res)
	}
	// A minute without failures gives back the whole burst.
	e.now = e.now.Add(wrongPasswordWindow)
	for i := range wrongPasswordBurst {
		if a := e.wrongPassword(t, attacker); a.status != http.StatusUnauthorized {
			t.Fatalf("after a quiet minute, wrong password %d: %d; want 401", i+1, a.status)
		}
	}
}

func TestTokenEndpointLimitIsPerClient(t *testing.T) {
	e := newEndpoint("sesame")
	for range wrongPasswordBurst + 1 {
		e.wrongPassword(t, "[2001:db8:1:2::5]:4000")
	}
	if !e.limited(t, "[2001:db8:1:2:ffff::9]:4000") {
		t.Error("another address of the same IPv6 /64 is not limited")
	}
	if e.limited(t, "[2001:db8:1:3::5]:4000") {
		t.Error("the next /64 is limited")
	}
	// Behind a reverse proxy on this machine, the last X-Forwarded-For
	// entry (the one the proxy added) is the client.
	const proxy = "127.0.0.1:9000"
	for range wrongPasswordBurst + 1 {
		e.wrongPassword(t, proxy, "X-Forwarded-For", "10.9.9.9, 203.0.113.5")
	}
	if !e.limited(t, proxy, "X-Forwarded-For", "203.0.113.5") {
		t.Error("the proxied client is not limited")
	}
	if e.limited(t, proxy, "X-Forwarded-For", "203.0.113.6") || e.limited(t, proxy) {
		t.Error("the proxy's other clients, or the proxy itself, are limited")
	}
	// From elsewhere, X-Forwarded-For is the client's own word: ignored.
	for range wrongPasswordBurst + 1 {
		e.wrongPassword(t, "192.0.2.50:1", "X-Forwarded-For", "203.0.113.98")
	}
	if !e.limited(t, "192.0.2.50:2", "X-Forwarded-For", "203.0.113.99") {
		t.Error("a remote client escaped the limit with X-Forwarded-For")
	}
}

func TestAttemptLimiterMemoryIsBounded(t *testing.T) {
	l := newAttemptLimiter(wrongPasswordBurst, wrongPasswordWindow, 1000)
	now := time.Unix(1_700_000_000, 0)
	for i := range 50_000 {
		now = now.Add(time.Millisecond)
		l.fail("client-"+strconv.Itoa(i), now)
		if len(l.clients) > 1000 {
			t.Fatalf("%d clients remembered after %d; bound 1000", len(l.clients), i+1)
		}
	}
}

// When the table is full, clients whose attempts have refilled make room
// before one that is still limited.
func TestAttemptLimiterForgetsRefilledClientsFirst(t *testing.T) {
	l := newAttemptLimiter(2, time.Minute, 10) // one attempt back every 30 s
	t0 := time.Unix(1_700_000_000, 0)
	l.fail("limited", t0)
	l.fail("limited", t0)
	for i := range 9 {
		l.fail("once-"+strconv.Itoa(i), t0)
	}
	later := t0.Add(40 * time.Second) // the others are full again; "limited" is not
	l.fail("new", later)
	if _, ok := l.clients["limited"]; !ok || len(l.clients) != 2 {
		t.Fatalf("remembered %v; want limited and new", l.clients)
	}
}
