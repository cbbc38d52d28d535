// Package suggest finds the name a user most likely meant, for the "did
// you mean" hints of the CLI and of the report paths.
package suggest

import "strings"

// Closest returns the one of names that key most likely misspells: the
// nearest at most two edits away (case aside), else the only name that
// starts with key; "" for none.
func Closest(key string, names []string) string {
	k := strings.ToLower(key)
	best, bestD := "", 3
	for _, n := range names {
		if d := editDistance(k, strings.ToLower(n)); d < bestD {
			best, bestD = n, d
		}
	}
	if best != "" || len(k) < 3 {
		return best
	}
	prefixed := ""
	for _, n := range names {
		if strings.HasPrefix(strings.ToLower(n), k) {
			if prefixed != "" {
				return "" // ambiguous
			}
			prefixed = n
		}
	}
	return prefixed
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
