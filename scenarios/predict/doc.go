// Package predict holds the theory a scenario run is checked against: what
// the kernel's rules say a load will do to the ports before it starts (For,
// from the namespace's PortSettings), how that compares with what was
// measured (Check), and the `expect` entries of a scenario file, conditions
// on the result that may refer to the prediction (Expectation).
package predict
