//go:build race

package httpapp

const raceEnabled = true
