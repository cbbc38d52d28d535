//go:build !linux

package config

// platformSockopts is false: SO_REUSEADDR and IP_BIND_ADDRESS_NO_PORT are
// implemented for Linux only, and Validate refuses them elsewhere.
const platformSockopts = false
