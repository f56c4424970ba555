package host

import (
	"math"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Wrong passwords allowed per client: a burst of 10, then 10 a minute.
// A person who mistypes never meets the limit; a script guessing passwords
// gets 14 400 guesses a day instead of thousands a second.
const (
	wrongPasswordBurst  = 10
	wrongPasswordWindow = time.Minute
	// maxClientsTracked bounds the limiter's memory (about 100 bytes a
	// client) however many addresses send wrong passwords.
	maxClientsTracked = 10_000
)

// attemptLimiter limits failed attempts per client with a token bucket:
// each client may fail burst times, and regains burst attempts per window.
// Only failures are recorded, so a client that never failed is never
// refused, whatever others do.
type attemptLimiter struct {
	burst  float64
	refill float64 // attempts regained per second
	max    int

	mu        sync.Mutex
	clients   map[string]attempts // guarded by mu
	lastSweep time.Time           // guarded by mu
}

// attempts is what is left of a client's attempts, as of at.
type attempts struct {
	left float64
	at   time.Time
}

func newAttemptLimiter(burst int, window time.Duration, max int) *attemptLimiter {
	return &attemptLimiter{
		burst:   float64(burst),
		refill:  float64(burst) / window.Seconds(),
		max:     max,
		clients: map[string]attempts{},
	}
}

// wait is how long client must wait before its next attempt; 0 when it may
// try now.
func (l *attemptLimiter) wait(client string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.clients[client]
	if !ok {
		return 0
	}
	left := l.leftLocked(b, now)
	if left >= 1 {
		return 0
	}
	return time.Duration((1 - left) / l.refill * float64(time.Second))
}

// fail records a failed attempt by client.
func (l *attemptLimiter) fail(client string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.clients[client]
	if !ok {
		l.makeRoomLocked(now)
		b = attempts{left: l.burst, at: now}
	}
	l.clients[client] = attempts{left: math.Max(0, l.leftLocked(b, now)-1), at: now}
}

func (l *attemptLimiter) leftLocked(b attempts, now time.Time) float64 {
	return math.Min(l.burst, b.left+now.Sub(b.at).Seconds()*l.refill)
}

// makeRoomLocked keeps the table under its bound. A client whose attempts
// have refilled is as good as forgotten, so those go first (in a sweep at
// most once a second, so that a flood does not walk the table each time);
// if every one is still limited (an attack from more addresses than the
// table holds), an arbitrary one goes: such an attacker has that many
// guesses anyway.
func (l *attemptLimiter) makeRoomLocked(now time.Time) {
	if len(l.clients) < l.max {
		return
	}
	if now.Sub(l.lastSweep) >= time.Second {
		l.lastSweep = now
		for c, b := range l.clients {
			if l.leftLocked(b, now) >= l.burst {
				delete(l.clients, c)
			}
		}
	}
	for c := range l.clients {
		if len(l.clients) < l.max {
			return
		}
		delete(l.clients, c)
	}
}

// clientKey is who a request comes from, for the limiter: the peer's
// address, or, from a reverse proxy on this machine, the address the proxy
// saw (the last X-Forwarded-For entry). IPv6 addresses count per /64, the
// block one subscriber usually holds.
func clientKey(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip := net.ParseIP(host)
	if ip != nil && ip.IsLoopback() {
		if fwd := forwardedFor(r.Header); fwd != nil {
			ip = fwd
		}
	}
	if ip == nil {
		return host
	}
	if ip.To4() == nil {
		return ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
	}
	return ip.String()
}

// forwardedFor is the last address in X-Forwarded-For: the one the nearest
// proxy added. Earlier entries come from the client and prove nothing.
func forwardedFor(h http.Header) net.IP {
	vals := h.Values("X-Forwarded-For")
	if len(vals) == 0 {
		return nil
	}
	parts := strings.Split(vals[len(vals)-1], ",")
	return net.ParseIP(strings.TrimSpace(parts[len(parts)-1]))
}
