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
	showSecret := fs.Bool("show-secret", false, "print the API secret in full")
	logLevel := fs.String("log-level", "", "debug, info, warn or error")
	if err := parse(fs, env.Args); err != nil {
		return err
	}
	cfg.Log = newLogger(env.Stderr, *logLevel)
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
	<-ctx.Done()
	fmt.Fprintln(env.Stderr, "confer: stopping")
	return srv.Close()
}

// resolveKeys uses the flags when both are given, else the stored keys.
func resolveKeys(key, secret string) (host.Keys, string, error) {
	switch {
	case key != "" && secret != "":
		return host.Keys{APIKey: key, APISecret: secret}, "from flags", nil
	case key != "" || secret != "":
		return host.Keys{}, "", fmt.Errorf("give both --api-key and --api-secret, or neither")
	}
	k, err := host.LoadOrCreateKeys()
	if err != nil {
		return host.Keys{}, "", fmt.Errorf("cannot read or create the server keys: %w", err)
	}
	path, _ := host.KeysPath()
	return k, "kept in " + path, nil
}
