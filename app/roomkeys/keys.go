// Package roomkeys holds a room server's API keys, kept in the config
// directory, and the access tokens they sign. It links no server, so the
// window and the tools mint tokens without one.
package roomkeys

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Keys are the API key and secret that sign access tokens.
type Keys struct {
	APIKey    string `json:"api_key"`
	APISecret string `json:"api_secret"`
}

// ConfigDir is where Confer keeps its files: $XDG_CONFIG_HOME/confer on Linux.
func ConfigDir() (string, error) {
	base, err := os.UserConfigDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(base, "confer"), nil
}

// KeysPath is the file that holds the server's keys.
func KeysPath() (string, error) {
	dir, err := ConfigDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "server-keys.json"), nil
}

// LoadOrCreateKeys reads the stored keys, creating them on first use. The file
// is readable by its owner only.
func LoadOrCreateKeys() (Keys, error) {
	path, err := KeysPath()
	if err != nil {
		return Keys{}, err
	}
	k, err := LoadKeys(path)
	if err == nil {
		return k, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return Keys{}, err
	}
	k = Keys{APIKey: "API" + randomString(12), APISecret: randomString(40)}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return Keys{}, err
	}
	data, _ := json.MarshalIndent(k, "", "  ")
	// O_EXCL: when two processes start at once, the second reads the first's keys.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return LoadKeys(path)
	}
	if err != nil {
		return Keys{}, err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return Keys{}, err
	}
	return k, f.Close()
}

// LoadKeys reads keys from a file written by LoadOrCreateKeys.
func LoadKeys(path string) (Keys, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Keys{}, err
	}
	var k Keys
	if err := json.Unmarshal(data, &k); err != nil || k.APIKey == "" || k.APISecret == "" {
		return Keys{}, fmt.Errorf("%s is damaged; delete it to make new keys", path)
	}
	return k, nil
}

// Masked shows a secret's first and last characters only.
func Masked(secret string) string {
	if len(secret) < 8 {
		return "****"
	}
	return secret[:3] + "…" + secret[len(secret)-3:]
}

const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails on supported platforms
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
