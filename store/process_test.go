package store

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestLockAcrossProcesses starts four processes on one fresh store folder
// (racing to create the key file and apply the migrations); each adds
// one to a counter file five times, read-modify-write under the store
// lock. Any overlap would lose an increment.
func TestLockAcrossProcesses(t *testing.T) {
	if dir := os.Getenv("REQFLOW_TEST_LOCK_CHILD"); dir != "" {
		lockChild(t, dir)
		return
	}
	t.Parallel()
	dir := t.TempDir()
	const procs, rounds = 4, 5
	var wg sync.WaitGroup
	outs := make([]string, procs)
	errs := make([]error, procs)
	for i := range procs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(os.Args[0], "-test.run=^TestLockAcrossProcesses$", "-test.v")
			cmd.Env = append(os.Environ(), "REQFLOW_TEST_LOCK_CHILD="+dir, "REQFLOW_TEST_LOCK_ROUNDS="+strconv.Itoa(rounds))
			out, err := cmd.CombinedOutput()
			outs[i], errs[i] = string(out), err
		}()
	}
	wg.Wait()
	for i := range procs {
		if errs[i] != nil || !strings.Contains(outs[i], "--- PASS") {
			t.Errorf("process %d: %v\n%s", i, errs[i], outs[i])
		}
	}
	b, _ := os.ReadFile(filepath.Join(dir, "counter"))
	if got := strings.TrimSpace(string(b)); got != strconv.Itoa(procs*rounds) {
		t.Errorf("counter = %q, want %d", got, procs*rounds)
	}
}

func lockChild(t *testing.T, dir string) {
	ctx := context.Background()
	s, err := Open(ctx, Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rounds, _ := strconv.Atoi(os.Getenv("REQFLOW_TEST_LOCK_ROUNDS"))
	path := filepath.Join(dir, "counter")
	for range rounds {
		unlock, err := s.Lock(ctx, "counter", time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(path)
		n, _ := strconv.Atoi(strings.TrimSpace(string(b)))
		time.Sleep(5 * time.Millisecond) // widen the window a lost update needs
		if err := os.WriteFile(path, []byte(fmt.Sprintln(n+1)), 0o600); err != nil {
			t.Fatal(err)
		}
		unlock()
	}
}
