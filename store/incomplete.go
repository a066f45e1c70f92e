package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Incomplete is an operation a Break directive stopped, kept so that
// `reqflow executions resume` can run it again.
type Incomplete struct {
	ID        string
	Scenario  string
	ModuleID  int
	ErrorType string
	ErrorMsg  string
	Retry     bool
	MaxTries  int
	Interval  time.Duration
	Attempts  int
	// State is what resuming needs (the blueprint, the bundles, stubs and
	// connection mapping), encoded by the caller. It is sealed at rest.
	State     []byte
	CreatedAt time.Time
	UpdatedAt time.Time
}

// ErrNoIncomplete means no incomplete execution has the given id.
var ErrNoIncomplete = errors.New("no such incomplete execution")

// SaveIncomplete stores (or replaces) an incomplete execution.
func (s *Store) SaveIncomplete(ctx context.Context, in *Incomplete) error {
	sealed, err := s.seal.seal(in.State, "incomplete_executions", in.ID)
	if err != nil {
		return fmt.Errorf("saving incomplete execution %s: %w", in.ID, err)
	}
	now := s.now()
	if in.CreatedAt.IsZero() {
		in.CreatedAt = now
	}
	in.UpdatedAt = now
	_, err = s.db.ExecContext(ctx, `INSERT INTO incomplete_executions
		(id, scenario, module_id, error_type, error_msg, retry, max_tries, interval_s, attempts, state, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT(id) DO UPDATE SET error_type = excluded.error_type, error_msg = excluded.error_msg,
			attempts = excluded.attempts, state = excluded.state, updated_at = excluded.updated_at`,
		in.ID, in.Scenario, in.ModuleID, in.ErrorType, in.ErrorMsg, boolInt(in.Retry), in.MaxTries,
		int64(in.Interval/time.Second), in.Attempts, sealed, unix(in.CreatedAt), unix(in.UpdatedAt))
	if err != nil {
		return fmt.Errorf("saving incomplete execution %s: %w", in.ID, err)
	}
	return nil
}

// IncompleteExecution returns one incomplete execution with its state.
func (s *Store) IncompleteExecution(ctx context.Context, id string) (*Incomplete, error) {
	row := s.db.QueryRowContext(ctx, `SELECT id, scenario, module_id, error_type, error_msg, retry, max_tries,
		interval_s, attempts, state, created_at, updated_at FROM incomplete_executions WHERE id = ?`, id)
	in, err := s.scanIncomplete(row, true)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("incomplete execution %q: %w", id, ErrNoIncomplete)
	}
	return in, err
}

// IncompleteExecutions lists incomplete executions, oldest first, without
// their state.
func (s *Store) IncompleteExecutions(ctx context.Context) ([]*Incomplete, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, scenario, module_id, error_type, error_msg, retry, max_tries,
		interval_s, attempts, x'', created_at, updated_at FROM incomplete_executions ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("listing incomplete executions: %w", err)
	}
	defer rows.Close()
	var out []*Incomplete
	for rows.Next() {
		in, err := s.scanIncomplete(rows, false)
		if err != nil {
			return nil, err
		}
		out = append(out, in)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing incomplete executions: %w", err)
	}
	return out, nil
}

// DeleteIncomplete removes an incomplete execution (once it was resumed).
func (s *Store) DeleteIncomplete(ctx context.Context, id string) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM incomplete_executions WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("deleting incomplete execution %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("incomplete execution %q: %w", id, ErrNoIncomplete)
	}
	return nil
}

func (s *Store) scanIncomplete(row scanner, withState bool) (*Incomplete, error) {
	var in Incomplete
	var retry int
	var interval, created, updated int64
	var state []byte
	if err := row.Scan(&in.ID, &in.Scenario, &in.ModuleID, &in.ErrorType, &in.ErrorMsg, &retry, &in.MaxTries,
		&interval, &in.Attempts, &state, &created, &updated); err != nil {
		return nil, err
	}
	in.Retry = retry != 0
	in.Interval = time.Duration(interval) * time.Second
	in.CreatedAt, in.UpdatedAt = fromUnix(created), fromUnix(updated)
	if withState {
		plain, err := s.seal.open(state, "incomplete_executions", in.ID)
		if err != nil {
			return nil, fmt.Errorf("reading incomplete execution %s: %w", in.ID, err)
		}
		in.State = plain
	}
	return &in, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
