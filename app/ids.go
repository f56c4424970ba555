package app

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxIDLength bounds room IDs, user IDs and display names (in characters).
const MaxIDLength = 64

// ValidateRoomID checks a room ID: 1–64 characters of A-Z a-z 0-9 _ -.
// Numeric IDs such as "8888" are fine.
func ValidateRoomID(id string) error {
	if !validID(id) {
		return ErrInvalidRoomID
	}
	return nil
}

// ValidateUserID checks a user ID with the same rules as a room ID.
func ValidateUserID(id string) error {
	if !validID(id) {
		return ErrInvalidUserID
	}
	return nil
}

// NormalizeName trims a display name and checks it is 1–64 Unicode
// characters with no control characters. A name reaches other people's
// screens and terminals (`confer admin list`): a newline or an escape
// sequence in it could fake lines or rewrite what a terminal shows.
func NormalizeName(name string) (string, error) {
	name = strings.TrimSpace(name)
	n := utf8.RuneCountInString(name)
	if n == 0 || n > MaxIDLength || !utf8.ValidString(name) || strings.IndexFunc(name, unicode.IsControl) >= 0 {
		return "", ErrInvalidName
	}
	return name, nil
}

func validID(id string) bool {
	if len(id) == 0 || len(id) > MaxIDLength {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
		if !ok {
			return false
		}
	}
	return true
}

// UserIDFromName derives a user ID from a display name when none is given:
// the ID characters of the name, lower-cased, with a random suffix so two
// people called "Ana" do not remove each other as duplicates.
func UserIDFromName(name string, suffix string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '_', r == '-':
			b.WriteRune(r)
		case r == ' ':
			b.WriteByte('-')
		}
		if b.Len() >= MaxIDLength-len(suffix)-1 {
			break
		}
	}
	base := strings.Trim(b.String(), "-")
	if base == "" {
		base = "user"
	}
	return base + "-" + suffix
}
