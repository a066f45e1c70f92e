package core

import (
	"context"
	"strconv"
	"testing"

	"github.com/reqflow/reqflow/blueprint"
	"github.com/reqflow/reqflow/bundle"
	"github.com/reqflow/reqflow/engine"
)

// BenchmarkIterateAggregate measures one run that iterates 1,000 items,
// matches a pattern in each and aggregates the matches to text and JSON.
func BenchmarkIterateAggregate(b *testing.B) {
	reg := engine.NewRegistry()
	if err := Register(reg); err != nil {
		b.Fatal(err)
	}
	bp, err := blueprint.Decode([]byte(`{"name": "bench", "flow": [
		{"id": 1, "module": "gateway:CustomWebHook", "version": 1},
		{"id": 2, "module": "builtin:BasicFeeder", "version": 1, "mapper": {"array": "{{1.items}}"}},
		{"id": 3, "module": "regexp:Parser", "version": 1, "parameters": {"pattern": "id=(\\d+)", "global": false}, "mapper": {"text": "{{2.line}}"}},
		{"id": 4, "module": "util:TextAggregator", "version": 1, "parameters": {"feeder": 2, "rowSeparator": "\n"}, "mapper": {"value": "{{3.` + "`$1`" + `}}"}},
		{"id": 5, "module": "json:TransformToJSON", "version": 1, "mapper": {"object": "{{split(4.text; newline)}}"}}
	]}`))
	if err != nil {
		b.Fatal(err)
	}
	items := make([]any, 1000)
	for i := range items {
		items[i] = map[string]any{"line": "order id=" + strconv.Itoa(i) + " shipped"}
	}
	sc, err := engine.Load(reg, bp, engine.LoadOptions{Stubs: map[int][]bundle.Bundle{1: {{"items": items}}}})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		x, err := sc.Run(context.Background(), engine.RunOptions{})
		if err != nil || x.Status != engine.StatusSuccess {
			b.Fatalf("%v %s %v", err, x.Status, x.Err)
		}
	}
}
