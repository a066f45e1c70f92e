package engine

import (
	"sync"

	"github.com/reqflow/reqflow/filestore"
)

// filesState holds an execution's file store, created on first use.
type filesState struct {
	once  sync.Once
	store *filestore.Store
}

// Files returns the execution's file store, creating it on first use under
// TempDir. Unless KeepFiles is set, the store and every file in it are
// removed when the execution ends.
func (x *Execution) Files() *filestore.Store {
	x.files.once.Do(func() {
		x.files.store = filestore.New(x.tempDir)
		if !x.keepFiles {
			x.OnFinish(func() {
				if err := x.files.store.Remove(); err != nil && x.Logger != nil {
					x.Logger.Warn("removing the execution's files", "error", err)
				}
			})
		}
	})
	return x.files.store
}
