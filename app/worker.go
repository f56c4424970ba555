package app

import "sync"

// worker runs the transport's network work on one goroutine, one job at a
// time, in the order the loop queued it. The loop never waits for it: jobs
// report back by posting to the loop's inbox. Ordering here replaces locks
// in the transport: a camera toggled off and on is stopped, then started.
type worker struct {
	report func(any) // the loop's inbox

	mu      sync.Mutex
	jobs    []func()
	stopped bool
	wake    chan struct{} // capacity 1
	done    chan struct{}
}

func newWorker(report func(any)) *worker {
	w := &worker{report: report, wake: make(chan struct{}, 1), done: make(chan struct{})}
	go w.run()
	return w
}

// queue adds a job; it never blocks. Jobs queued after stop are dropped.
func (w *worker) queue(job func()) {
	w.mu.Lock()
	if w.stopped {
		w.mu.Unlock()
		return
	}
	w.jobs = append(w.jobs, job)
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// stop lets the queued jobs finish and waits for the goroutine.
func (w *worker) stop() {
	w.mu.Lock()
	w.stopped = true
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
	<-w.done
}

func (w *worker) run() {
	defer close(w.done)
	for {
		job, more := w.next()
		if job != nil {
			job()
			continue
		}
		if !more {
			return
		}
		<-w.wake
	}
}

// next takes the oldest job; more is false once stopped and drained.
func (w *worker) next() (job func(), more bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.jobs) > 0 {
		job = w.jobs[0]
		w.jobs[0] = nil
		w.jobs = w.jobs[1:]
		return job, true
	}
	return nil, !w.stopped
}
