package media

import (
	"os"
	"path/filepath"
	"runtime"
)

// SoundSystemPresent tells whether a sound card or sound server exists, so
// opening real audio devices is worth trying. Without this check ALSA prints
// a screenful of errors to stderr before giving up on a machine with none.
func SoundSystemPresent() bool {
	if runtime.GOOS != "linux" {
		return true
	}
	if _, err := os.Stat("/dev/snd"); err == nil {
		return true
	}
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" {
		if _, err := os.Stat(filepath.Join(d, "pulse", "native")); err == nil {
			return true
		}
	}
	return os.Getenv("PULSE_SERVER") != ""
}
