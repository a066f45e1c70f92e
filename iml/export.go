package iml

import "time"

// ToNumber converts a value to a number the way Make coerces values into
// number fields (numbers, numeric text, booleans as 0/1 where Make allows).
// It reports false when the value has no numeric reading.
func ToNumber(v any) (float64, bool) { return toNumber(v) }

// ToDate converts a value to a date the way Make coerces values into date
// fields: dates as they are, ISO-8601 and common date text, Unix times in
// milliseconds. Text without a zone is read in loc (nil means UTC).
func ToDate(v any, loc *time.Location) (time.Time, bool) {
	if loc == nil {
		loc = time.UTC
	}
	return toDate(v, loc)
}
