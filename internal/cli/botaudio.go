package cli

import (
	"fmt"
	"hash/fnv"
	"math"
	"strconv"
	"strings"
	"time"

	"confer/media"
	"confer/media/capture"
	"confer/media/synth"
)

// speechLength is how much speech the synthetic microphone loops.
const speechLength = 60 * time.Second

// microphone reads --audio and --noise: whether the bot publishes a
// microphone and what it hears (nil: the standard tone).
func microphone(mode string, noiseDB, gainDB float64, user string) (bool, synth.Signal, error) {
	var sig synth.Signal
	switch mode {
	case "none":
		return false, nil, nil
	case "fake":
		sig = capture.FakeTone
	case "silence":
		sig = synth.Tone{}
	case "speech":
		s, err := speech(user)
		if err != nil {
			return false, nil, err
		}
		if gainDB > 20 || gainDB < -60 || math.IsNaN(gainDB) {
			return false, nil, fmt.Errorf("--mic-gain must be between -60 and 20 dB, not %v", gainDB)
		}
		s.Gain = math.Pow(10, gainDB/20)
		sig = s
	default:
		return false, nil, fmt.Errorf("--audio must be fake, speech, silence or none, not %q", mode)
	}
	if noiseDB > 0 || math.IsNaN(noiseDB) {
		return false, nil, fmt.Errorf("--noise is a level in dBFS below 0, such as -30, not %v", noiseDB)
	}
	if noiseDB < 0 {
		return true, &synth.Mix{Signals: []synth.Signal{sig, &synth.Noise{Level: noiseDB}}}, nil
	}
	if mode == "fake" {
		return true, nil, nil // the registered tone microphone
	}
	return true, sig, nil
}

// speech is a talker: the phrases in an order of the user's own, so two
// bots talking at once say different things.
func speech(user string) (*synth.Clip, error) {
	phrases := synth.SpeechPhrases()
	h := fnv.New32a()
	h.Write([]byte(user))
	k := int(h.Sum32() % uint32(len(phrases)))
	phrases = append(phrases[k:], phrases[:k]...)
	pcm, err := synth.SpeechLoop(speechLength, media.SampleRate, phrases)
	if err != nil {
		return nil, fmt.Errorf("--audio speech: %w", err)
	}
	return &synth.Clip{PCM: pcm}, nil
}

// processing reads --aec, --ns and --agc. "auto" is on for a microphone
// that stands for a person (speech, silence) and off for the tone: the tone
// is a measuring signal, steady like noise, and noise suppression would
// take it away.
func processing(aec, ns, agc string, person bool) (media.AudioProcessing, error) {
	var p media.AudioProcessing
	for _, f := range []struct {
		name, v string
		to      *bool
	}{{"aec", aec, &p.EchoCancellation}, {"ns", ns, &p.NoiseSuppression}, {"agc", agc, &p.AutoGain}} {
		switch f.v {
		case "on":
			*f.to = true
		case "auto":
			*f.to = person
		case "off":
		default:
			return p, fmt.Errorf("--%s must be on, off or auto, not %q", f.name, f.v)
		}
	}
	return p, nil
}

// parseRoomEcho reads --room-echo DELAY,GAIN, e.g. "80ms,-3dB".
func parseRoomEcho(s string) (*media.RoomEcho, error) {
	if s == "" {
		return nil, nil
	}
	bad := fmt.Errorf("--room-echo must be DELAY,GAIN such as 80ms,-3dB, not %q", s)
	d, g, ok := strings.Cut(s, ",")
	if !ok {
		return nil, bad
	}
	delay, err := time.ParseDuration(strings.TrimSpace(d))
	if err != nil || delay < 0 || delay > 900*time.Millisecond {
		return nil, bad
	}
	db, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(g), "dB"), 64)
	if err != nil || db > 20 || math.IsNaN(db) {
		return nil, bad
	}
	return &media.RoomEcho{Delay: delay, Gain: math.Pow(10, db/20)}, nil
}
