package cli

import (
	"io"
	"testing"

	"confer/app"
)

func TestThePassphraseComesFromTheInviteTheFlagOrTheEnvironment(t *testing.T) {
	gui := func(args ...string) app.E2EE {
		t.Helper()
		opts, _, _, err := GUIFlags(Env{Args: args, Stdout: io.Discard, Stderr: io.Discard})
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		return opts.E2EE
	}
	link := app.InviteLinkWithPassphrase("ws://127.0.0.1:7880", "r1", app.NewE2EE("from the link"))
	if got := gui(link).Passphrase(); got != "from the link" {
		t.Errorf("invite: %q", got)
	}
	if got := gui(link, "--e2ee-passphrase", "from the flag").Passphrase(); got != "from the flag" {
		t.Errorf("flag over the invite: %q", got)
	}
	t.Setenv(e2eeEnv, "from the environment")
	if got := gui().Passphrase(); got != "from the environment" {
		t.Errorf("environment: %q", got)
	}
	if got := gui(app.InviteLink("ws://127.0.0.1:7880", "r1")).Passphrase(); got != "from the environment" {
		t.Errorf("environment with a plain invite: %q", got)
	}
}
