package cli

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"confer/app/livekit"
)

// Admin runs `confer admin list|remove|close` against confer serve or any
// LiveKit server.
func Admin(env Env) error {
	if len(env.Args) == 0 || strings.HasPrefix(env.Args[0], "-") {
		fmt.Fprintln(env.Stderr, "usage: confer admin list [--room R] | remove --room R --user U | close --room R\n\n"+
			"flags: --url (or LIVEKIT_URL), --api-key (LIVEKIT_API_KEY), --api-secret (LIVEKIT_API_SECRET);\n"+
			"without keys, the ones `confer serve` keeps in the config dir")
		return ErrUsage
	}
	verb := env.Args[0]
	if verb != "list" && verb != "remove" && verb != "close" {
		return fmt.Errorf("unknown admin command %q (list, remove or close)", verb)
	}
	fs := newFlags(env, "admin "+verb, "[flags]")
	url := fs.String("url", envOr("LIVEKIT_URL", "ws://127.0.0.1:7880"), "server URL")
	key := fs.String("api-key", os.Getenv("LIVEKIT_API_KEY"), "API key")
	secret := fs.String("api-secret", os.Getenv("LIVEKIT_API_SECRET"), "API secret")
	room := fs.String("room", "", "room ID")
	user := fs.String("user", "", "user ID (remove)")
	trust := caCertFlag(fs)
	if err := parse(fs, env.Args[1:]); err != nil {
		return err
	}
	if err := adminNeeds(env, verb, *room, *user); err != nil {
		return err
	}
	if err := trust(); err != nil {
		return err
	}
	keys, _, err := resolveKeys(*key, *secret)
	if err != nil {
		return err
	}
	admin, err := livekit.NewAdmin(*url, keys.APIKey, keys.APISecret)
	if err != nil {
		return err
	}
	ctx, cancel := livekit.AnswerWithin(context.Background(), answerTimeout)
	defer cancel()
	switch verb {
	case "list":
		return adminList(ctx, env, admin, *room)
	case "remove":
		if err := admin.RemoveUser(ctx, *room, *user); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "removed %s from %s\n", *user, *room)
	case "close":
		if err := admin.CloseRoom(ctx, *room); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "closed %s\n", *room)
	}
	return nil
}

// answerTimeout is how long a server has to answer an admin request: as
// long as a join gets.
const answerTimeout = 10 * time.Second

// adminNeeds checks the flags remove and close cannot do without.
func adminNeeds(env Env, verb, room, user string) error {
	switch verb {
	case "remove":
		return requireFlags(env, "admin remove",
			need{"room", room, "the room to take someone out of"},
			need{"user", user, "the user ID of who to take out (confer admin list shows them)"})
	case "close":
		return requireFlags(env, "admin close", need{"room", room, "the room to end the call in"})
	}
	return nil
}

func adminList(ctx context.Context, env Env, admin *livekit.Admin, room string) error {
	rooms, err := admin.List(ctx, room)
	if err != nil {
		return err
	}
	if len(rooms) == 0 {
		fmt.Fprintln(env.Stdout, "no rooms")
	}
	for _, r := range rooms {
		if r.Node != "" {
			fmt.Fprintf(env.Stdout, "%s (%d) on %s\n", r.Name, len(r.Participants), r.Node)
		} else {
			fmt.Fprintf(env.Stdout, "%s (%d)\n", r.Name, len(r.Participants))
		}
		for _, p := range r.Participants {
			fmt.Fprintf(env.Stdout, "  %s\t%s\n", p.UserID, p.Name)
		}
	}
	return nil
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}
