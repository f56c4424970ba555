package fynelocale

import "testing"

func TestOnlyACLocaleWithAnEncodingGetsLANGUAGE(t *testing.T) {
	cases := []struct {
		env  map[string]string
		want string // "" for leaving LANGUAGE alone
	}{
		{map[string]string{"LANG": "C.UTF-8"}, "en"},
		{map[string]string{"LANG": "C.utf8"}, "en"},
		{map[string]string{"LC_ALL": "POSIX.UTF-8", "LANG": "fr_FR.UTF-8"}, "en"},
		{map[string]string{"LC_MESSAGES": "C.UTF-8", "LANG": "de_DE.UTF-8"}, "en"},
		{map[string]string{"LANG": "C"}, ""},
		{map[string]string{"LANG": "POSIX"}, ""},
		{map[string]string{}, ""},
		{map[string]string{"LANG": "en_US.UTF-8"}, ""},
		{map[string]string{"LC_ALL": "fr_FR.UTF-8", "LANG": "C.UTF-8"}, ""},
		{map[string]string{"LANG": "C.UTF-8", "LANGUAGE": "fr"}, ""},
	}
	for _, c := range cases {
		got, ok := language(func(k string) string { return c.env[k] })
		if got != c.want || ok != (c.want != "") {
			t.Errorf("%v: LANGUAGE %q, %v; want %q", c.env, got, ok, c.want)
		}
	}
}
