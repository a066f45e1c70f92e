package iml

import (
	"errors"
	"math"
	"reflect"
	"sort"
	"strings"
	"time"
	"unicode"
)

// The functions in this file are documented only by Adobe Workfront Fusion,
// the white-label twin of Make; reqflow supports them so that formulas
// written for either run unchanged.
func init() {
	register(
		// general
		fn("isBlank", 1, 1, func(c *call, a []any) (any, error) { return isEmpty(a[0]), nil }),
		fn("in", 1, -1, fnIn),
		fn("ifin", 3, -1, fnIfIn),
		fn("case", 1, -1, fnCase),
		// text
		fn("concat", 1, -1, fnConcat),
		fn("left", 2, 2, fnLeft),
		fn("right", 2, 2, fnRight),
		fn("removeAccents", 1, 1, func(c *call, a []any) (any, error) { return removeAccents(argText(a, 0)), nil }),
		fn("sortAscString", 0, -1, sortStrings(false)),
		fn("sortDescString", 0, -1, sortStrings(true)),
		fn("pascal", 1, 1, fnPascal),
		// array
		fn("arrayDifference", 2, 3, fnArrayDifference),
		fn("arrayElement", 2, 2, func(c *call, a []any) (any, error) {
			n, err := argInt(a, 1)
			if err != nil {
				return nil, err
			}
			return getIndex(argArray(a, 0), n), nil
		}),
		// math
		fn("median", 0, -1, aggregate(median)),
		fn("div", 2, 2, binaryMath(func(a, b float64) float64 { return a / b })),
		fn("power", 2, 2, binaryMath(math.Pow)),
		fn("log", 2, 2, binaryMath(func(base, x float64) float64 { return math.Log(x) / math.Log(base) })),
		fn("ln", 1, 1, unaryMath(math.Log)),
		fn("sqrt", 1, 1, unaryMath(math.Sqrt)),
		fn("number", 1, 1, func(c *call, a []any) (any, error) { return argNum(a, 0) }),
		fn("prod", 0, -1, aggregate(func(v []float64) float64 {
			p := 1.0
			for _, f := range v {
				p *= f
			}
			return p
		})),
		fn("sub", 1, -1, aggregate(func(v []float64) float64 {
			if len(v) == 0 {
				return 0
			}
			r := v[0]
			for _, f := range v[1:] {
				r -= f
			}
			return r
		})),
		fn("sortAscNum", 0, -1, sortNums(false)),
		fn("sortDescNum", 0, -1, sortNums(true)),
		// date
		fn("addWeekDays", 2, 2, fnAddWeekDays),
		fn("dateMax", 0, -1, dateExtreme(true)),
		fn("dateMin", 0, -1, dateExtreme(false)),
		fn("dayOfMonth", 1, 1, datePart(func(t time.Time) float64 { return float64(t.Day()) })),
		fn("dayOfWeek", 1, 1, datePart(func(t time.Time) float64 { return float64(t.Weekday()) + 1 })),
		fn("daysInMonth", 1, 1, datePart(func(t time.Time) float64 { return float64(daysIn(t.Year(), t.Month())) })),
		fn("daysInYear", 1, 1, datePart(func(t time.Time) float64 { return float64(daysInYear(t.Year())) })),
		fn("daysInSplitWeek", 1, 1, datePart(daysInSplitWeek)),
		fn("hour", 1, 1, datePart(func(t time.Time) float64 { return float64(t.Hour()) })),
		fn("minute", 1, 1, datePart(func(t time.Time) float64 { return float64(t.Minute()) })),
		fn("second", 1, 1, datePart(func(t time.Time) float64 { return float64(t.Second()) })),
		fn("month", 1, 1, datePart(func(t time.Time) float64 { return float64(t.Month()) })),
		fn("year", 1, 1, datePart(func(t time.Time) float64 { return float64(t.Year()) })),
		fn("isWeekend", 1, 1, func(c *call, a []any) (any, error) {
			t, err := c.argDate(a, 0)
			if err != nil {
				return nil, err
			}
			wd := t.In(c.loc()).Weekday()
			return wd == time.Saturday || wd == time.Sunday, nil
		}),
		fn("startOfMonth", 1, 1, dateShift(func(t time.Time) time.Time {
			return wallDate(t.Year(), t.Month(), 1, 0, 0, 0, 0, t.Location())
		})),
		fn("endOfMonth", 1, 1, dateShift(func(t time.Time) time.Time {
			return wallDate(t.Year(), t.Month()+1, 1, 0, 0, 0, 0, t.Location()).Add(-time.Millisecond)
		})),
		fn("weekDayDiff", 2, 2, fnWeekDayDiff),
		fn("workMinutesDiff", 2, 2, fnWorkMinutesDiff),
	)
}

