package scenarios

import (
	"maps"
	"reflect"
	"slices"

	"github.com/portlab/portlab/echo"
	"github.com/portlab/portlab/internal/topology"
)

// Keys lists, sorted, the keys a run's section takes: "load" (the load's
// knobs and destinations), "server" (the echo server's knobs) or
// "sandbox" (the sysctls the sandbox sets) or "gateway" (the NAT
// gateway's knobs); nil for any other section.
func Keys(section string) []string {
	switch section {
	case "load":
		return slices.Sorted(maps.Keys(yamlKeys(reflect.TypeFor[fileLoad]())))
	case "server":
		return slices.Sorted(maps.Keys(yamlKeys(reflect.TypeFor[echo.Config]())))
	case "sandbox":
		return slices.Sorted(maps.Keys(sandboxSysctls))
	case "gateway":
		return slices.Sorted(maps.Keys(yamlKeys(reflect.TypeFor[topology.Gateway]())))
	}
	return nil
}
