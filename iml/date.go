package iml

import (
	"math"
	"strings"
	"time"
)

func init() {
	register(
		fn("addSeconds", 2, 2, nullDate(addDuration(time.Second))),
		fn("addMinutes", 2, 2, nullDate(addDuration(time.Minute))),
		fn("addHours", 2, 2, nullDate(addDuration(time.Hour))),
		fn("addDays", 2, 2, nullDate(addCalendar(0, 0, 1))),
		fn("addMonths", 2, 2, nullDate(addCalendar(0, 1, 0))),
		fn("addYears", 2, 2, nullDate(addCalendar(1, 0, 0))),
		fn("dateDifference", 2, 3, fnDateDifference),
		fn("formatDate", 2, 3, nullDate(fnFormatDate)),
		fn("parseDate", 2, 3, nullDate(fnParseDate)),
		fn("setSecond", 2, 2, nullDate(setClock(func(t time.Time, n int) time.Time {
			return wallDate(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), n, t.Nanosecond(), t.Location())
		}))),
		fn("setMinute", 2, 2, nullDate(setClock(func(t time.Time, n int) time.Time {
			return wallDate(t.Year(), t.Month(), t.Day(), t.Hour(), n, t.Second(), t.Nanosecond(), t.Location())
		}))),
		fn("setHour", 2, 2, nullDate(setClock(func(t time.Time, n int) time.Time {
			return wallDate(t.Year(), t.Month(), t.Day(), n, t.Minute(), t.Second(), t.Nanosecond(), t.Location())
		}))),
		fn("setDate", 2, 2, nullDate(setClock(func(t time.Time, n int) time.Time {
			return wallDate(t.Year(), t.Month(), n, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
		}))),
		fn("setYear", 2, 2, nullDate(setClock(func(t time.Time, n int) time.Time {
			return dateClamped(t, n, int(t.Month()))
		}))),
		fn("setMonth", 2, 2, nullDate(fnSetMonth)),
		fn("setDay", 2, 2, nullDate(fnSetDay)),
	)
}

// maxYears bounds date arithmetic so that results stay printable.
const maxYears = 300000

// argCount reads the amount argument of add*/set* functions.
func argCount(args []any, i int) (float64, error) {
	n, err := argNum(args, i)
	if err != nil {
		return 0, err
	}
	if math.IsNaN(n) || math.IsInf(n, 0) || math.Abs(n) > maxYears*366*86400*1000 {
		return 0, argError(i, "number %s is out of range", formatJSNumber(n))
	}
	return n, nil
}

// argDateCount reads the (date; number) arguments the add and set
// functions share.
func (c *call) argDateCount(args []any) (time.Time, float64, error) {
	t, err := c.argDate(args, 0)
	if err != nil {
		return time.Time{}, 0, err
	}
	n, err := argCount(args, 1)
	if err != nil {
		return time.Time{}, 0, err
	}
	return t, n, nil
}

// argDates reads the (date1; date2) arguments the difference functions
// share.
func (c *call) argDates(args []any) (time.Time, time.Time, error) {
	a, err := c.argDate(args, 0)
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	b, err := c.argDate(args, 1)
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	return a, b, nil
}

// addDuration builds addSeconds/addMinutes/addHours: exact elapsed time.
func addDuration(unit time.Duration) func(c *call, args []any) (any, error) {
	return func(c *call, args []any) (any, error) {
		t, n, err := c.argDateCount(args)
		if err != nil {
			return nil, err
		}
		ms := math.Round(n * float64(unit/time.Millisecond))
		if math.Abs(ms) > 8.64e15 {
			return nil, argError(1, "number %s is out of range", formatJSNumber(n))
		}
		return t.Add(time.Duration(ms) * time.Millisecond), nil
	}
}

