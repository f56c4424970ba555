package app

import (
	"net"
	"net/netip"
	"net/url"
	"strings"
)

// JoinParams says where to meet and how to prove the right to be there.
// Credentials, first that applies: Token; APIKey and APISecret (a token is
// made locally); otherwise the Confer server's token endpoint, with Password
// when the server has one.
type JoinParams struct {
	ServerURL string // ws://host:port, wss://host, http(s)://…, or host:port
	RoomID    string
	UserID    string
	Name      string

	Token     string
	APIKey    string
	APISecret string
	Password  string

	Camera     bool // publish the camera from the start
	Microphone bool // publish the microphone from the start

	// Rejoin is set by the call when it fails over to another node of a
	// cluster (failover.go): the transport first waits for the room to
	// leave a node that has stopped serving.
	Rejoin bool
}

// Normalize checks every field a person typed, before any network call, and
// returns the params with the name trimmed and the server URL in ws(s) form.
func (p JoinParams) Normalize() (JoinParams, error) {
	if err := ValidateRoomID(p.RoomID); err != nil {
		return p, err
	}
	if err := ValidateUserID(p.UserID); err != nil {
		return p, err
	}
	name, err := NormalizeName(p.Name)
	if err != nil {
		return p, err
	}
	p.Name = name
	u, err := NormalizeServerURL(p.ServerURL)
	if err != nil {
		return p, err
	}
	p.ServerURL = u
	if (p.APIKey == "") != (p.APISecret == "") {
		return p, ErrNoCredentials
	}
	return p, nil
}

// NormalizeServerURL turns what a person typed into a ws:// or wss:// URL.
// "host:port" and "host" mean ws://; http and https map to ws and wss.
func NormalizeServerURL(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", ErrInvalidServer
	}
	if !strings.Contains(s, "://") {
		s = "ws://" + s
	}
	u, err := url.Parse(s)
	if err != nil || !validHost(u.Hostname()) {
		return "", ErrInvalidServer
	}
	if strings.Contains(u.Hostname(), ":") && !strings.HasPrefix(u.Host, "[") {
		// An IPv6 address needs its brackets: "ws://:::0" is no address
		// a dialer can split from its port.
		return "", ErrInvalidServer
	}
	switch u.Scheme {
	case "ws", "wss":
	case "http":
		u.Scheme = "ws"
	case "https":
		u.Scheme = "wss"
	default:
		return "", ErrInvalidServer
	}
	if port := u.Port(); port != "" {
		if _, err := net.LookupPort("tcp", port); err != nil {
			return "", ErrInvalidServer
		}
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawQuery, u.Fragment = "", ""
	return u.String(), nil
}

// validHost tells whether h can be dialled: an IP address, or a name of
// letters, digits, '-', '_' and dots. url.Parse lets through hosts such as
// "]" that no dialer takes, which would fail later with a puzzling message.
func validHost(h string) bool {
	if _, err := netip.ParseAddr(h); err == nil {
		return true
	}
	if h == "" || len(h) > 253 {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
		if !ok {
			return false
		}
	}
	return true
}

// HostPort returns host:port of a ws(s) URL, with the scheme's default port.
func HostPort(wsURL string) string {
	u, err := url.Parse(wsURL)
	if err != nil {
		return wsURL
	}
	if u.Port() != "" {
		return u.Host
	}
	if u.Scheme == "wss" {
		return net.JoinHostPort(u.Hostname(), "443")
	}
	return net.JoinHostPort(u.Hostname(), "80")
}
