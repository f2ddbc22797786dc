package app

import (
	"net/http"
	"time"
)

// externalGeneratorTimeout bounds a call of the external generator, after which the
// built-in one answers: a hung provider must not hang the request.
const externalGeneratorTimeout = 10 * time.Second

// generatorIdleConns is how many idle keep-alive connections to the external generator
// are kept. Every parse-jd calls it once, so under load as many calls are in flight as
// parse-jd requests; Go's default transport keeps 2 idle connections per host and
// closes the others after each call, so that nearly every call dialled again (a TCP
// and, in production, a TLS handshake per request: the generator-latency sweep of
// docs/benchmarks.md measured it).
const generatorIdleConns = 256

// newGeneratorClient is the HTTP client of the external generator.
func newGeneratorClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = generatorIdleConns
	t.MaxIdleConnsPerHost = generatorIdleConns
	return &http.Client{Timeout: externalGeneratorTimeout, Transport: t}
}
