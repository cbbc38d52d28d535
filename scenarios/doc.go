// Package scenarios defines portlab's named experiments: the scenario file
// format (Parse, LoadFile) and the built-in catalogue (Builtin, Names). A
// Scenario is data only, a list of runs that each set the sandbox's
// sysctls, an echo server and a load.
//
// A scenario file is bounded (MaxFileBytes, and the list and mapping sizes
// in limits.go) and checked as one tree before it is decoded, so parsing is
// linear in its size and takes well under a second.
//
// The packages below it do the rest: sandbox runs a scenario, each run in a
// fresh private network namespace; predict says beforehand what the
// kernel's rules make of a run and checks the `expect` entries against the
// result; labreport explains the outcome in plain words.
package scenarios
