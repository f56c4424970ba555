package host

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// RedisOptions is how a node reaches the Redis its cluster shares. An empty
// Address means no cluster.
type RedisOptions struct {
	Address    string // host:port
	Username   string // Redis 6 ACL user; "" for the default user
	Password   string
	DB         int
	TLS        bool   // rediss://
	CACertFile string // PEM CA trusted for TLS besides the system's roots
}

// ParseRedis reads --redis: host:port, or a URL
// redis://[user[:password]@]host[:port][/db] (rediss:// for TLS), the form
// Redis' own clients take.
func ParseRedis(s string) (RedisOptions, error) {
	if s == "" {
		return RedisOptions{}, nil
	}
	if !strings.Contains(s, "://") {
		if _, _, err := net.SplitHostPort(s); err != nil {
			// Not echoed: what was typed may hold a password.
			return RedisOptions{}, errors.New("--redis: give host:port, or a redis:// or rediss:// URL")
		}
		return RedisOptions{Address: s}, nil
	}
	u, err := url.Parse(s)
	if err != nil {
		return RedisOptions{}, errors.New("--redis: not a valid URL") // the URL may hold a password
	}
	o := RedisOptions{TLS: u.Scheme == "rediss"}
	if u.Scheme != "redis" && u.Scheme != "rediss" {
		return RedisOptions{}, fmt.Errorf("--redis: the URL must start with redis:// or rediss://, not %s://", u.Scheme)
	}
	if u.Hostname() == "" {
		return RedisOptions{}, errors.New("--redis: the URL has no host")
	}
	port := u.Port()
	if port == "" {
		port = "6379"
	}
	o.Address = net.JoinHostPort(u.Hostname(), port)
	if u.User != nil {
		o.Username = u.User.Username()
		o.Password, _ = u.User.Password()
		if _, hasPassword := u.User.Password(); !hasPassword {
			// redis://secret@host: a lone userinfo is the password, as in redis-cli.
			o.Username, o.Password = "", u.User.Username()
		}
	}
	if db := strings.Trim(u.Path, "/"); db != "" {
		if o.DB, err = strconv.Atoi(db); err != nil || o.DB < 0 {
			return RedisOptions{}, fmt.Errorf("--redis: database %q is not a number", db)
		}
	}
	return o, nil
}

// liveKit is the redis section of the node's configuration.
func (o RedisOptions) liveKit() map[string]any {
	doc := map[string]any{"address": o.Address, "db": o.DB}
	if o.Username != "" {
		doc["username"] = o.Username
	}
	if o.Password != "" {
		doc["password"] = o.Password
	}
	if o.TLS {
		tls := map[string]any{"enabled": true}
		if o.CACertFile != "" {
			tls["ca_cert_file"] = o.CACertFile
		}
		doc["tls"] = tls
	}
	return doc
}
