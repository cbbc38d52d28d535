package report

import (
	"fmt"
	"strings"
)

// Ending says how r's run ended, for a reader comparing runs: "stopped by
// onset after 0.110 s", with the wind-down when there was one and
// "interrupted" when a signal cut it short.
func Ending(r *Result) string {
	reason := string(r.StopReason)
	if reason == "" {
		reason = "an unrecorded reason"
	}
	s := fmt.Sprintf("stopped by %s after %.3f s", reason, r.ElapsedS)
	if r.WindDownS != 0 {
		s += fmt.Sprintf(" (+%.3f s wind-down)", r.WindDownS)
	}
	if r.Interrupted {
		s += ", interrupted"
	}
	return s
}

// endingWarnings flags runs that stopped for different reasons: their
// counts and rates cover windows that do not compare (a baseline that
// stopped at its onset after 0.11 s against a run of 3 s). It names each
// reason with its runs and their elapsed times.
func endingWarnings(rs []*Result, names []string) []string {
	var reasons []string
	runs := map[string][]string{}
	for i, r := range rs {
		reason := string(r.StopReason)
		if reason == "" {
			reason = "an unrecorded reason"
		}
		if r.Interrupted {
			reason += " (interrupted)"
		}
		if _, seen := runs[reason]; !seen {
			reasons = append(reasons, reason)
		}
		runs[reason] = append(runs[reason], fmt.Sprintf("%s after %.3f s", names[i], r.ElapsedS))
	}
	if len(reasons) < 2 {
		return nil
	}
	parts := make([]string, len(reasons))
	for i, reason := range reasons {
		parts[i] = "stopped by " + reason + ": " + strings.Join(runs[reason], ", ")
	}
	return []string{"the runs stopped differently, so their counts and rates cover different windows; " +
		strings.Join(parts, "; ")}
}
