package cli

import (
	"fmt"
	"time"

	"confer/app/roomkeys"
)

// Token runs `confer token`: prints an access token signed with the keys.
func Token(env Env) error {
	fs := newFlags(env, "token", "--room R --user U [--name N] [--ttl D]")
	var req roomkeys.TokenRequest
	fs.StringVar(&req.Room, "room", "", "room ID")
	fs.StringVar(&req.User, "user", "", "user ID")
	fs.StringVar(&req.Name, "name", "", "display name (default: the user ID)")
	fs.DurationVar(&req.TTL, "ttl", roomkeys.DefaultTokenTTL, "how long the token may be used to join")
	key := fs.String("api-key", "", "API key (default: the stored server keys)")
	secret := fs.String("api-secret", "", "API secret (default: the stored server keys)")
	if err := parse(fs, env.Args); err != nil {
		return err
	}
	if err := requireFlags(env, "token",
		need{"room", req.Room, "the ID of the room the token lets someone join"},
		need{"user", req.User, "the user ID the token is for"}); err != nil {
		return err
	}
	if req.TTL <= 0 || req.TTL > 366*24*time.Hour {
		return fmt.Errorf("--ttl must be between 1s and a year")
	}
	keys, _, err := resolveKeys(*key, *secret)
	if err != nil {
		return err
	}
	tok, err := roomkeys.MintToken(keys, req)
	if err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout, tok)
	return nil
}
