package app

import "context"

// Commands from Call's methods to the loop.
type (
	cmdJoin struct {
		params JoinParams
		ctx    context.Context
		cancel context.CancelFunc
		reply  chan<- error
	}
	cmdLeave    struct{ reply chan<- struct{} }
	cmdClose    struct{}
	cmdSnapshot struct{ reply chan<- Snapshot }
	// cmdSource asks for a local source on or off (or the opposite of the
	// last request), on a device when device is set.
	cmdSource struct {
		src    Source
		on     bool
		toggle bool
		device string
	}
	// cmdReconfigure changes how a source is captured or coded; a source
	// that is on restarts with it.
	cmdReconfigure struct {
		src   Source
		apply func(Transport) error
	}
	// cmdTransport passes a setting the transport remembers across joins.
	cmdTransport struct{ apply func(Transport) }
	// The meeting: a chat message to send, a hand, a reaction.
	cmdChat  struct{ msg ChatMessage }
	cmdHand  struct{ raised bool }
	cmdReact struct{ emoji string }
)

// Results from the transport worker to the loop. gen names the session the
// work was for: results of a session already left are stale.
type (
	joinDone struct {
		gen int
		err error
	}
	sourceDone struct {
		gen int
		src Source
		on  bool
		err error
	}
	reconfigureDone struct {
		gen int
		src Source
		err error
	}
	leaveDone struct{ replies []chan<- struct{} }
	// sessionSignal is a transport signal tagged with its session.
	sessionSignal struct {
		gen     int
		attempt int // which try of a rejoin (failover.go); 0 for a join's session
		sig     Signal
	}
)
