// Package fynelocale stops Fyne from logging "Error parsing user locale C"
// when the locale is C.UTF-8 (Debian's default in containers and on
// servers) or another C or POSIX locale with an encoding.
//
// Fyne reads the locale in its lang package's init, through go-locale,
// which treats exactly "C" and "POSIX" as "no locale" but turns "C.UTF-8"
// into the language tag "C", which is not one. A C locale means
// untranslated messages, which for Fyne is English; LANGUAGE, which
// go-locale reads before LANG when the locale is not exactly C, says so
// without touching LANG or LC_*, so C libraries keep their UTF-8
// character handling. Programs started from Confer inherit LANGUAGE=en,
// which under a C locale gives them the same English they would print
// anyway.
//
// This must run before Fyne's init, and does: Go initialises packages in
// the order of their import paths among those whose imports are ready, and
// confer/… sorts before fyne.io/…, with nothing but os and strings to wait
// for. A program with Fyne imports this package, for its init alone.
package fynelocale

import (
	"os"
	"strings"
)

func init() {
	if v, ok := language(os.Getenv); ok {
		_ = os.Setenv("LANGUAGE", v)
	}
}

// language is the LANGUAGE to set for the environment getenv reads, if
// any: "en" when the locale is C or POSIX with an encoding or modifier
// and LANGUAGE is unset.
func language(getenv func(string) string) (string, bool) {
	if getenv("LANGUAGE") != "" {
		return "", false
	}
	// go-locale's order: the first of these that is set is the locale.
	var locale string
	for _, name := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if locale = getenv(name); locale != "" {
			break
		}
	}
	if locale == "C" || locale == "POSIX" {
		return "", false // go-locale reads these as no locale: Fyne is quiet
	}
	base, _, _ := strings.Cut(locale, ".")
	base, _, _ = strings.Cut(base, "@")
	if base == "C" || base == "POSIX" {
		return "en", true
	}
	return "", false
}
