package config

// platformSockopts says the client socket options SO_REUSEADDR and
// IP_BIND_ADDRESS_NO_PORT are implemented on this platform.
const platformSockopts = true
