// Package iml implements IML, the formula language of Make (Integromat)
// mapper strings.
//
// A mapper string is literal text with any number of {{…}} expressions:
//
//	Hello {{1.name}}, your order {{upper(2.`Order ID`)}} ships {{formatDate(addDays(now; 2); "DD.MM.YYYY")}}
//
// Compile parses such a string once; Template.Eval evaluates it against an Env
// (the scope that answers module references, the clock, the scenario time
// zone). A string that is exactly one {{…}} keeps the type of its value (an
// array, a collection, a number, a date, a buffer…); otherwise every piece is
// converted to text with ToText and the pieces are joined.
//
// Values are only the types documented in package bundle: nil, bool, string,
// json.Number, float64, int, int64, time.Time, []byte, *bundle.File, []any and
// map[string]any. Arithmetic produces float64; references return the values
// found in the scope unchanged.
//
// The language:
//
//   - References: 1.data.items[2].name, var.input.NAME, backticked names
//     (1.`Customer Name`, `1` for a whole bundle), 1-based indices, [] for the
//     first element, computed indices (1.rows[3.i]). A missing key yields null.
//   - Literals: "text" with "" as an escaped quote, numbers, and the keywords
//     null true false emptystring emptyarray space tab newline nbsp
//     carriagereturn now timestamp uuid random pi ignore erase executionId.
//   - Operators, loosest first: or |; and &; = != < > <= >=; + -; * / %;
//     unary - and not. + adds numbers and concatenates anything else as text.
//   - Calls: name(a; b; ; d), an empty argument being null. An argument that is
//     not a valid expression is taken as its literal text, trimmed, as Make
//     allows (formatDate(now; DD.MM.YYYY)).
//   - Any other bare name outside a function argument ({{airtableBaseId}},
//     {{settings.retries}}) is a reference to a scope root of that name; the
//     keywords are also recognised in any letter case (emptyString).
//   - ignore evaluates to null (the field is left unset) and erase to "".
//
// Conversions follow Make's type coercion rules: ToText (text fields),
// ToBool (boolean fields and conditions), ToNumber and ToDate (filters).
// Template.Roots lists the modules a template references, so that a
// blueprint that maps a module that does not exist can be rejected at load
// time.
//
// The function library covers Make's general, text, math, date and array
// functions, plus the extra functions of Make's white-label twin (Adobe
// Workfront Fusion). Functions lists them.
package iml
