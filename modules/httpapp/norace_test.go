//go:build !race

package httpapp

const raceEnabled = false
