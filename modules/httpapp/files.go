package httpapp

import (
	"context"
	"io"

	"github.com/reqflow/reqflow/blueprint"
	"github.com/reqflow/reqflow/bundle"
	"github.com/reqflow/reqflow/engine"
	"github.com/reqflow/reqflow/httpclient"
)

// fileSpecs declares Get a File, Resolve a Target URL and Retrieve Headers.
func fileSpecs(d *deps) []*engine.Spec {
	return []*engine.Spec{getFileSpec(d), resolveURLSpec(d), retrieveHeadersSpec()}
}

// ProgressFunc is called when a download starts: name is the file name,
// size the announced length in bytes (-1 when unknown). It returns a writer
// that receives a copy of every byte downloaded, and a function called once
// when the download ends, whether it succeeded or not. Either may be nil.
type ProgressFunc func(name string, size int64) (w io.Writer, done func())

// WithProgress reports the progress of Get a File downloads (the command
// line draws a progress bar on a terminal).
func WithProgress(p ProgressFunc) Option {
	return func(d *deps) { d.files.progress = p }
}

// fileOptions are the options of the file modules.
type fileOptions struct {
	progress ProgressFunc
}

// opKey carries the running operation to send, so that every HTTP module
// records its response headers for Retrieve Headers.
type opKey struct{}

// recordResults wraps each spec's modules (aggregators excepted) so that
// the operation they run travels in the context given to them.
func recordResults(specs []*engine.Spec) []*engine.Spec {
	for _, s := range specs {
		build := s.New
		s.New = func(m *blueprint.Module) (engine.Module, error) {
			mod, err := build(m)
			if err != nil {
				return nil, err
			}
			if _, ok := mod.(engine.Aggregator); ok {
				return mod, nil // keep the interface the engine looks for
			}
			return engine.ModuleFunc(func(ctx context.Context, op *engine.Op) ([]bundle.Bundle, error) {
				return mod.Run(context.WithValue(ctx, opKey{}, op), op)
			}), nil
		}
	}
	return specs
}

// recordHeaders leaves the response's header fields, in received order, for
// Retrieve Headers.
func recordHeaders(ctx context.Context, fields []httpclient.Header) {
	op, _ := ctx.Value(opKey{}).(*engine.Op)
	if op == nil || op.Execution == nil || op.Module == nil {
		return
	}
	r := &engine.Result{Header: make([][2]string, len(fields))}
	for i, h := range fields {
		r.Header[i] = [2]string{h.Name, h.Value}
	}
	op.Execution.SetResult(op.Module.ID, r)
}

// fileBody streams a file value as a raw request body of known length.
type fileBody struct {
	contentType string
	file        *bundle.File
}

func (b *fileBody) ContentType() string          { return b.contentType }
func (b *fileBody) Len() int64                   { return b.file.Len() }
func (b *fileBody) Open() (io.ReadCloser, error) { return b.file.Open() }

// rawBody returns the body for a mapped raw request content: a file value
// is streamed from the execution's file store, anything else is sent as
// bytesOf makes it.
func rawBody(contentType string, v any) httpclient.Body {
	if f, ok := v.(*bundle.File); ok && f != nil {
		return &fileBody{contentType: contentType, file: f}
	}
	return httpclient.RawBody(contentType, bytesOf(v))
}
