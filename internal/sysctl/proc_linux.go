package sysctl

import (
	"errors"
	"os"
)

func readFile(path string) ([]byte, error) { return os.ReadFile(path) }

func writeFile(path, value string) error {
	// O_WRONLY without O_CREATE or O_TRUNC: a misspelt name must fail, not
	// try to create a file.
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	_, werr := f.WriteString(value)
	return errors.Join(werr, f.Close())
}
