package testserver

import (
	"fmt"
	"net/http"
	"strconv"
	"sync"
)

// Limits of /reqflow/flaky/{key}.
const (
	// DefaultFlakyFailures is how many requests per key fail without ?fail=.
	DefaultFlakyFailures = 2
	// MaxFlakyFailures is the largest ?fail= accepted.
	MaxFlakyFailures = 100
	// maxFlakyKeys bounds the keys remembered; past it, all counts restart.
	maxFlakyKeys = 10000
)

// FlakyAttempt is the JSON body of every /reqflow/flaky/{key} response.
type FlakyAttempt struct {
	// Key is the {key} of the path.
	Key string `json:"key"`
	// Attempt counts the requests for Key so far, this one included.
	Attempt int `json:"attempt"`
	// Status is the status of this response.
	Status int `json:"status"`
}

// flakyCounter counts requests per key.
type flakyCounter struct {
	mu     sync.Mutex
	counts map[string]int
}

func (f *flakyCounter) next(key string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.counts == nil || len(f.counts) >= maxFlakyKeys {
		f.counts = map[string]int{}
	}
	f.counts[key]++
	return f.counts[key]
}

// flaky fails the first ?fail=N requests of each key (default 2) with
// ?status= (default 503; a 429 carries Retry-After: ?after=, default 1), then
// answers 200. Each response says which attempt it was, so retry policies can
// be tested deterministically. Use a fresh key per test.
func (x *extras) flaky(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	fail := DefaultFlakyFailures
	if v := q.Get("fail"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > MaxFlakyFailures {
			writeError(w, http.StatusBadRequest, fmt.Errorf("query parameter fail: %q is not a number from 0 to %d", v, MaxFlakyFailures))
			return
		}
		fail = n
	}
	status := http.StatusServiceUnavailable
	if v := q.Get("status"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 400 || n > 599 {
			writeError(w, http.StatusBadRequest, fmt.Errorf("query parameter status: %q is not a status from 400 to 599", v))
			return
		}
		status = n
	}
	after := "1"
	if v := q.Get("after"); v != "" {
		if err := checkRetryAfter(v); err != nil {
			writeError(w, http.StatusBadRequest, err)
			return
		}
		after = v
	}
	key := r.PathValue("key")
	attempt := x.flakes.next(key)
	if attempt > fail {
		status = http.StatusOK
	} else if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", after)
	}
	writeJSON(w, status, FlakyAttempt{Key: key, Attempt: attempt, Status: status})
}
