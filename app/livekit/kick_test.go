package livekit_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"confer/app"
	"confer/app/livekit"
	"confer/internal/testenv"
)

// quietParticipant has no devices and records nothing but its events.
func quietParticipant(owner string) *participant {
	return startParticipant(owner, app.TransportConfig{})
}

func (p *participant) join(t *testing.T, url, room, user string) {
	t.Helper()
	p.joinWith(t, app.JoinParams{ServerURL: url, RoomID: room, UserID: user, Name: user})
}

// joinWith joins with params, under the participant's goroutine label.
func (p *participant) joinWith(t *testing.T, params app.JoinParams) {
	t.Helper()
	testenv.Labelled(p.owner, func() {
		if err := p.call.Join(context.Background(), params); err != nil {
			t.Fatalf("%s join: %v", params.UserID, err)
		}
	})
}

// expectKick waits for KickedOut with the reason, then Disconnected, and
// checks the engine let go of everything it had started.
func (p *participant) expectKick(t *testing.T, want app.KickReason) {
	owner := p.owner
	t.Helper()
	ev := p.waitEvent(t, "kicked out", func(ev app.Event) bool { _, ok := ev.(app.KickedOut); return ok })
	if got := ev.(app.KickedOut).Reason; got != want {
		t.Fatalf("%s kicked for %v, want %v", owner, got, want)
	}
	p.waitEvent(t, "disconnected", func(ev app.Event) bool {
		e, ok := ev.(app.StateChanged)
		return ok && e.State == app.Disconnected
	})
	p.call.SetCamera(true)
	if p.call.Snapshot().Sources[app.SourceCamera].On {
		t.Errorf("%s: camera starts after being removed", owner)
	}
	p.call.Close()
	<-p.done
	testenv.CheckNoGoroutines(t, owner, 5*time.Second)
}

func TestSameUserJoiningElsewhereRemovesTheEarlierOne(t *testing.T) {
	srv := testenv.StartServer(t)
	first, second := quietParticipant("first"), quietParticipant("second")
	first.join(t, srv.URL(), "r", "ana")
	second.join(t, srv.URL(), "r", "ana")
	first.expectKick(t, app.KickDuplicate)
	if s := second.call.Snapshot(); s.State != app.Connected {
		t.Fatalf("the newer session is %v", s.State)
	}
	second.call.Close()
}

func TestAdminRemovesAUser(t *testing.T) {
	srv := testenv.StartServer(t)
	ana, bo := quietParticipant("ana"), quietParticipant("bo")
	ana.join(t, srv.URL(), "r", "ana")
	bo.join(t, srv.URL(), "r", "bo")
	// LiveKit announces people who publish nothing in batches, every 3 s.
	ana.waitEvent(t, "bo joined", func(ev app.Event) bool { e, ok := ev.(app.UserJoined); return ok && e.UserID == "bo" })
	admin, err := livekit.NewAdmin(srv.URL(), testenv.Keys.APIKey, testenv.Keys.APISecret)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	rooms, err := admin.List(ctx, "r")
	if err != nil || len(rooms) != 1 || len(rooms[0].Participants) != 2 {
		t.Fatalf("list: %+v, %v", rooms, err)
	}
	if err := admin.RemoveUser(ctx, "r", "nobody"); !errors.Is(err, livekit.ErrNoSuchUser) {
		t.Fatalf("removing nobody: %v", err)
	}
	if err := admin.RemoveUser(ctx, "r", "bo"); err != nil {
		t.Fatalf("remove: %v", err)
	}
	bo.expectKick(t, app.KickRemoved)
	ev := ana.waitEvent(t, "bo left", func(ev app.Event) bool { e, ok := ev.(app.UserLeft); return ok && e.UserID == "bo" })
	if r := ev.(app.UserLeft).Reason; r != app.LeftRemoved {
		t.Errorf("ana sees bo leave for %v, want removed", r)
	}
	ana.call.Close()
}

func TestAdminClosesTheRoomForEveryone(t *testing.T) {
	srv := testenv.StartServer(t)
	ana, bo := quietParticipant("ana"), quietParticipant("bo")
	ana.join(t, srv.URL(), "r", "ana")
	bo.join(t, srv.URL(), "r", "bo")
	admin, _ := livekit.NewAdmin(srv.URL(), testenv.Keys.APIKey, testenv.Keys.APISecret)
	t.Cleanup(func() { logRoomsIfFailed(t, admin) })
	if err := admin.CloseRoom(context.Background(), "elsewhere"); !errors.Is(err, livekit.ErrNoSuchRoom) {
		t.Fatalf("closing a room that does not exist: %v", err)
	}
	if err := admin.CloseRoom(context.Background(), "r"); err != nil {
		t.Fatalf("close: %v", err)
	}
	ana.expectKick(t, app.KickRoomClosed)
	bo.expectKick(t, app.KickRoomClosed)
}

// logRoomsIfFailed says, when the test failed, which rooms the server still
// has and who is in them: whether a room was never closed, or its people
// came back into a new one of the same name.
func logRoomsIfFailed(t *testing.T, admin *livekit.Admin) {
	if !t.Failed() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	rooms, err := admin.List(ctx, "")
	t.Logf("the server's rooms at the end: %+v (%v)", rooms, err)
}

func TestAdminWithWrongKeys(t *testing.T) {
	srv := testenv.StartServer(t)
	admin, _ := livekit.NewAdmin(srv.URL(), testenv.Keys.APIKey, "wrong-secret-wrong-secret-wrong-secret")
	if _, err := admin.List(context.Background(), ""); !errors.Is(err, livekit.ErrAdminKeys) {
		t.Fatalf("got %v, want %v", err, livekit.ErrAdminKeys)
	}
}

func TestServerGoingAwayEndsTheCallWithItsOwnMessage(t *testing.T) {
	srv := testenv.StartServer(t)
	ana := quietParticipant("ana")
	ana.join(t, srv.URL(), "r", "ana")
	start := time.Now()
	srv.Close()
	ev := ana.waitEvent(t, "disconnected", func(ev app.Event) bool {
		e, ok := ev.(app.StateChanged)
		return ok && e.State == app.Disconnected
	})
	if err := ev.(app.StateChanged).Err; !errors.Is(err, app.ErrServerGone) {
		t.Errorf("disconnected with %v, want %v", err, app.ErrServerGone)
	}
	t.Logf("told %v after the server stopped", time.Since(start))
	ana.call.Close()
	<-ana.done
	testenv.CheckNoGoroutines(t, ana.owner, 5*time.Second)
}
