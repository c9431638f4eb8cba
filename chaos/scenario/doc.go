// Package scenario defines a chaos scenario (instances, load, fault timeline, thresholds), reads it strictly from JSON, validates it and holds the built-in ones; it starts, dials and runs nothing.
package scenario
