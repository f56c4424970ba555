package ui

import (
	"context"
	"time"

	"confer/app"
)

// enterCall shows the call screen once the join succeeded (UI goroutine).
func (c *controller) enterCall(s *presenter) {
	if c.pres != s || s.ended {
		return
	}
	c.lobby.setBusy(false)
	act := callActions{
		toggleMic: c.toggleMic,
		toggleCam: c.toggleCam,
		devices:   c.showDevices,
		share:     c.toggleShare,
		sized: func(user string, src app.Source, w, h int) {
			s.call.SetRemoteVideoSize(user, src, w, h)
		},
		copyInvite: func() { c.app.Clipboard().SetContent(s.invite) },
		leave:      c.leave,
		meeting:    c.meetingActions(s),
	}
	if s.secret.On() {
		act.copySecretInvite = func() { c.app.Clipboard().SetContent(s.secretInvite) }
	}
	if s.hosting {
		room := s.params.RoomID
		act.endForAll = func() {
			s.adminDo(func(ctx context.Context, a app.RoomAdmin) error { return a.CloseRoom(ctx, room) })
		}
		act.remove = func(user string) {
			s.adminDo(func(ctx context.Context, a app.RoomAdmin) error { return a.RemoveUser(ctx, room, user) })
		}
		act.meeting.muteMic = func(user string) {
			s.adminDo(func(ctx context.Context, a app.RoomAdmin) error { return a.MuteMicrophone(ctx, room, user) })
		}
		act.meeting.lowerHand = func(user string) {
			s.adminDo(func(ctx context.Context, a app.RoomAdmin) error { return a.LowerHand(ctx, room, user) })
		}
	}
	v := newCallView(s.params.Name, c.paint.Schedule, act)
	c.view, s.view = v, v
	c.routes.set(selfKey, v.self)
	v.self.SetMirror(c.devices.mirror)
	snap := s.call.Snapshot()
	for _, src := range app.LocalSources {
		v.setLocal(snap.Sources[src])
	}
	c.w.SetContent(v.root)
	v.onLayout = c.video.changed
	v.meet.floating.onChange = c.video.changed
	c.video.changed()
	c.addShortcuts()
	for _, ev := range s.early {
		c.onEvent(s, ev)
	}
	s.early = nil
	c.dumpState()
}

// onEvent applies an event of presenter s (UI goroutine). The screen
// changes only here and in enterCall: what the call reports is what shows.
func (c *controller) onEvent(s *presenter, ev app.Event) {
	if c.pres != s || s.ended {
		return
	}
	if s.view == nil {
		s.early = append(s.early, ev)
		return
	}
	s.view.onEvent(ev, c.paint.Schedule, c.routes)
	if snd, ok := soundFor(ev); ok && c.devices.sounds {
		s.chimes.play(snd)
	}
	switch e := ev.(type) {
	case app.DeviceError:
		c.deviceFailed(s, e)
	case app.KickedOut:
		c.endCall(s)
		c.showDialog("Removed from the call", e.Reason.Message(), nil)
	case app.StateChanged:
		if e.State == app.Disconnected {
			c.endCall(s)
			c.showDisconnected(e.Err)
		}
	}
	c.dumpState()
}

// meetingActions are the call's chat, hand and reaction commands, and the
// people panel's, for the call screen.
func (c *controller) meetingActions(s *presenter) meetingActions {
	return meetingActions{
		sendChat:  s.call.SendChat,
		raiseHand: s.call.RaiseHand,
		react:     s.call.React,
		muteForMe: s.call.MuteRemoteAudio,
		volume:    s.call.SetRemoteVolume,
		later: func(d time.Duration, fn func()) {
			time.AfterFunc(d, func() { c.b.do(fn) })
		},
	}
}

func (c *controller) toggleChat() {
	if c.view != nil {
		c.view.toggleChat()
	}
}

func (c *controller) toggleHand() {
	if c.view != nil {
		c.view.meet.setHand(!c.view.meet.handUp)
	}
}

func (c *controller) toggleMic() {
	if s := c.pres; s != nil {
		s.call.ToggleMicrophone()
	}
}

func (c *controller) toggleCam() {
	if s := c.pres; s != nil {
		s.call.ToggleCamera()
	}
}