// strictEqual is equality without coercion: same type and value.
func strictEqual(a, b any) bool {
	if x, ok := numberOf(a); ok {
		y, ok := numberOf(b)
		return ok && x == y
	}
	if ta, ok := a.(time.Time); ok {
		tb, ok := b.(time.Time)
		return ok && ta.Equal(tb)
	}
	return reflect.DeepEqual(a, b)
}

// in(value; v1; v2; …) reports whether value is strictly one of the others.
func fnIn(c *call, args []any) (any, error) {
	for _, v := range args[1:] {
		if strictEqual(args[0], v) {
			return true, nil
		}
	}
	return false, nil
}

// ifin(value; v1; …; vN; then; else)
func fnIfIn(c *call, args []any) (any, error) {
	n := len(args)
	for _, v := range args[1 : n-2] {
		if strictEqual(args[0], v) {
			return args[n-2], nil
		}
	}
	return args[n-1], nil
}

// case(n; v1; v2; …) returns the n-th (1-based) value.
func fnCase(c *call, args []any) (any, error) {
	n, err := argInt(args, 0)
	if err != nil {
		return nil, err
	}
	if n < 1 || n >= len(args) {
		return nil, nil
	}
	return args[n], nil
}

// concat(separator; text1; text2; …)
func fnConcat(c *call, args []any) (any, error) {
	parts := make([]string, 0, len(args)-1)
	for _, a := range args[1:] {
		parts = append(parts, ToText(a))
	}
	return strings.Join(parts, argText(args, 0)), nil
}

func fnLeft(c *call, args []any) (any, error) {
	s := []rune(argText(args, 0))
	n, err := argInt(args, 1)
	if err != nil {
		return nil, err
	}
	return string(s[:max(0, min(n, len(s)))]), nil
}

func fnRight(c *call, args []any) (any, error) {
	s := []rune(argText(args, 0))
	n, err := argInt(args, 1)
	if err != nil {
		return nil, err
	}
	return string(s[len(s)-max(0, min(n, len(s))):]), nil
}

// pascal joins the words of a text, each capitalized: hello world → HelloWorld.
func fnPascal(c *call, args []any) (any, error) {
	var b strings.Builder
	for _, w := range strings.FieldsFunc(argText(args, 0), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}) {
		r := []rune(strings.ToLower(w))
		r[0] = unicode.ToUpper(r[0])
		b.WriteString(string(r))
	}
	return b.String(), nil
}

// sortStrings sorts the texts of all arguments (arrays flattened).
func sortStrings(desc bool) func(c *call, args []any) (any, error) {
	return func(c *call, args []any) (any, error) {
		var s []string
		for i := range args {
			for _, e := range argArray(args, i) {
				s = append(s, ToText(e))
			}
		}
		sort.Strings(s)
		out := make([]any, len(s))
		for i, v := range s {
			if desc {
				out[len(s)-1-i] = v
			} else {
				out[i] = v
			}
		}
		return out, nil
	}
}

func sortNums(desc bool) func(c *call, args []any) (any, error) {
	return func(c *call, args []any) (any, error) {
		v, err := numbersOf(args)
		if err != nil {
			return nil, err
		}
		return sortNumbers(v, desc), nil
	}
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	m := len(s) / 2
	if len(s)%2 == 1 {
		return s[m]
	}
	return (s[m-1] + s[m]) / 2
}

func binaryMath(f func(a, b float64) float64) func(c *call, args []any) (any, error) {
	return func(c *call, args []any) (any, error) {
		a, err := argNum(args, 0)
		if err != nil {
			return nil, err
		}
		b, err := argNum(args, 1)
		if err != nil {
			return nil, err
		}
		return f(a, b), nil
	}
}

// arrayDifference(a; b; [mode]): classic (default) keeps the items of a
// that are not in b; symmetric keeps the items that are in only one.
func fnArrayDifference(c *call, args []any) (any, error) {
	a, b := argArray(args, 0), argArray(args, 1)
	mode := strings.ToLower(strings.TrimSpace(optText(args, 2, "classic")))
	if mode != "classic" && mode != "symmetric" {
		return nil, argError(2, "unknown mode %s (expected classic or symmetric)", excerpt(mode))
	}
	diff := func(x, y []any) []any {
		in := map[string]bool{}
		for _, e := range y {
			in[identity(e)] = true
		}
		out := []any{}
		for _, e := range x {
			if !in[identity(e)] {
				out = append(out, e)
			}
		}
		return out
	}
	out := diff(a, b)
	if mode == "symmetric" {
		out = append(out, diff(b, a)...)
	}
	return out, nil
}

