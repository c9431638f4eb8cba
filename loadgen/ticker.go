package loadgen

import "time"

// ticker cuts the run's timeline: at each interval boundary it collects the
// shards' open windows into one interval.
type ticker struct {
	r         *runner
	acc       *window
	last      time.Duration // end of the last interval cut
	intervals []Interval
	done      chan struct{} // closed by finish
	exited    chan struct{} // closed when loop returns
}

// startTimeline starts cutting r's timeline from the end of the warm-up.
func startTimeline(r *runner) *ticker {
	t := &ticker{r: r, acc: newWindow(), last: r.o.Warmup, done: make(chan struct{}), exited: make(chan struct{})}
	go t.loop()
	return t
}

// loop cuts an interval at each boundary until finish.
func (t *ticker) loop() {
	defer close(t.exited)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		timer.Reset(time.Until(t.r.start.Add(t.next(t.r.since()))))
		select {
		case <-timer.C:
			t.cut(t.r.since())
		case <-t.done:
			return
		}
	}
}

// next returns the first interval boundary after now.
func (t *ticker) next(now time.Duration) time.Duration {
	iv, w := t.r.o.Interval, t.r.o.Warmup
	if now < w {
		return w + iv
	}
	return w + ((now-w)/iv+1)*iv
}

// cut closes the interval ending now.
func (t *ticker) cut(now time.Duration) {
	for _, sh := range t.r.shards {
		sh.mu.Lock()
		sh.m.takeWindow(t.acc)
		sh.mu.Unlock()
	}
	iv := t.acc.interval(t.last, now)
	iv.Partial = now-t.last < t.r.o.Interval/2
	t.acc.reset()
	t.last = now
	t.intervals = append(t.intervals, iv)
	if t.r.o.OnInterval != nil {
		t.r.o.OnInterval(iv)
	}
}

// finish stops the ticker, cuts the last interval and returns the timeline.
func (t *ticker) finish() []Interval {
	close(t.done)
	<-t.exited
	if now := t.r.since(); now > t.last {
		t.cut(now)
	}
	return t.intervals
}
