// Package labreport explains a sandbox lab in plain words: a table of the
// runs, each prediction beside its measurement, the expectations, and a
// diagnosis of what exhausted the ports and why, read from the results
// alone.
package labreport
