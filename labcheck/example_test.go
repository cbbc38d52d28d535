package labcheck_test

import (
	"fmt"
	"os"

	"github.com/portlab/portlab/labcheck"
)

// A results directory with nothing in it: exercise 3 is not done, and each
// criterion says what is missing.
func ExampleCheck() {
	dir, err := os.MkdirTemp("", "labcheck-example-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	v, err := labcheck.Check(3, dir)
	if err != nil {
		panic(err)
	}
	fmt.Printf("exercise %d, %s: done %v\n", v.Exercise, v.Title, v.Done)
	for _, c := range v.Criteria {
		fmt.Printf("ok=%v %s\n", c.OK, c.Name)
	}
	// Output:
	// exercise 3, pooling: done false
	// ok=false a pool run without EADDRNOTAVAIL
	// ok=false the pool opened no more connections than its size
	// ok=false pooling serves more requests per second than a connection per request
}
