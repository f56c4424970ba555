package livekit

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/gorilla/websocket"
	"github.com/livekit/server-sdk-go/v2/signalling"

	"confer/app"
)

// TrustCertificates makes this process trust the CA certificates in pem
// (PEM, one or more) for wss:// and https://, besides the system's
// authorities: how a server with a self-signed certificate is reached
// without turning verification off.
//
// LiveKit's SDK dials with gorilla's websocket.DefaultDialer and Go's
// http.DefaultClient and takes no TLS settings, so this sets theirs, for
// the whole process. Call it once at start, before any connection.
func TrustCertificates(pem []byte) error {
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool() // no system store: trust only what was given
	}
	if !pool.AppendCertsFromPEM(pem) {
		return errors.New("no PEM certificate in it")
	}
	conf := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	websocket.DefaultDialer.TLSClientConfig = conf
	t, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		return errors.New("the HTTP transport cannot be given certificates")
	}
	t.TLSClientConfig = conf
	return nil
}

// certificateError explains a TLS failure a person can act on, or returns
// nil for any other error.
func certificateError(serverURL string, err error) error {
	addr := app.HostPort(serverURL)
	var unknown x509.UnknownAuthorityError
	var host x509.HostnameError
	var invalid x509.CertificateInvalidError
	var record tls.RecordHeaderError
	switch {
	case errors.As(err, &unknown):
		return &app.CertificateError{Addr: addr, Err: err, Reason: "it is self-signed or from an authority this computer does not know. " +
			"If you trust it, give its CA certificate with --ca-cert FILE (or CONFER_CA_CERT=FILE)"}
	case errors.As(err, &host):
		return &app.CertificateError{Addr: addr, Err: err, Reason: fmt.Sprintf("it is for another name (%v). "+
			"Use the server's name as its certificate gives it", err)}
	case errors.As(err, &invalid):
		return &app.CertificateError{Addr: addr, Err: err, Reason: fmt.Sprintf("%v", invalid)}
	case errors.As(err, &record),
		// net/http's words for it, which keep no error type.
		strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		return app.ErrServerNoTLS
	}
	return nil
}

// tlsDialError finds a TLS failure behind the SDK's "could not dial",
// which drops the reason, by asking the server once more; nil if TLS is
// not what failed.
func tlsDialError(ctx context.Context, url, token string, err error) error {
	if !errors.Is(err, signalling.ErrCannotDialSignal) || ctx.Err() != nil {
		return nil
	}
	if _, verr := validateStatus(ctx, url, token); verr != nil {
		return certificateError(url, verr)
	}
	return nil
}
