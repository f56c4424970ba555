// Package servecmd is `confer-server serve`: a room server until SIGINT or
// SIGTERM. It is the one command that links the server (app/host), so it
// lives apart from package cli, which the window's program links too.
package servecmd

import (
	"fmt"
	"os"

	"confer/app/host"
	"confer/app/roomkeys"
	"confer/internal/cli"
)

// Serve runs `confer serve`: a room server until SIGINT or SIGTERM.
func Serve(env cli.Env) error {
	fs := cli.NewFlags(env, "serve", "[flags]")
	cfg := host.Config{}
	fs.StringVar(&cfg.Bind, "bind", "127.0.0.1", "address to listen on (0.0.0.0 opens it to the LAN)")
	fs.IntVar(&cfg.Port, "port", host.DefaultPort, "signalling and token endpoint port (TCP)")
	fs.IntVar(&cfg.RTCUDPPort, "rtc-udp-port", host.DefaultRTCUDPPort, "the one UDP port for all media")
	fs.IntVar(&cfg.RTCTCPPort, "rtc-tcp-port", host.DefaultRTCTCPPort, "media over TCP, for networks that block UDP")
	fs.IntVar(&cfg.STUNPort, "stun-port", 0, "UDP port where clients learn their own address (default: the RTC UDP port + 1)")
	key := fs.String("api-key", "", "API key (default: generated once and kept in the config dir)")
	secret := fs.String("api-secret", "", "API secret (default: generated once and kept in the config dir)")
	fs.StringVar(&cfg.Password, "password", "", "join password the token endpoint asks for (none by default)")
	redisAt := fs.String("redis", "", "Redis host:port, or redis://[user@]host:port[/db] (rediss:// for TLS); makes this node part of a cluster")
	fs.StringVar(&cfg.Redis.Password, "redis-password", "", "Redis password (or set CONFER_REDIS_PASSWORD: arguments are visible to other users in the process list)")
	fs.StringVar(&cfg.Redis.CACertFile, "redis-ca-cert", "", "also trust this PEM CA certificate for rediss://")
	fs.StringVar(&cfg.PublicURL, "public-url", "", "the ws:// or wss:// URL clients reach this node at, when not its bound address (behind a proxy, or a certificate's host name)")
	fs.IntVar(&cfg.MaxParticipants, "max-participants", 0, "people per room (0: no limit)")
	fs.StringVar(&cfg.TLSCertFile, "tls-cert", "", "PEM certificate (chain) file: serve wss:// and https:// (with --tls-key)")
	fs.StringVar(&cfg.TLSKeyFile, "tls-key", "", "PEM private key file of --tls-cert")
	showSecret := fs.Bool("show-secret", false, "print the API secret in full")
	reportEvery := cli.ReportFlag(fs)
	logLevel := fs.String("log-level", "", "debug, info, warn or error")
	if err := cli.Parse(fs, env.Args); err != nil {
		return err
	}
	if err := redisFlags(&cfg, *redisAt); err != nil {
		return err
	}
	// The stored keys' secret is masked by host.Start, which knows it.
	log, err := cli.NewLogger(env.Stderr, *logLevel, *secret, cfg.Password, cfg.Redis.Password)
	if err != nil {
		return err
	}
	cfg.Log, cfg.LogLevel = log, cli.LogLevelName(*logLevel)
	if (cfg.TLSCertFile == "") != (cfg.TLSKeyFile == "") {
		return fmt.Errorf("give both --tls-cert and --tls-key, or neither")
	}
	keys, where, err := cli.ResolveKeys(*key, *secret)
	if err != nil {
		return err
	}
	cfg.Keys = keys
	ctx, stop := cli.SignalContext()
	defer stop()
	srv, err := host.Start(ctx, cfg)
	if err != nil {
		return err
	}
	shown := roomkeys.Masked(keys.APISecret)
	if *showSecret {
		shown = keys.APISecret
	}
	fmt.Fprintf(env.Stderr, "confer: api key %s, secret %s (%s)\n", keys.APIKey, shown, where)
	fmt.Fprintf(env.Stdout, "confer: room server ready at %s\n", srv.URL())
	cli.StartReports(ctx, env.Stderr, *reportEvery)
	<-ctx.Done()
	fmt.Fprintln(env.Stderr, "confer: stopping")
	return srv.Close()
}

// redisFlags reads --redis and the password, from the flag, the URL or
// CONFER_REDIS_PASSWORD, in that order.
func redisFlags(cfg *host.Config, at string) error {
	password, caCert := cfg.Redis.Password, cfg.Redis.CACertFile
	opts, err := host.ParseRedis(at)
	if err != nil {
		return err
	}
	if opts.Address == "" {
		if password != "" || caCert != "" {
			return fmt.Errorf("--redis-password and --redis-ca-cert need --redis")
		}
		return nil
	}
	if caCert != "" && !opts.TLS {
		return fmt.Errorf("--redis-ca-cert is for TLS: give --redis as rediss://host:port")
	}
	for _, p := range []string{password, opts.Password, os.Getenv("CONFER_REDIS_PASSWORD")} {
		if p != "" {
			opts.Password = p
			break
		}
	}
	opts.CACertFile = caCert
	cfg.Redis = opts
	return nil
}
