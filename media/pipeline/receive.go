package pipeline

import (
	"log/slog"

	"confer/media"
	"confer/media/audio"
	"confer/media/video"
)

// ReceiveVideo decodes a remote VP8 track into sink until the track ends.
// requestKeyframe asks the sender for a keyframe (a PLI).
func ReceiveVideo(track media.PacketReader, sink media.FrameSink, requestKeyframe func(), log *slog.Logger) error {
	return video.Receive(track, video.ReceiverConfig{Sink: sink, RequestKeyframe: requestKeyframe, Log: log})
}

// ReceiveAudio decodes a remote Opus track into sink until the track ends,
// hiding lost packets with FEC and concealment.
func ReceiveAudio(track media.PacketReader, sink media.PCMSink) error {
	return audio.Receive(track, sink)
}
