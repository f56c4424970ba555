package servecmd

import (
	"bytes"
	"strings"
	"testing"

	"confer/internal/cli"
)

func TestAHalfGivenKeyPairNamesTheMissingHalf(t *testing.T) {
	for _, c := range []struct{ given, missing string }{{"--api-key", "--api-secret"}, {"--api-secret", "--api-key"}} {
		var stdout, stderr bytes.Buffer
		code := cli.Run(cli.Program{Name: "confer-server", Serve: Serve}, []string{"serve", c.given, "x"}, &stdout, &stderr)
		if code != 1 || !strings.HasPrefix(stderr.String(), "confer-server: "+c.given+" needs "+c.missing+" too") ||
			strings.Count(stderr.String(), "\n") != 1 {
			t.Errorf("serve %s: exit %d, %q", c.given, code, stderr.String())
		}
	}
}
