package cli

import (
	"flag"
	"fmt"
	"os"

	"confer/app/livekit"
)

// caCertEnv names a CA certificate to trust, for the desktop app (which
// has no command line when opened from a menu) and every command.
const caCertEnv = "CONFER_CA_CERT"

// caCertFlag adds --ca-cert. The result makes the process trust the
// certificate the flag names, or else CONFER_CA_CERT's, besides the
// system's authorities; with neither it does nothing. Verification is never
// turned off: a server with a self-signed certificate is trusted by name.
func caCertFlag(fs *flag.FlagSet) func() error {
	p := fs.String("ca-cert", "", "also trust this PEM CA certificate for wss:// and https:// (a server's self-signed one); or set "+caCertEnv)
	return func() error {
		path := *p
		if path == "" {
			path = os.Getenv(caCertEnv)
		}
		return trustCA(path)
	}
}

func trustCA(path string) error {
	if path == "" {
		return nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("cannot read the CA certificate: %w", err)
	}
	if err := livekit.TrustCertificates(data); err != nil {
		return fmt.Errorf("cannot use %s as a CA certificate: %w", path, err)
	}
	return nil
}
