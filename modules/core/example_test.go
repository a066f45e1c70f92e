package core_test

import (
	"context"
	"fmt"

	"github.com/reqflow/reqflow/blueprint"
	"github.com/reqflow/reqflow/engine"
	"github.com/reqflow/reqflow/modules/core"
)

func ExampleHTMLToText() {
	fmt.Println(core.HTMLToText(`<h1>Invoice</h1><p>Total: <b>42&nbsp;€</b></p><ul><li>Pay <a href="https://pay.example/1">here</a></li></ul>`, true))
	// Output:
	// INVOICE
	//
	// Total: 42 €
	//
	// * Pay here [https://pay.example/1]
}

func ExampleRegister() {
	reg := engine.NewRegistry()
	if err := core.Register(reg); err != nil {
		panic(err)
	}
	bp, err := blueprint.Decode([]byte(`{"name": "count words", "flow": [
		{"id": 1, "module": "builtin:BasicFeeder", "version": 1, "mapper": {"array": "{{split(\"to be or not\"; space)}}"}},
		{"id": 2, "module": "util:TextAggregator", "version": 1, "parameters": {"feeder": 1, "rowSeparator": "other", "otherRowSeparator": "|"},
		 "mapper": {"value": "{{1.__IMTINDEX__}}:{{upper(1.value)}}"}}
	]}`))
	if err != nil {
		panic(err)
	}
	sc, err := engine.Load(reg, bp, engine.LoadOptions{})
	if err != nil {
		panic(err)
	}
	x, err := sc.Run(context.Background(), engine.RunOptions{})
	if err != nil {
		panic(err)
	}
	fmt.Println(x.Status, x.Modules[1].Operations[0].Outputs[0]["text"])
	// Output: success 1:TO|2:BE|3:OR|4:NOT
}