// daysIn returns the number of days of a month.
func daysIn(year int, month time.Month) int {
	return time.Date(year, month+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// dateClamped moves t to year/month keeping the day, clamped to the last day
// of that month (moment.js semantics: 31 January + 1 month = 28 February).
func dateClamped(t time.Time, year, month int) time.Time {
	y, m := year+(month-1)/12, (month-1)%12
	if m < 0 {
		m += 12
		y--
	}
	d := min(t.Day(), daysIn(y, time.Month(m+1)))
	return wallDate(y, time.Month(m+1), d, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
}

// addCalendar builds addDays/addMonths/addYears: calendar arithmetic in the
// scenario time zone (the wall-clock time is kept across DST changes).
func addCalendar(years, months, days int) func(c *call, args []any) (any, error) {
	return func(c *call, args []any) (any, error) {
		t, f, err := c.argDateCount(args)
		if err != nil {
			return nil, err
		}
		n := int(jsRound(f))
		if abs(n) > maxYears*366 {
			return nil, argError(1, "number %d is out of range", n)
		}
		t = t.In(c.loc())
		if days != 0 {
			return addDays(t, n*days).UTC(), nil
		}
		return dateClamped(t, t.Year()+n*years, int(t.Month())+n*months).UTC(), nil
	}
}

// setClock builds the set* functions: the field is set in the scenario time
// zone, values out of range overflowing into the next unit.
func setClock(set func(t time.Time, n int) time.Time) func(c *call, args []any) (any, error) {
	return func(c *call, args []any) (any, error) {
		t, f, err := c.argDateCount(args)
		if err != nil {
			return nil, err
		}
		n := int(f)
		if abs(n) > maxYears*366*24 {
			return nil, argError(1, "number %d is out of range", n)
		}
		return set(t.In(c.loc()), n).UTC(), nil
	}
}

// setMonth(date; month): 1–12 or an English month name.
func fnSetMonth(c *call, args []any) (any, error) {
	t, err := c.argDate(args, 0)
	if err != nil {
		return nil, err
	}
	var m int
	if s, ok := args[1].(string); ok && monthIndex(strings.TrimSpace(s)) >= 0 {
		m = monthIndex(strings.TrimSpace(s)) + 1
	} else {
		f, err := argCount(args, 1)
		if err != nil {
			return nil, argError(1, "expected a month number or name, got %s", describeValue(args[1]))
		}
		m = int(f)
	}
	t = t.In(c.loc())
	return dateClamped(t, t.Year(), m).UTC(), nil
}

// setDay(date; day): the day of the same Sunday-to-Saturday week, 1 =
// Sunday … 7 = Saturday, or an English day name; other numbers move into
// the previous or next weeks.
func fnSetDay(c *call, args []any) (any, error) {
	t, err := c.argDate(args, 0)
	if err != nil {
		return nil, err
	}
	var d int
	if s, ok := args[1].(string); ok && dayIndex(strings.TrimSpace(s)) >= 0 {
		d = dayIndex(strings.TrimSpace(s))
	} else {
		f, err := argCount(args, 1)
		if err != nil {
			return nil, argError(1, "expected a day number or name, got %s", describeValue(args[1]))
		}
		d = int(f) - 1
	}
	t = t.In(c.loc())
	return addDays(t, d-int(t.Weekday())).UTC(), nil
}

// formatDate(date; format; [timezone])
func fnFormatDate(c *call, args []any) (any, error) {
	t, err := c.argDate(args, 0)
	if err != nil {
		return nil, err
	}
	loc, err := c.argLocation(args, 2)
	if err != nil {
		return nil, err
	}
	format := argText(args, 1)
	if len(format) > maxFormatLen {
		return nil, argError(1, "format is longer than %d bytes", maxFormatLen)
	}
	return formatMoment(t.In(loc), format), nil
}

// maxFormatLen bounds date formats (moment formats are short; this keeps
// a hostile formula from doing quadratic work).
const maxFormatLen = 4096

// parseDate(text; format; [timezone])
func fnParseDate(c *call, args []any) (any, error) {
	if t, ok := args[0].(time.Time); ok {
		return t, nil
	}
	loc, err := c.argLocation(args, 2)
	if err != nil {
		return nil, err
	}
	s := argText(args, 0)
	format := argText(args, 1)
	if strings.TrimSpace(format) == "" {
		t, ok := parseDateText(s, loc)
		if !ok {
			return nil, argError(0, "text %s is not a date", excerpt(s))
		}
		return t.UTC(), nil
	}
	if len(format) > maxFormatLen || len(s) > maxFormatLen {
		return nil, argError(0, "text or format is longer than %d bytes", maxFormatLen)
	}
	t, err := parseMoment(s, format, loc, c.ctx.clock())
	if err != nil {
		return nil, argError(0, "%s", err.Error())
	}
	return t.UTC(), nil
}

// monthDiff is moment.js's month difference of a and b (a − b), fractional.
func monthDiff(a, b time.Time) float64 {
	if a.Day() < b.Day() {
		return -monthDiff(b, a)
	}
	whole := (b.Year()-a.Year())*12 + int(b.Month()-a.Month())
	anchor := dateClamped(a, a.Year(), int(a.Month())+whole)
	var adjust float64
	if b.Before(anchor) {
		anchor2 := dateClamped(a, a.Year(), int(a.Month())+whole-1)
		adjust = float64(b.Sub(anchor)) / float64(anchor.Sub(anchor2))
	} else {
		anchor2 := dateClamped(a, a.Year(), int(a.Month())+whole+1)
		adjust = float64(b.Sub(anchor)) / float64(anchor2.Sub(anchor))
	}
	r := -(float64(whole) + adjust)
	if r == 0 {
		return 0
	}
	return r
}

// dateDifference(date1; date2; [unit]) is date1 − date2 in whole units
// (truncated toward zero): milliseconds (default), seconds, minutes, hours,
// days, weeks, months, quarters or years.
func fnDateDifference(c *call, args []any) (any, error) {
	a, b, err := c.argDates(args)
	if err != nil {
		return nil, err
	}
	unit := strings.ToLower(strings.TrimSpace(optText(args, 2, "milliseconds")))
	unit = strings.TrimSuffix(unit, "s")
	a, b = a.In(c.loc()), b.In(c.loc())
	ms := float64(a.Sub(b).Milliseconds())
	_, oa := a.Zone()
	_, ob := b.Zone()
	zoneDelta := float64(oa-ob) * 1000
	var r float64
	switch unit {
	case "millisecond", "m", "ms", "":
		r = ms
	case "second", "sec":
		r = ms / 1e3
	case "minute", "min":
		r = ms / 6e4
	case "hour", "h":
		r = ms / 36e5
	case "day", "d":
		r = (ms + zoneDelta) / 864e5
	case "week", "w":
		r = (ms + zoneDelta) / 6048e5
	case "month", "mo":
		r = monthDiff(a, b)
	case "quarter", "q":
		r = monthDiff(a, b) / 3
	case "year", "y":
		r = monthDiff(a, b) / 12
	default:
		return nil, argError(2, "unknown unit %s (expected milliseconds, seconds, minutes, hours, days, weeks, months, quarters or years)", excerpt(unit))
	}
	return math.Trunc(r) + 0, nil
}

// nullDate makes a date function return null when its date is null or
// empty text, as Make does for an unmapped optional date, instead of
// failing the operation.
func nullDate(f func(c *call, args []any) (any, error)) func(c *call, args []any) (any, error) {
	return func(c *call, args []any) (any, error) {
		if isEmpty(args[0]) {
			return nil, nil
		}
		return f(c, args)
	}
}
