package cli

import (
	"flag"
	"os"

	"confer/app"
)

// e2eeEnv holds an end-to-end encryption passphrase out of the process
// list, where other users of the machine can read every argument.
const e2eeEnv = "CONFER_E2EE_PASSPHRASE"

// e2eeFlag adds --e2ee-passphrase; the result reads it, or the environment.
func e2eeFlag(fs *flag.FlagSet) func() app.E2EE {
	p := fs.String("e2ee-passphrase", "", "end-to-end encrypt the call with this passphrase, which everyone in it "+
		"types (or set "+e2eeEnv+": arguments are visible to other users in the process list)")
	return func() app.E2EE {
		if *p != "" {
			return app.NewE2EE(*p)
		}
		return app.NewE2EE(os.Getenv(e2eeEnv))
	}
}
