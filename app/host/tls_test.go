package host

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"confer/app"
	"confer/internal/testcert"
)

func startTLSServer(t *testing.T, cert testcert.Cert) *Server {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s, err := Start(ctx, Config{Keys: testKeys, Password: "sesame", TLSCertFile: cert.CertFile, TLSKeyFile: cert.KeyFile, Log: quietLog})
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// trusting is an HTTPS client that trusts pem and nothing else.
func trusting(pem []byte) *http.Client {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
}

func postTokenWith(c *http.Client, url string) (*http.Response, error) {
	body := `{"room": "8888", "user": "ana", "password": "sesame"}`
	return c.Post(url+app.TokenEndpointPath, "application/json", strings.NewReader(body))
}

func TestTLSServesTokensOverHTTPS(t *testing.T) {
	cert := testcert.SelfSigned(t)
	s := startTLSServer(t, cert)
	if !strings.HasPrefix(s.URL(), "wss://127.0.0.1:") {
		t.Fatalf("URL %q; want wss://", s.URL())
	}
	https := "https://" + strings.TrimPrefix(s.URL(), "wss://")
	resp, err := postTokenWith(trusting(cert.PEM), https)
	if err != nil {
		t.Fatalf("a client that trusts the certificate: %v", err)
	}
	defer resp.Body.Close()
	var res app.TokenResponse
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil || resp.StatusCode != http.StatusOK || res.Token == "" {
		t.Fatalf("%s %+v %v", resp.Status, res, err)
	}
	if res.URL != s.URL() {
		t.Fatalf("the endpoint says url %q; want %q", res.URL, s.URL())
	}

	// The system's authorities do not know a self-signed certificate.
	_, err = postTokenWith(&http.Client{}, https)
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &unknown) {
		t.Fatalf("a client with only the system's authorities: %v; want an unknown authority", err)
	}

	// Plain HTTP to the TLS port is told so, not left hanging.
	resp, err = http.Post("http://"+strings.TrimPrefix(s.URL(), "wss://")+app.TokenEndpointPath, "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !bytes.Contains(body, []byte("HTTP request to an HTTPS server")) {
		t.Fatalf("plain HTTP: %s %q", resp.Status, body)
	}
}

// A renewed certificate, written over the old files, is served to the
// next connection without a restart.
func TestTLSPicksUpARenewedCertificate(t *testing.T) {
	first := testcert.SelfSigned(t)
	s := startTLSServer(t, first)
	https := "https://" + strings.TrimPrefix(s.URL(), "wss://")
	renewed := testcert.SelfSigned(t)
	for _, f := range [][2]string{{renewed.CertFile, first.CertFile}, {renewed.KeyFile, first.KeyFile}} {
		data, err := os.ReadFile(f[0])
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(f[1], data, 0o600); err != nil {
			t.Fatal(err)
		}
		// A file system with coarse times could keep the old time.
		later := time.Now().Add(time.Minute)
		if err := os.Chtimes(f[1], later, later); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := postTokenWith(trusting(renewed.PEM), https)
	if err != nil {
		t.Fatalf("a client that trusts only the renewed certificate: %v", err)
	}
	resp.Body.Close()
}

func TestTLSRefusesToStartWithABadPair(t *testing.T) {
	a, b := testcert.SelfSigned(t), testcert.SelfSigned(t)
	for name, cfg := range map[string]Config{
		"missing file":       {TLSCertFile: a.CertFile + ".gone", TLSKeyFile: a.KeyFile},
		"key of another":     {TLSCertFile: a.CertFile, TLSKeyFile: b.KeyFile},
		"certificate only":   {TLSCertFile: a.CertFile},
		"key is not PEM":     {TLSCertFile: a.CertFile, TLSKeyFile: "tls_test.go"},
		"certificate is key": {TLSCertFile: a.KeyFile, TLSKeyFile: a.KeyFile},
	} {
		cfg.Keys, cfg.Log = testKeys, quietLog
		s, err := Start(context.Background(), cfg)
		if err == nil {
			s.Close()
			t.Errorf("%s: started", name)
			continue
		}
		if !strings.Contains(err.Error(), "TLS") {
			t.Errorf("%s: %v; want an error about TLS", name, err)
		}
	}
}

var quietLog = slog.New(slog.NewTextHandler(io.Discard, nil))
