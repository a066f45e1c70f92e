package iml

import (
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"
)

func init() {
	register(
		fn("abs", 1, 1, unaryMath(math.Abs)),
		fn("ceil", 1, 1, unaryMath(math.Ceil)),
		fn("floor", 1, 1, unaryMath(math.Floor)),
		fn("trunc", 1, 1, unaryMath(math.Trunc)),
		fn("round", 1, 2, fnRound),
		fn("average", 0, -1, aggregate(func(v []float64) float64 {
			if len(v) == 0 {
				return math.NaN()
			}
			return sumOf(v) / float64(len(v))
		})),
		fn("sum", 0, -1, aggregate(sumOf)),
		fn("max", 0, -1, aggregate(func(v []float64) float64 {
			m := math.Inf(-1)
			for _, f := range v {
				m = math.Max(m, f)
			}
			return m
		})),
		fn("min", 0, -1, aggregate(func(v []float64) float64 {
			m := math.Inf(1)
			for _, f := range v {
				m = math.Min(m, f)
			}
			return m
		})),
		fn("formatNumber", 1, 4, fnFormatNumber),
		fn("parseNumber", 1, 2, fnParseNumber),
	)
}

// unaryMath wraps a float function as an IML function of one number.
func unaryMath(f func(float64) float64) func(c *call, args []any) (any, error) {
	return func(c *call, args []any) (any, error) {
		x, err := argNum(args, 0)
		if err != nil {
			return nil, err
		}
		return f(x), nil
	}
}

// jsRound rounds half up, as JavaScript's Math.round.
func jsRound(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return x
	}
	f := math.Floor(x)
	if x-f >= 0.5 {
		f++
	}
	return f + 0 // no -0
}

// round(number; [decimals]) rounds half up.
func fnRound(c *call, args []any) (any, error) {
	x, err := argNum(args, 0)
	if err != nil {
		return nil, err
	}
	d, err := optInt(args, 1, 0)
	if err != nil {
		return nil, err
	}
	if d == 0 {
		return jsRound(x), nil
	}
	d = max(-20, min(d, 20))
	p := math.Pow(10, float64(d))
	return jsRound(x*p) / p, nil
}

func sumOf(v []float64) float64 {
	s := 0.0
	for _, f := range v {
		s += f
	}
	return s
}

// numbersOf flattens the arguments (arrays included) into numbers, skipping
// nulls.
func numbersOf(args []any) ([]float64, error) {
	var out []float64
	for i, a := range args {
		items := []any{a}
		if arr, ok := a.([]any); ok {
			items = arr
		}
		for _, e := range items {
			if e == nil {
				continue
			}
			f, ok := toNumber(e)
			if !ok {
				return nil, argError(i, "expected a number, got %s", describeValue(e))
			}
			out = append(out, f)
		}
	}
	return out, nil
}

// aggregate builds a function of any number of numbers or arrays of numbers.
func aggregate(f func([]float64) float64) func(c *call, args []any) (any, error) {
	return func(c *call, args []any) (any, error) {
		v, err := numbersOf(args)
		if err != nil {
			return nil, err
		}
		return f(v), nil
	}
}

// formatNumber(number; [decimals]; [decimalSeparator=","]; [thousandsSeparator="."])
func fnFormatNumber(c *call, args []any) (any, error) {
	x, err := argNum(args, 0)
	if err != nil {
		return nil, err
	}
	d, err := optInt(args, 1, 0)
	if err != nil {
		return nil, err
	}
	if d < 0 || d > 100 {
		return nil, argError(1, "decimals must be between 0 and 100, got %d", d)
	}
	dec := optText(args, 2, ",")
	thou := optText(args, 3, ".")
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return formatJSNumber(x), nil
	}
	s := toFixed(math.Abs(x), d)
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	if x < 0 && strings.Trim(s, "0.") != "" {
		b.WriteByte('-')
	}
	for i, ch := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteString(thou)
		}
		b.WriteRune(ch)
	}
	if frac != "" {
		b.WriteString(dec)
		b.WriteString(frac)
	}
	return b.String(), nil
}

// parseNumber(text; [decimalSeparator="."]) reads a number written with
// any thousands separators: everything but digits, a leading minus and the
// decimal separator is ignored.
func fnParseNumber(c *call, args []any) (any, error) {
	if f, ok := numberOf(args[0]); ok {
		return f, nil
	}
	s := strings.TrimSpace(argText(args, 0))
	dec := optText(args, 1, ".")
	var b strings.Builder
	seenDigit := false
	for i := 0; i < len(s); i++ {
		switch ch := s[i]; {
		case ch >= '0' && ch <= '9':
			b.WriteByte(ch)
			seenDigit = true
		case ch == '-' && !seenDigit && b.Len() == 0:
			b.WriteByte('-')
		case dec != "" && strings.HasPrefix(s[i:], dec):
			b.WriteByte('.')
			i += len(dec) - 1
		case (ch == 'e' || ch == 'E') && seenDigit && i+1 < len(s) && (isDigit(s[i+1]) || s[i+1] == '-' || s[i+1] == '+'):
			b.WriteByte('e')
			if s[i+1] == '-' || s[i+1] == '+' {
				b.WriteByte(s[i+1])
				i++
			}
		}
	}
	f, err := strconv.ParseFloat(b.String(), 64)
	if err != nil || !seenDigit {
		return nil, argError(0, "%s is not a number", excerpt(s))
	}
	return f, nil
}

// sortNumbers returns the numbers sorted ascending or descending.
func sortNumbers(v []float64, desc bool) []any {
	sort.Float64s(v)
	out := make([]any, len(v))
	for i, f := range v {
		if desc {
			out[len(v)-1-i] = f
		} else {
			out[i] = f
		}
	}
	return out
}

// toFixed formats a non-negative number with d decimals as JavaScript's
// Number.toFixed: an exact tie rounds up (Go's FormatFloat rounds it to even).
func toFixed(a float64, d int) string {
	s := strconv.FormatFloat(a, 'f', d, 64)
	if a >= 1e21 {
		return s
	}
	f := new(big.Float).SetPrec(2048).SetFloat64(a)
	f.Mul(f, new(big.Float).SetPrec(2048).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(d)), nil)))
	whole, _ := f.Int(nil)
	frac := new(big.Float).SetPrec(2048).Sub(f, new(big.Float).SetPrec(2048).SetInt(whole))
	if frac.Cmp(big.NewFloat(0.5)) != 0 {
		return s
	}
	digits := whole.Add(whole, big.NewInt(1)).String()
	if d == 0 {
		return digits
	}
	if len(digits) <= d {
		digits = strings.Repeat("0", d-len(digits)+1) + digits
	}
	return digits[:len(digits)-d] + "." + digits[len(digits)-d:]
}
