package app

// Source says which capture a track carries, local or remote.
type Source int

const (
	SourceCamera Source = iota
	SourceMicrophone
	SourceScreen
	SourceScreenAudio
)

// SourceCount sizes arrays indexed by Source.
const SourceCount = int(SourceScreenAudio) + 1

// LocalSources are the sources this participant can publish.
var LocalSources = []Source{SourceCamera, SourceMicrophone, SourceScreen}

func (s Source) String() string {
	switch s {
	case SourceCamera:
		return "camera"
	case SourceMicrophone:
		return "microphone"
	case SourceScreen:
		return "screen"
	case SourceScreenAudio:
		return "screen-audio"
	}
	return "unknown"
}

// IsVideo tells whether the source carries pictures.
func (s Source) IsVideo() bool { return s == SourceCamera || s == SourceScreen }
