package pipeline

import (
	"log/slog"

	"confer/media"
	"confer/media/audio"
	"confer/media/video"
)

// VideoReceiveConfig says where a remote video goes and what the
// transport offers the pipeline.
type VideoReceiveConfig struct {
	Sink media.FrameSink
	// RequestKeyframe asks the sender for a keyframe (a PLI).
	RequestKeyframe func()
	// NACKsSent, when set, counts the packets of this track asked to be
	// sent again so far (for stats).
	NACKsSent func() int64
	Log       *slog.Logger
	// Decrypt, when set, undoes end-to-end encryption on each reassembled
	// frame before it is decoded; a frame it refuses is dropped.
	Decrypt media.Decrypt
}

// AudioReceiveConfig says where a remote audio track goes.
type AudioReceiveConfig struct {
	Sink media.PCMSink
	// Decrypt, when set, undoes end-to-end encryption on each packet
	// before it is decoded; a packet it refuses counts as lost.
	Decrypt media.Decrypt
}

// ReceiveVideo decodes a remote VP8 track until the track ends, through a
// jitter buffer that uses retransmissions.
func ReceiveVideo(track media.PacketReader, cfg VideoReceiveConfig) error {
	return video.Receive(track, video.ReceiverConfig{
		Sink: cfg.Sink, RequestKeyframe: cfg.RequestKeyframe, NACKsSent: cfg.NACKsSent, Log: cfg.Log,
		Decrypt: cfg.Decrypt,
	})
}

// ReceiveAudio decodes a remote Opus track into cfg.Sink until the track
// ends, hiding lost packets with FEC and concealment.
func ReceiveAudio(track media.PacketReader, cfg AudioReceiveConfig) error {
	return audio.ReceiveWith(track, cfg.Sink, audio.ReceiverConfig{Decrypt: cfg.Decrypt})
}
