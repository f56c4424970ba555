package logs

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"
)

// Mask is what stands in a log for a token or a secret.
const Mask = "[redacted]"

var (
	// An access token is a JWT, and a JWT starts with eyJ, the base64 of
	// `{"`. LiveKit's server answers a rejected join with the token in the
	// message, and the SDK logs that answer.
	jwtLike = regexp.MustCompile(`eyJ[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]*){0,2}`)
	// Signalling URLs carry the token as a query parameter.
	tokenParam = regexp.MustCompile(`(access_token=)[^&\s"'<>]*`)
)

// Redact wraps h so that no record reaches it with an access token, an
// access_token URL parameter or any of secrets (API secrets, join
// passwords, passphrases) in its message or attributes. Libraries log
// whole URLs and HTTP answers, so this is done at the sink, for every
// logger of the process, rather than at each call.
func Redact(h slog.Handler, secrets ...string) slog.Handler {
	return &redacting{inner: h, r: newRedactor(secrets)}
}

type redacting struct {
	inner slog.Handler
	r     *redactor
}

func (h *redacting) Enabled(ctx context.Context, l slog.Level) bool { return h.inner.Enabled(ctx, l) }

func (h *redacting) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, h.r.text(rec.Message), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.r.attr(a))
		return true
	})
	return h.inner.Handle(ctx, out)
}

func (h *redacting) WithAttrs(as []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(as))
	for i, a := range as {
		clean[i] = h.r.attr(a)
	}
	return &redacting{inner: h.inner.WithAttrs(clean), r: h.r}
}

func (h *redacting) WithGroup(name string) slog.Handler {
	return &redacting{inner: h.inner.WithGroup(name), r: h.r}
}

// redactor replaces tokens and secrets in text.
type redactor struct {
	secrets *strings.Replacer // nil without secrets
}

func newRedactor(secrets []string) *redactor {
	var s []string
	for _, v := range secrets {
		if v != "" && !slices.Contains(s, v) {
			s = append(s, v)
		}
	}
	if len(s) == 0 {
		return &redactor{}
	}
	// Longest first, so that a secret containing another is masked whole.
	slices.SortFunc(s, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	pairs := make([]string, 0, 2*len(s))
	for _, v := range s {
		pairs = append(pairs, v, Mask)
	}
	return &redactor{secrets: strings.NewReplacer(pairs...)}
}

func (r *redactor) text(s string) string {
	if r.secrets != nil {
		s = r.secrets.Replace(s)
	}
	if strings.Contains(s, "access_token=") {
		s = tokenParam.ReplaceAllString(s, "${1}"+Mask)
	}
	if strings.Contains(s, "eyJ") {
		s = jwtLike.ReplaceAllString(s, Mask)
	}
	return s
}

// attr redacts one attribute. A value of any other kind than a string
// (an error, an HTTP response) is written as text by the handler, so it
// is turned into that text first, and kept as it was when nothing in it
// needed masking.
func (r *redactor) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, r.text(v.String()))
	case slog.KindGroup:
		group := v.Group()
		clean := make([]slog.Attr, len(group))
		for i, g := range group {
			clean[i] = r.attr(g)
		}
		return slog.Attr{Key: a.Key, Value: slog.GroupValue(clean...)}
	case slog.KindAny:
		var s string
		if err, ok := v.Any().(error); ok {
			s = err.Error()
		} else {
			s = fmt.Sprintf("%+v", v.Any())
		}
		if clean := r.text(s); clean != s {
			return slog.String(a.Key, clean)
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}
