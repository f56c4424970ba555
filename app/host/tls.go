package host

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"
)

// certFiles serves a certificate and key kept in two PEM files. It reads
// them again when either file changes, so a renewed certificate (certbot
// replaces the files every few weeks) is used without a restart. A renewal
// caught half-written fails to load; the previous pair is kept until the
// files make a pair again.
type certFiles struct {
	certPath, keyPath string
	log               *slog.Logger

	mu               sync.Mutex
	pair             *tls.Certificate // guarded by mu
	certMod, keyMod  time.Time        // guarded by mu: the files' times when pair was read
	lastFailedReload time.Time        // guarded by mu
}

// loadCertFiles reads the pair once, so that a wrong path or a key that
// does not match its certificate stops the server at start.
func loadCertFiles(certPath, keyPath string, log *slog.Logger) (*certFiles, error) {
	if certPath == "" || keyPath == "" {
		return nil, errors.New("TLS needs both a certificate file and a key file")
	}
	c := &certFiles{certPath: certPath, keyPath: keyPath, log: log}
	certMod, keyMod, err := c.modTimes()
	if err != nil {
		return nil, err
	}
	if err := c.loadLocked(certMod, keyMod); err != nil {
		return nil, err
	}
	return c, nil
}

// tlsConfig is the front listener's: TLS 1.2 and up, HTTP/1.1 only, since
// the websocket clients LiveKit serves upgrade from HTTP/1.1.
func (c *certFiles) tlsConfig() *tls.Config {
	return &tls.Config{
		MinVersion:     tls.VersionTLS12,
		NextProtos:     []string{"http/1.1"},
		GetCertificate: c.get,
	}
}

// get is tls.Config.GetCertificate: the pair, read again first if a file
// changed since.
func (c *certFiles) get(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	certMod, keyMod, err := c.modTimes()
	if err == nil && (!certMod.Equal(c.certMod) || !keyMod.Equal(c.keyMod)) {
		err = c.loadLocked(certMod, keyMod)
	}
	if err != nil && time.Since(c.lastFailedReload) > time.Minute {
		c.lastFailedReload = time.Now()
		c.log.Warn("cannot read the TLS certificate again; serving the one read before", "err", err)
	}
	return c.pair, nil
}

func (c *certFiles) loadLocked(certMod, keyMod time.Time) error {
	pair, err := tls.LoadX509KeyPair(c.certPath, c.keyPath)
	if err != nil {
		return fmt.Errorf("cannot use the TLS certificate %s with the key %s: %w", c.certPath, c.keyPath, err)
	}
	c.pair, c.certMod, c.keyMod = &pair, certMod, keyMod
	return nil
}

func (c *certFiles) modTimes() (cert, key time.Time, err error) {
	ci, err := os.Stat(c.certPath)
	if err != nil {
		return cert, key, fmt.Errorf("cannot read the TLS certificate: %w", err)
	}
	ki, err := os.Stat(c.keyPath)
	if err != nil {
		return cert, key, fmt.Errorf("cannot read the TLS key: %w", err)
	}
	return ci.ModTime(), ki.ModTime(), nil
}
