package iml_test

import (
	"fmt"
	"time"

	"github.com/reqflow/reqflow/iml"
)

func Example() {
	tpl, err := iml.Compile(`Hello {{upper(1.name)}}, you have {{length(1.items)}} items`)
	if err != nil {
		fmt.Println(err)
		return
	}
	out, err := tpl.Eval(&iml.Env{Scope: iml.MapScope{
		"1": map[string]any{"name": "ada", "items": []any{"a", "b"}},
	}})
	fmt.Println(out, err)
	// Output: Hello ADA, you have 2 items <nil>
}

// A mapper string that is exactly one {{…}} keeps the type of its value.
func ExampleTemplate_Eval_typed() {
	env := &iml.Env{Scope: iml.MapScope{"1": map[string]any{"csv": "a,b,c"}}}
	out, _ := iml.MustCompile(`{{split(1.csv; ",")}}`).Eval(env)
	fmt.Printf("%T %v\n", out, out)
	// Output: []interface {} [a b c]
}

func ExampleTemplate_Eval_dates() {
	env := &iml.Env{Now: time.Date(2019, 10, 7, 12, 0, 0, 0, time.UTC)}
	out, _ := iml.MustCompile(`{{formatDate(addDays(now; 1); "dddd D MMMM YYYY HH:mm"; "Europe/Prague")}}`).Eval(env)
	fmt.Println(out)
	// Output: Tuesday 8 October 2019 14:00
}

func ExampleCompile_error() {
	_, err := iml.Compile(`{{substring(1.name; 0; 3}}`)
	fmt.Println(err)
	// Output: line 1, col 12: missing ")"
}

func ExampleToText() {
	fmt.Println(iml.ToText([]any{1.5, "x", true, nil, 3.0}))
	fmt.Println(iml.ToText(time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)))
	// Output:
	// 1.5, x, true, , 3
	// 2020-01-02T03:04:05.000Z
}
