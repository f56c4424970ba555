package livekit

import (
	"time"
	"unicode/utf8"

	"github.com/livekit/protocol/livekit"
	lksdk "github.com/livekit/server-sdk-go/v2"

	"confer/app"
)

// Text streams, LiveKit's way of sending text (livekit-client's sendText
// and registerTextStreamHandler): a header naming the topic, the text in
// chunks of at most 15 000 bytes cut between characters, and a trailer,
// all on the reliable data channel.
//
// Confer writes the packets itself rather than through the SDK's SendText:
// that one returns no error and sends from a goroutine of its own after it
// returns, so a message handed to it while the link dies would vanish
// without a word, and the call's outbox could not know. PublishDataPacket
// returns the SDK's error and passes through its data cryptor, so an
// end-to-end encrypted call encrypts the stream like any data packet.
// Receiving is the SDK's (Room.RegisterTextStreamHandler).

// Topics on the wire.
const (
	// chatTopic is @livekit/components' useChat default (DataTopic.CHAT).
	chatTopic = "lk.chat"
	// legacyChatTopic carries JSON chat of older @livekit/components.
	legacyChatTopic = "lk-chat-topic"
	// reactionTopic is Confer's: one emoji as the text. LiveKit's apps
	// define none.
	reactionTopic = "lk.reaction"
)

// streamChunkBytes is the most text one chunk carries: the SDK's and
// livekit-client's STREAM_CHUNK_SIZE, under the data channel's message
// size with room for the packet and encryption.
const streamChunkBytes = 15_000

// rawPacket lets PublishDataPacket send a packet built here.
type rawPacket struct{ p *livekit.DataPacket }

func (r rawPacket) ToProto() *livekit.DataPacket { return r.p }

// sendText sends text as one stream on topic, returning the first error.
func (s *session) sendText(topic, id, text string, at time.Time) error {
	if s.closed.Load() {
		return app.ErrNotJoined
	}
	size := uint64(len(text))
	header := &livekit.DataStream_Header{
		StreamId: id, Timestamp: at.UnixMilli(), Topic: topic, MimeType: "text/plain", TotalLength: &size,
		ContentHeader: &livekit.DataStream_Header_TextHeader{
			TextHeader: &livekit.DataStream_TextHeader{OperationType: livekit.DataStream_CREATE},
		},
	}
	if err := s.publishData(&livekit.DataPacket{Value: &livekit.DataPacket_StreamHeader{StreamHeader: header}}); err != nil {
		return err
	}
	for i, chunk := range textChunks(text, streamChunkBytes) {
		c := &livekit.DataStream_Chunk{StreamId: id, ChunkIndex: uint64(i), Content: []byte(chunk)}
		if err := s.publishData(&livekit.DataPacket{Value: &livekit.DataPacket_StreamChunk{StreamChunk: c}}); err != nil {
			return err
		}
	}
	trailer := &livekit.DataStream_Trailer{StreamId: id}
	return s.publishData(&livekit.DataPacket{Value: &livekit.DataPacket_StreamTrailer{StreamTrailer: trailer}})
}

func (s *session) publishData(p *livekit.DataPacket) error {
	return s.room.LocalParticipant.PublishDataPacket(rawPacket{p}, lksdk.WithDataPublishReliable(true))
}

// textChunks cuts text into pieces of at most max bytes, never inside a
// character (a receiver may decode each chunk on its own).
func textChunks(text string, max int) []string {
	var out []string
	for len(text) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		out = append(out, text[:cut])
		text = text[cut:]
	}
	if text != "" {
		out = append(out, text)
	}
	return out
}
