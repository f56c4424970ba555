package app

import (
	"slices"
	"strings"
)

// roster is what the owner of the call has been told about remote users.
// It turns snapshots into the events that describe the change, so a
// transport can re-announce everyone (as LiveKit's SDK does after a full
// reconnect) without the owner seeing anyone leave or join.
type roster struct {
	reported  map[string]Participant
	departing map[string]LeaveReason // hints from the transport, by user ID
	settled   bool                   // the first roster of the session was applied
}

func newRoster() *roster {
	return &roster{reported: map[string]Participant{}, departing: map[string]LeaveReason{}}
}

var allSources = []Source{SourceCamera, SourceScreen, SourceMicrophone, SourceScreenAudio}

// apply makes now the reported state and appends the events that get there.
func (r *roster) apply(now []Participant, out []Event) []Event {
	now = slices.Clone(now)
	slices.SortFunc(now, func(a, b Participant) int { return strings.Compare(a.UserID, b.UserID) })
	present := make(map[string]bool, len(now))
	for _, p := range now {
		present[p.UserID] = true
		old, known := r.reported[p.UserID]
		if !known {
			out = append(out, UserJoined{UserID: p.UserID, Name: p.Name, AlreadyThere: !r.settled})
		}
		out = appendAvailability(out, old, p)
		out = appendHand(out, old, p)
		r.reported[p.UserID] = p
		delete(r.departing, p.UserID)
	}
	gone := make([]string, 0)
	for id := range r.reported {
		if !present[id] {
			gone = append(gone, id)
		}
	}
	slices.Sort(gone)
	r.settled = true
	for _, id := range gone {
		out = appendAvailability(out, r.reported[id], Participant{UserID: id})
		out = append(out, UserLeft{UserID: id, Reason: r.departing[id]})
		delete(r.reported, id)
		delete(r.departing, id)
	}
	return out
}

// reset forgets everyone without reporting it: the call itself ended.
func (r *roster) reset() {
	clear(r.reported)
	clear(r.departing)
	r.settled = false
}

func appendAvailability(out []Event, old, now Participant) []Event {
	out = appendTrackChanges(out, old, now)
	for _, s := range allSources {
		was, is := old.available(s), now.available(s)
		if was == is {
			continue
		}
		if s.IsVideo() {
			out = append(out, RemoteVideo{UserID: now.UserID, Source: s, Available: is})
		} else {
			out = append(out, RemoteAudio{UserID: now.UserID, Source: s, Available: is})
		}
	}
	return out
}

// appendTrackChanges reports what happened to each source: published or
// unpublished, muted or unmuted.
func appendTrackChanges(out []Event, old, now Participant) []Event {
	for _, s := range allSources {
		was, hadIt := old.track(s)
		is, hasIt := now.track(s)
		change := -1
		switch {
		case !hadIt && hasIt:
			change = int(TrackPublished)
		case hadIt && !hasIt:
			change = int(TrackUnpublished)
		case hadIt && was.Muted != is.Muted && is.Muted:
			change = int(TrackMuted)
		case hadIt && was.Muted != is.Muted:
			change = int(TrackUnmuted)
		}
		if change >= 0 {
			out = append(out, RemoteTrack{UserID: now.UserID, Source: s, Change: TrackChange(change)})
		}
	}
	return out
}
