package iml

import (
	"testing"
	"time"
)

func BenchmarkReference(b *testing.B) {
	env := setup(b)
	tpl := MustCompile("{{1.data.items[3].name}}")
	b.ReportAllocs()
	for b.Loop() {
		v, err := tpl.Eval(env)
		if err != nil || v != "third" {
			b.Fatalf("got %#v, %v", v, err)
		}
	}
}

func BenchmarkTextTemplate(b *testing.B) {
	env := setup(b)
	tpl := MustCompile("Dear {{1.`Customer Name`}}, we wrote to {{1.email}} about {{1.count}} items.")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tpl.Eval(env); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkJWTSignature(b *testing.B) {
	env := jwtEnv(b, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), "s3cr3t-key")
	tpl := MustCompile(jwtSignatureFormula)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tpl.Eval(env); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCompileJWTSignature(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile(jwtSignatureFormula); err != nil {
			b.Fatal(err)
		}
	}
}
