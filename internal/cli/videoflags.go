package cli

import (
	"flag"
	"fmt"

	"confer/media"
)

// Bounds of the bot's camera flags. Beyond them the synthetic camera would
// allocate gigabytes, or its frame clock tick at zero intervals (which
// panics), long before anything useful happened.
var videoBounds = struct{ width, height, fps, kbps [2]int }{
	width:  [2]int{16, 3840},
	height: [2]int{16, 2160},
	fps:    [2]int{1, 60},
	kbps:   [2]int{30, 20000},
}

// videoFlags adds --width, --height, --fps and --bitrate; the result is
// the profile they give, checked.
func videoFlags(fs *flag.FlagSet) func() (media.VideoProfile, error) {
	p := media.DefaultVideo
	fs.IntVar(&p.Width, "width", p.Width, "camera width")
	fs.IntVar(&p.Height, "height", p.Height, "camera height")
	fs.IntVar(&p.FPS, "fps", p.FPS, "camera frame rate")
	fs.IntVar(&p.BitrateKbps, "bitrate", p.BitrateKbps, "video bitrate, kbit/s")
	return func() (media.VideoProfile, error) {
		for _, c := range []struct {
			flag, unit string
			v          int
			bounds     [2]int
		}{
			{"width", "pixels", p.Width, videoBounds.width},
			{"height", "pixels", p.Height, videoBounds.height},
			{"fps", "frames a second", p.FPS, videoBounds.fps},
			{"bitrate", "kbit/s", p.BitrateKbps, videoBounds.kbps},
		} {
			if c.v < c.bounds[0] || c.v > c.bounds[1] {
				return p, fmt.Errorf("--%s must be %d to %d %s, not %d", c.flag, c.bounds[0], c.bounds[1], c.unit, c.v)
			}
		}
		return p, nil
	}
}
