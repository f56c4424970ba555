package livekit

import (
	"math"
	"sync"
	"time"

	"confer/app"
)

// meter accumulates the energy of audio between two reports.
type meter struct {
	mu    sync.Mutex
	sumSq float64
	n     int
}

// addPCM adds decoded samples.
func (m *meter) addPCM(pcm []int16) {
	var sum float64
	for _, s := range pcm {
		v := float64(s) / 32768
		sum += v * v
	}
	m.mu.Lock()
	m.sumSq += sum
	m.n += len(pcm)
	m.mu.Unlock()
}

// addRMS adds a frame of n samples known by its RMS (the microphone sender
// measures it already).
func (m *meter) addRMS(rms float64, n int) {
	m.mu.Lock()
	m.sumSq += rms * rms * float64(n)
	m.n += n
	m.mu.Unlock()
}

// take returns the RMS since the last take, 0 when nothing came.
func (m *meter) take() float64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.n == 0 {
		return 0
	}
	rms := math.Sqrt(m.sumSq / float64(m.n))
	m.sumSq, m.n = 0, 0
	return rms
}

// levels holds the meters of one session.
type levels struct {
	local meter

	mu     sync.Mutex
	remote map[string]*meter // by user, while their microphone track plays
}

func (l *levels) remoteMeter(user string) *meter {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.remote == nil {
		l.remote = map[string]*meter{}
	}
	m := l.remote[user]
	if m == nil {
		m = &meter{}
		l.remote[user] = m
	}
	return m
}

func (l *levels) dropRemote(user string) {
	l.mu.Lock()
	delete(l.remote, user)
	l.mu.Unlock()
}

func (l *levels) measure() app.AudioLevels {
	l.mu.Lock()
	meters := make(map[string]*meter, len(l.remote))
	for u, m := range l.remote {
		meters[u] = m
	}
	l.mu.Unlock()
	out := app.AudioLevels{Local: l.local.take(), Remote: make(map[string]float64, len(meters))}
	for u, m := range meters {
		out.Remote[u] = m.take()
	}
	return out
}

// levelLoop reports levels at the transport's interval; a poke makes it
// read the interval again.
func (s *session) levelLoop() {
	defer s.wg.Done()
	var tick *time.Ticker
	var c <-chan time.Time
	reset := func() {
		if tick != nil {
			tick.Stop()
			tick, c = nil, nil
		}
		if d := s.t.interval(); d > 0 {
			tick = time.NewTicker(d)
			c = tick.C
		}
	}
	reset()
	defer func() {
		if tick != nil {
			tick.Stop()
		}
	}()
	for {
		select {
		case <-s.quit:
			return
		case <-s.levelPoke:
			reset()
		case now := <-c:
			s.emit(app.LevelsMeasured{Levels: s.levels.measure(), At: now})
		}
	}
}
