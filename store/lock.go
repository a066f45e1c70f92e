package store

import (
	"context"
	"fmt"
	"time"
)

// Lock timings.
const (
	// DefaultLease is how long a lock is held before another process may
	// take it over (a holder that crashed never releases it).
	DefaultLease = 2 * time.Minute
	// lockPoll is the pause between attempts to take a held lock.
	lockPoll = 25 * time.Millisecond
)

// Lock takes the named lock, shared by every process using the store,
// waiting until it is free or ctx ends. The lock lapses after lease (a
// crashed holder), so lease must exceed the work done under it. The
// returned function releases it.
func (s *Store) Lock(ctx context.Context, name string, lease time.Duration) (func(), error) {
	if lease <= 0 {
		lease = DefaultLease
	}
	owner := newOwner()
	for {
		now := s.now()
		res, err := s.db.ExecContext(ctx, `INSERT INTO locks (name, owner, until) VALUES (?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, until = excluded.until WHERE locks.until < ?`,
			name, owner, now.Add(lease).UnixMilli(), now.UnixMilli())
		if err != nil {
			return nil, fmt.Errorf("taking lock %q: %w", name, err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return func() {
				// A fresh context: release even when ctx has ended.
				_, _ = s.db.ExecContext(context.Background(), `DELETE FROM locks WHERE name = ? AND owner = ?`, name, owner)
			}, nil
		}
		t := time.NewTimer(lockPoll)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("waiting for lock %q: %w", name, ctx.Err())
		case <-t.C:
		}
	}
}