// datePart reads one field of a date in the scenario time zone.
func datePart(f func(time.Time) float64) func(c *call, args []any) (any, error) {
	return func(c *call, args []any) (any, error) {
		t, err := c.argDate(args, 0)
		if err != nil {
			return nil, err
		}
		return f(t.In(c.loc())), nil
	}
}

// dateShift maps a date (in the scenario time zone) to another date.
func dateShift(f func(time.Time) time.Time) func(c *call, args []any) (any, error) {
	return func(c *call, args []any) (any, error) {
		t, err := c.argDate(args, 0)
		if err != nil {
			return nil, err
		}
		return f(t.In(c.loc())).UTC(), nil
	}
}

// dateExtreme returns the latest (or earliest) of the dates given.
func dateExtreme(latest bool) func(c *call, args []any) (any, error) {
	return func(c *call, args []any) (any, error) {
		var best time.Time
		found := false
		for i := range args {
			for _, e := range argArray(args, i) {
				t, ok := toDate(e, c.loc())
				if !ok {
					return nil, argError(i, "expected a date, got %s", describeValue(e))
				}
				if !found || (latest && t.After(best)) || (!latest && t.Before(best)) {
					best, found = t, true
				}
			}
		}
		if !found {
			return nil, nil
		}
		return best.UTC(), nil
	}
}

// daysInSplitWeek counts the working days (Monday–Friday) of the date's
// week that fall in the date's month.
func daysInSplitWeek(t time.Time) float64 {
	wd := (int(t.Weekday()) + 6) % 7 // Monday = 0
	monday := t.AddDate(0, 0, -wd)
	n := 0
	for i := 0; i < 5; i++ {
		if monday.AddDate(0, 0, i).Month() == t.Month() {
			n++
		}
	}
	return float64(n)
}

func isWeekday(t time.Time) bool {
	return t.Weekday() != time.Saturday && t.Weekday() != time.Sunday
}

// addWeekDays(date; n) adds n working days (Monday–Friday).
func fnAddWeekDays(c *call, args []any) (any, error) {
	t, err := c.argDate(args, 0)
	if err != nil {
		return nil, err
	}
	n, err := argInt(args, 1)
	if err != nil {
		return nil, err
	}
	if abs(n) > 100000 {
		return nil, argError(1, "number %d is out of range", n)
	}
	t = t.In(c.loc())
	step := 1
	if n < 0 {
		step, n = -1, -n
	}
	for n > 0 {
		t = addDays(t, step)
		if isWeekday(t) {
			n--
		}
	}
	return t.UTC(), nil
}

var errSpan = errors.New("the dates are too far apart")

// overlapByDay sums, over the days between a and b (a ≤ b), the time
// that falls in each day's window [from, to) on working days.
func overlapByDay(a, b time.Time, from, to time.Duration) (time.Duration, error) {
	if b.Sub(a) > 200*365*24*time.Hour {
		return 0, errSpan
	}
	var total time.Duration
	day := time.Date(a.Year(), a.Month(), a.Day(), 0, 0, 0, 0, a.Location())
	for !day.After(b) {
		if isWeekday(day) {
			lo, hi := day.Add(from), day.Add(to)
			if a.After(lo) {
				lo = a
			}
			if b.Before(hi) {
				hi = b
			}
			if hi.After(lo) {
				total += hi.Sub(lo)
			}
		}
		day = day.AddDate(0, 0, 1)
	}
	return total, nil
}

// weekDayDiff(date1; date2) is date1 − date2 in days, counting only
// Monday–Friday (fractions of days included).
func fnWeekDayDiff(c *call, args []any) (any, error) {
	a, b, err := c.argDates(args)
	if err != nil {
		return nil, err
	}
	sign := 1.0
	a, b = a.In(c.loc()), b.In(c.loc())
	if a.Before(b) {
		a, b, sign = b, a, -1
	}
	d, err := overlapByDay(b, a, 0, 24*time.Hour)
	if err != nil {
		return nil, err
	}
	return sign * d.Hours() / 24, nil
}

// workMinutesDiff(start; end) counts the minutes between start and end that
// fall in working hours (Monday–Friday, 9:00–17:00 in the scenario zone).
func fnWorkMinutesDiff(c *call, args []any) (any, error) {
	a, b, err := c.argDates(args)
	if err != nil {
		return nil, err
	}
	sign := 1.0
	a, b = a.In(c.loc()), b.In(c.loc())
	if b.Before(a) {
		a, b, sign = b, a, -1
	}
	d, err := overlapByDay(a, b, 9*time.Hour, 17*time.Hour)
	if err != nil {
		return nil, err
	}
	return sign * d.Minutes(), nil
}
