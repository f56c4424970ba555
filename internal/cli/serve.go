package cli

import (
	"fmt"

	"confer/app/host"
)

// Serve runs `confer serve`: a room server until SIGINT or SIGTERM.
func Serve(env Env) error {
	fs := newFlags(env, "serve", "[flags]")
	cfg := host.Config{}
	fs.StringVar(&cfg.Bind, "bind", "127.0.0.1", "address to listen on (0.0.0.0 opens it to the LAN)")
	fs.IntVar(&cfg.Port, "port", host.DefaultPort, "signalling and token endpoint port (TCP)")
	fs.IntVar(&cfg.RTCUDPPort, "rtc-udp-port", host.DefaultRTCUDPPort, "the one UDP port for all media")
	fs.IntVar(&cfg.RTCTCPPort, "rtc-tcp-port", host.DefaultRTCTCPPort, "media over TCP, for networks that block UDP")
	fs.IntVar(&cfg.STUNPort, "stun-port", 0, "UDP port where clients learn their own address (default: the RTC UDP port + 1)")
	key := fs.String("api-key", "", "API key (default: generated once and kept in the config dir)")
	secret := fs.String("api-secret", "", "API secret (default: generated once and kept in the config dir)")
	fs.StringVar(&cfg.Password, "password", "", "join password the token endpoint asks for (none by default)")
	fs.StringVar(&cfg.Redis, "redis", "", "Redis host:port; makes this node part of a cluster")
	fs.IntVar(&cfg.MaxParticipants, "max-participants", 0, "people per room (0: no limit)")
	fs.StringVar(&cfg.TLSCertFile, "tls-cert", "", "PEM certificate (chain) file: serve wss:// and https:// (with --tls-key)")
	fs.StringVar(&cfg.TLSKeyFile, "tls-key", "", "PEM private key file of --tls-cert")
	showSecret := fs.Bool("show-secret", false, "print the API secret in full")
	reportEvery := reportFlag(fs)
	logLevel := fs.String("log-level", "", "debug, info, warn or error")
	if err := parse(fs, env.Args); err != nil {
		return err
	}
	// The stored keys' secret is masked by host.Start, which knows it.
	log, err := newLogger(env.Stderr, *logLevel, *secret, cfg.Password)
	if err != nil {
		return err
	}
	cfg.Log, cfg.LogLevel = log, logLevelName(*logLevel)
	if (cfg.TLSCertFile == "") != (cfg.TLSKeyFile == "") {
		return fmt.Errorf("give both --tls-cert and --tls-key, or neither")
	}
	keys, where, err := resolveKeys(*key, *secret)
	if err != nil {
		return err
	}
	cfg.Keys = keys
	ctx, stop := signalContext()
	defer stop()
	srv, err := host.Start(ctx, cfg)
	if err != nil {
		return err
	}
	shown := host.Masked(keys.APISecret)
	if *showSecret {
		shown = keys.APISecret
	}
	fmt.Fprintf(env.Stderr, "confer: api key %s, secret %s (%s)\n", keys.APIKey, shown, where)
	fmt.Fprintf(env.Stdout, "confer: room server ready at %s\n", srv.URL())
	startReports(ctx, env.Stderr, *reportEvery)
	<-ctx.Done()
	fmt.Fprintln(env.Stderr, "confer: stopping")
	return srv.Close()
}

// resolveKeys uses the flags when both are given, else the stored keys.
func resolveKeys(key, secret string) (host.Keys, string, error) {
	switch {
	case key != "" && secret != "":
		return host.Keys{APIKey: key, APISecret: secret}, "from flags", nil
	case secret == "" && key != "":
		return host.Keys{}, "", fmt.Errorf("--api-key needs --api-secret too (or give neither, to use the stored keys)")
	case key == "" && secret != "":
		return host.Keys{}, "", fmt.Errorf("--api-secret needs --api-key too (or give neither, to use the stored keys)")
	}
	k, err := host.LoadOrCreateKeys()
	if err != nil {
		return host.Keys{}, "", fmt.Errorf("cannot read or create the server keys: %w", err)
	}
	path, _ := host.KeysPath()
	return k, "kept in " + path, nil
}
