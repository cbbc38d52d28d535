#!/usr/bin/env bash
# Gathers the result of every shard of the portlab-load Job from its
# pod's log and merges them, exactly, into one result.
#
#   deploy/kubernetes/collect.sh [DIR]     # default DIR: portlab-results
#
# The result line: each load pod runs portlab load --json --quiet, so its
# log is its result JSON, printed indented from a line "{" to a line "}";
# an error, if any, is a line "portlab load: ..." outside those. This
# script waits for the Job to finish (at most $TIMEOUT seconds, default
# 3600), writes DIR/shard-I.json for every completion index I, and runs
# portlab report merge into DIR/merged.json.
#
# Environment: KUBECTL (default "kubectl"; e.g. "kubectl -n load"),
# PORTLAB (default "portlab"), JOB (default portlab-load).
set -euo pipefail

dir=${1:-portlab-results}
job=${JOB:-portlab-load}
timeout=${TIMEOUT:-3600}
read -ra kubectl <<<"${KUBECTL:-kubectl}"
portlab=${PORTLAB:-portlab}
[[ $timeout =~ ^[0-9]{1,6}$ ]] || { echo "collect: TIMEOUT: whole seconds, got '$timeout'" >&2; exit 2; }

shards=$("${kubectl[@]}" get job "$job" -o 'jsonpath={.spec.completions}')
[[ $shards =~ ^[1-9][0-9]*$ ]] || { echo "collect: job $job: completions '$shards'" >&2; exit 2; }

# Wait for Complete or Failed, whichever comes; kubectl wait takes one.
waited=0
while :; do
  state=$("${kubectl[@]}" get job "$job" -o 'jsonpath={.status.conditions[?(@.status=="True")].type}')
  case " $state " in
  *" Complete "*) break ;;
  *" Failed "*)
    echo "collect: job $job failed: a shard's pod did not finish (kubectl describe job $job; kubectl logs of its pods)" >&2
    exit 1
    ;;
  esac
  if ((waited >= timeout)); then
    echo "collect: job $job not finished after ${timeout}s" >&2
    exit 1
  fi
  sleep 5
  waited=$((waited + 5))
done

mkdir -p "$dir"
files=()
declare -A seen
# The completion index is an annotation on every version with Indexed
# Jobs (a label only from 1.28). backoffLimit 0: one pod per index.
while read -r index pod phase; do
  [[ $phase == Succeeded ]] || continue
  [[ -z ${seen[$index]:-} ]] || { echo "collect: index $index: pods ${seen[$index]} and $pod" >&2; exit 1; }
  seen[$index]=$pod
  out="$dir/shard-$index.json"
  "${kubectl[@]}" logs "$pod" | sed -n '/^{$/,/^}$/p' >"$out"
  [[ -s $out ]] || { echo "collect: pod $pod: no result JSON in its log" >&2; exit 1; }
  files+=("$out")
done < <("${kubectl[@]}" get pods -l "job-name=$job" -o \
  'jsonpath={range .items[*]}{.metadata.annotations.batch\.kubernetes\.io/job-completion-index}{" "}{.metadata.name}{" "}{.status.phase}{"\n"}{end}')

if ((${#files[@]} != shards)); then
  echo "collect: job $job: ${#files[@]} results of succeeded pods, want $shards" >&2
  exit 1
fi
"$portlab" report merge "${files[@]}" -o "$dir/merged.json"
