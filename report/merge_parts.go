package report

import (
	"fmt"
	"maps"
	"math"
	"reflect"
	"slices"
	"strings"

	"github.com/portlab/portlab/config"
)

// parts lists the runs a merge combines: each input, or the parts of an
// input that was a merge itself, so that merges of merges keep every run.
func parts(rs []*Result) []Part {
	var ps []Part
	for _, r := range rs {
		if len(r.Parts) > 0 {
			ps = append(ps, r.Parts...)
			continue
		}
		p := Part{Label: r.Label, StartedAt: r.StartedAt, ElapsedS: r.ElapsedS, StopReason: r.StopReason,
			Totals: r.Totals, Errors: map[string]int64{}, Onset: map[string]Onset{}}
		maps.Copy(p.Errors, r.Errors)
		maps.Copy(p.Onset, r.Onset)
		if r.Shard != nil {
			s := *r.Shard
			p.Shard = &s
		}
		ps = append(ps, p)
	}
	return ps
}

// checkShards judges the shards among a merge's parts as one load's: a
// shard given twice is refused (its requests would count twice), as are
// shards of different counts (parts of different loads, or a mistake);
// shards missing from the set are merged, with a note naming them, so
// that the runs of a Job that lost a pod can still be read, as what they
// are. Parts that are no shard (other clients) merge as before.
func checkShards(rs []*Result, ps []Part) (note string, err error) {
	if len(ps) > MaxParts {
		return "", inputErr(rs, partInput(rs, MaxParts), fieldErr("parts", "the merge would keep %d parts, more than %d: merge fewer results, or merges of fewer", len(ps), MaxParts))
	}
	var count int
	seen := map[int]int{} // shard index → part
	for i, p := range ps {
		s := p.Shard
		if s == nil {
			continue
		}
		if s.Count < 1 || s.Count > config.MaxShards || s.Index < 0 || s.Index >= s.Count {
			return "", shardErr(rs, ps, i, "index %d of count %d: an index runs from 0 to count-1, a count from 1 to %d", s.Index, s.Count, config.MaxShards)
		}
		if count == 0 {
			count = s.Count
		}
		if s.Count != count {
			return "", shardErr(rs, ps, i, "%s is a shard of %d, but %s one of %d: shards of different loads do not merge as one",
				partName(ps, i), s.Count, partName(ps, firstShard(ps)), count)
		}
		if j, dup := seen[s.Index]; dup {
			return "", shardErr(rs, ps, i, "shard %s is given twice (%s and %s): its requests would count twice",
				s, partName(ps, j), partName(ps, i))
		}
		seen[s.Index] = i
	}
	if count == 0 || len(seen) == count {
		return "", nil
	}
	var missing []string
	for i := range count {
		if _, ok := seen[i]; !ok {
			missing = append(missing, config.Shard{Index: i, Count: count}.String())
		}
	}
	return fmt.Sprintf("%s%s: the totals are those of %d of the load's %d shards, not the whole load",
		missingShards, strings.Join(missing, ", "), len(seen), count), nil
}

// missingShards begins the note of a merge that lacks shards. A merge of
// that merge judges the set anew, so it drops the input's note.
const missingShards = "missing shards: "

func firstShard(ps []Part) int {
	return slices.IndexFunc(ps, func(p Part) bool { return p.Shard != nil })
}

// partName is how merge errors refer to part i.
func partName(ps []Part, i int) string {
	if ps[i].Label != "" {
		return fmt.Sprintf("%q", ps[i].Label)
	}
	return fmt.Sprintf("part #%d", i+1)
}

// shardErr is a shard problem of part i, as an *InputError naming the
// input the part came from.
func shardErr(rs []*Result, ps []Part, i int, format string, args ...any) *InputError {
	return inputErr(rs, partInput(rs, i), fieldErr("shard", format, args...))
}

// partInput is the input part i of a merge of rs came from.
func partInput(rs []*Result, i int) int {
	n := 0
	for k, r := range rs {
		n += max(len(r.Parts), 1)
		if i < n {
			return k
		}
	}
	return 0
}

// gatewayNote says what a merge does with its inputs' NAT gateways: it
// shows none, since their pools and conntrack tables are not a sum of
// clients' (several clients behind one gateway share it, and clients
// behind different gateways had different pools); "" when no input had
// one.
func gatewayNote(rs []*Result) string {
	var with []string
	pools := map[string]bool{}
	for i, r := range rs {
		if r.Gateway != nil {
			with = append(with, inputName(r, i))
			pools[r.PoolText()] = true
		}
	}
	if len(with) == 0 {
		return ""
	}
	const listed = 5
	if len(with) > listed {
		with = append(with[:listed], fmt.Sprintf("%d more", len(with)-listed))
	}
	s := fmt.Sprintf("NAT gateway of %s not merged: the merge shows no gateway; each input's own report shows its", strings.Join(with, ", "))
	if len(pools) > 1 {
		s += fmt.Sprintf(" (%d different SNAT pools)", len(pools))
	}
	return s
}

// baseLabel is an input's label without its shard: the load's label
// that every shard of it shares.
func baseLabel(r *Result) string {
	if r.Shard != nil && r.Config != nil {
		return r.Config.Label
	}
	return r.Label
}

// wholeStrategy describes the load a whole set of shards ran together, as
// the sum of their shares (config.Load.Share), when the inputs are exactly
// the shards of one load (the same knobs otherwise); "" when they are not.
func wholeStrategy(rs []*Result) string {
	whole, n := config.Load{}, len(rs)
	seen := make([]bool, n)
	for i, r := range rs {
		s, c := r.Shard, r.Config
		if s == nil || s.Count != n || seen[s.Index] || c == nil || c.Merged != nil {
			return ""
		}
		seen[s.Index] = true
		if i == 0 {
			whole = c.Load
			continue
		}
		if !reflect.DeepEqual(unsplit(c.Load), unsplit(rs[0].Config.Load)) {
			return ""
		}
		whole.Concurrency += c.Concurrency
		whole.Requests += c.Requests
		whole.PoolSize += c.PoolSize
		whole.Rate += c.Rate
	}
	whole.Rate = math.Round(whole.Rate*1e6) / 1e6 // shares of 1/N add up to the rate within rounding
	return fmt.Sprintf("%s, in %d shards", whole.Strategy(), n)
}

// unsplit is l without the knobs shards split.
func unsplit(l config.Load) config.Load {
	l.Concurrency, l.Requests, l.PoolSize, l.Rate = 0, 0, 0, 0
	return l
}
