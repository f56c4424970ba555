package host

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"

	"confer/app"
)

// maxTokenBody bounds a token request's body. A real one is under 300
// bytes; the bound keeps a client from making the server read and hold
// megabytes.
const maxTokenBody = 16 << 10

// refusal is a request the endpoint turns down, with what to tell the
// client: its status, code, the field at fault (if one is) and a sentence.
type refusal struct {
	status int
	code   string
	field  string
	msg    string
}

func badRequest(field, format string, args ...any) *refusal {
	return &refusal{status: http.StatusBadRequest, code: app.TokenCodeBadRequest, field: field, msg: fmt.Sprintf(format, args...)}
}

// readTokenRequest reads the body: JSON, one object and nothing after it,
// at most maxTokenBody bytes, every field a string.
func readTokenRequest(w http.ResponseWriter, r *http.Request) (app.TokenRequest, *refusal) {
	var req app.TokenRequest
	if ref := checkContentType(r.Header.Get("Content-Type")); ref != nil {
		return req, ref
	}
	raw, ref := readOneValue(http.MaxBytesReader(w, r.Body, maxTokenBody))
	if ref != nil {
		return req, ref
	}
	if raw[0] != '{' {
		return req, badRequest("", "the body must be a JSON object such as {\"room\": \"8888\", \"user\": \"ana\"}, not %s", jsonKind(raw[0]))
	}
	if err := json.Unmarshal(raw, &req); err != nil {
		return req, fieldError(err)
	}
	return req, nil
}

func checkContentType(ct string) *refusal {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/json" {
		return &refusal{status: http.StatusUnsupportedMediaType, code: app.TokenCodeBadRequest,
			msg: "send the request as JSON, with Content-Type: application/json"}
	}
	return nil
}

// readOneValue reads exactly one JSON value from body. Anything after it
// but white space is refused: a body that parses only in part is a client
// bug, better reported than half understood.
func readOneValue(body io.Reader) (json.RawMessage, *refusal) {
	dec := json.NewDecoder(body)
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return nil, decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, decodeError(err)
		}
		return nil, badRequest("", "the body must hold one JSON object and nothing after it")
	}
	return bytes.TrimSpace(raw), nil
}

// decodeError explains why the body is not one JSON value.
func decodeError(err error) *refusal {
	var tooLarge *http.MaxBytesError
	var syntax *json.SyntaxError
	switch {
	case errors.As(err, &tooLarge):
		return &refusal{status: http.StatusRequestEntityTooLarge, code: app.TokenCodeBadRequest,
			msg: fmt.Sprintf("the body is larger than %d bytes", maxTokenBody)}
	case errors.Is(err, io.EOF):
		return badRequest("", "the body is empty: send a JSON object with room, user, name and password")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest("", "the body ends before its JSON does")
	case errors.As(err, &syntax):
		return badRequest("", "the body is not valid JSON (at byte %d: %v)", syntax.Offset, err)
	}
	return badRequest("", "the body could not be read")
}

// fieldError names the field of the wrong type: every field is a string.
func fieldError(err error) *refusal {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return badRequest(te.Field, "%s must be a string, not %s", te.Field, kindName(te.Value))
	}
	return badRequest("", "the body is not a token request: %v", err)
}

// jsonKind names the kind of JSON value that starts with c.
func jsonKind(c byte) string {
	switch c {
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "true or false"
	case 'n':
		return "null"
	}
	return "a number"
}

// kindName turns encoding/json's name of a value's kind into words.
func kindName(v string) string {
	switch {
	case v == "array":
		return "an array"
	case v == "object":
		return "an object"
	case v == "bool":
		return "true or false"
	case v == "string":
		return "a string"
	}
	return "a number"
}
