package store

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestIncompleteExecutions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	s := open(t, dir, testKey)
	state := []byte(`{"bundles": {"1": {"token": "secret-bundle-value"}}}`)
	in := &Incomplete{ID: "inc1", Scenario: "Nightly sync", ModuleID: 4, ErrorType: "ConnectionError", ErrorMsg: "refused",
		Retry: true, MaxTries: 3, Interval: 15 * time.Minute, State: state}
	if err := s.SaveIncomplete(ctx, in); err != nil {
		t.Fatal(err)
	}
	in2 := &Incomplete{ID: "inc2", Scenario: "Other", ModuleID: 2, ErrorType: "RuntimeError", ErrorMsg: "[500]", State: []byte("{}")}
	if err := s.SaveIncomplete(ctx, in2); err != nil {
		t.Fatal(err)
	}
	list, err := s.IncompleteExecutions(ctx)
	if err != nil || len(list) != 2 || list[0].ID != "inc1" || list[0].Interval != 15*time.Minute || !list[0].Retry ||
		list[0].MaxTries != 3 || list[0].State != nil || list[1].ErrorMsg != "[500]" {
		t.Fatalf("list = %+v, %v", list, err)
	}
	got, err := s.IncompleteExecution(ctx, "inc1")
	if err != nil || !bytes.Equal(got.State, state) || got.ModuleID != 4 || got.Scenario != "Nightly sync" {
		t.Fatalf("get = %+v, %v", got, err)
	}
	got.Attempts, got.ErrorMsg = 1, "refused again"
	if err := s.SaveIncomplete(ctx, got); err != nil {
		t.Fatal(err)
	}
	if again, _ := s.IncompleteExecution(ctx, "inc1"); again.Attempts != 1 || again.ErrorMsg != "refused again" {
		t.Errorf("after update: %+v", again)
	}
	if err := s.DeleteIncomplete(ctx, "inc1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.IncompleteExecution(ctx, "inc1"); !errors.Is(err, ErrNoIncomplete) {
		t.Errorf("after delete: %v", err)
	}
	if err := s.DeleteIncomplete(ctx, "inc1"); !errors.Is(err, ErrNoIncomplete) {
		t.Errorf("second delete: %v", err)
	}
	_ = s.Close()
	var all []byte
	for _, f := range []string{DatabaseFile, DatabaseFile + "-wal"} {
		b, _ := os.ReadFile(filepath.Join(dir, f))
		all = append(all, b...)
	}
	if bytes.Contains(all, []byte("secret-bundle-value")) || !bytes.Contains(all, []byte("Nightly sync")) {
		t.Error("the state of an incomplete execution is not sealed at rest")
	}
}
