package livekit

import (
	"encoding/json"
	"time"

	"github.com/livekit/protocol/livekit"
	lksdk "github.com/livekit/server-sdk-go/v2"

	"confer/app"
)

// The meeting around the video, on LiveKit: chat and reactions received,
// this participant's attributes, and the host muting its microphone.
// Everything here only posts signals; the call decides.

// registerStreams listens to the chat and reaction topics; it must happen
// before joining, or the first messages would find no handler.
func (s *session) registerStreams() {
	_ = s.room.RegisterTextStreamHandler(chatTopic, func(r *lksdk.TextStreamReader, from string) {
		place := s.chatOrder.begin(from, r.Info.Timestamp)
		text := r.ReadAll() // returns at the stream's trailer
		msg := app.ChatArrived{ID: r.Info.Id, From: from, Name: s.nameOf(from), Text: text, At: time.UnixMilli(r.Info.Timestamp)}
		for _, m := range s.chatOrder.done(from, place, msg) {
			s.emit(m)
		}
	})
	_ = s.room.RegisterTextStreamHandler(reactionTopic, func(r *lksdk.TextStreamReader, from string) {
		s.emit(app.ReactionArrived{UserID: from, Emoji: r.ReadAll()})
	})
}

// onData takes the chat of clients that do not use text streams:
// livekit-client's sendChatMessage (a ChatMessage packet) and the JSON of
// older @livekit/components on legacyChatTopic. The call drops a message
// that came both ways (same sender and ID).
func (s *session) onData(p lksdk.DataPacket, params lksdk.DataReceiveParams) {
	switch m := p.(type) {
	case *livekit.ChatMessage:
		if m.EditTimestamp == nil && !m.Deleted { // edits and deletions are not shown
			s.emit(app.ChatArrived{ID: m.Id, From: params.SenderIdentity, Name: s.nameOf(params.SenderIdentity),
				Text: m.Message, At: time.UnixMilli(m.Timestamp)})
		}
	case *lksdk.UserDataPacket:
		if m.Topic == legacyChatTopic {
			s.legacyChat(m.Payload, params.SenderIdentity)
		}
	}
}

// legacyJSON is @livekit/components' legacy chat message. Its ignoreLegacy
// copies accompany a text stream with the same text, for old clients only.
type legacyJSON struct {
	ID           string `json:"id"`
	Timestamp    int64  `json:"timestamp"`
	Message      string `json:"message"`
	IgnoreLegacy bool   `json:"ignoreLegacy"`
}

func (s *session) legacyChat(payload []byte, from string) {
	var m legacyJSON
	if json.Unmarshal(payload, &m) != nil || m.IgnoreLegacy || m.Message == "" {
		return
	}
	s.emit(app.ChatArrived{ID: m.ID, From: from, Name: s.nameOf(from), Text: m.Message, At: time.UnixMilli(m.Timestamp)})
}

// nameOf is a remote participant's name as the SDK knows it now, or "".
func (s *session) nameOf(identity string) string {
	if rp := s.room.GetParticipantByIdentity(identity); rp != nil {
		return rp.Name()
	}
	return ""
}

// onAttributes: a remote's attributes are part of the roster; ours go to
// the call on their own (the host may lower our hand).
func (s *session) onAttributes(_ map[string]string, p lksdk.Participant) {
	if _, local := p.(*lksdk.LocalParticipant); local {
		s.emit(app.LocalAttributes{Attributes: p.Attributes()}) // a copy
		return
	}
	s.markDirty()
}

// onTrackMuted notices the server muting our microphone: the SDK reports
// it like any mute, so one we did not ask for (the publication is not
// marked muted by us) is the host's.
func (s *session) onTrackMuted(pub lksdk.TrackPublication, p lksdk.Participant) {
	if _, local := p.(*lksdk.LocalParticipant); !local {
		s.markDirty()
		return
	}
	s.mu.Lock()
	mic := s.pubs[app.SourceMicrophone]
	byHost := mic != nil && !mic.muted && lksdk.TrackPublication(mic.pub) == pub
	s.mu.Unlock()
	if byHost {
		s.emit(app.SourceMutedRemotely{Source: app.SourceMicrophone})
	}
}
