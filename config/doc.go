// Package config defines what a portlab run is asked to do: the load's
// knobs (Load), the protocols, and the typed FieldError that names a knob
// when its value is wrong. It is a leaf: the engine (loadgen), the server
// (echo), the scenario format, the CLI and the result (report) all use the
// one definition here, so a knob is a flag binding plus a tagged field.
package config
