// Package kubernetes holds portlab's Kubernetes manifests and the code
// that makes and checks them: an Indexed Job whose pods each run one
// shard of a load (portlab load --shards N, the index from
// JOB_COMPLETION_INDEX), an echo server as a Deployment and a Service
// for in-cluster targets, and the invariants the manifests must keep.
//
// The YAML files beside this package are generated from one set of
// parameters (Params), so the number of shards, the target and the rate
// are one change:
//
//	go run ./deploy/kubernetes/gen -shards 8 -target portlab-echo:7777 -rate 8000 | kubectl apply -f -
//
// The package is only for deployment: portlab's binary does not import
// it, nor the Kubernetes types it uses.
package kubernetes
