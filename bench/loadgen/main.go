// loadgen: the scaling scenario's load generator (bench/run.mjs, scenario 4). Requests on one
// subject with a fixed number in flight, for a fixed time, from ONE NATS connection — what the
// nats.js busLoad in bench/run.mjs does, at about half its CPU per request (goroutines and nats.go's
// shared reply subscription instead of a JavaScript promise per request), so that on a small
// machine the generator is not what limits the replicas. Not a test.
//
//	LOADGEN_PASSWORD=… LOADGEN_TOKEN=<jwt> loadgen -url nats://127.0.0.1:4222 -user streamlit-host \
//	        -subject api.pong -in-flight 100 -duration 8s [-warmup 2s]
//
// The password and the bearer token come from the environment, not the command line (which any
// local user can read in the process list).
// Prints one JSON line: requests, errors, req_per_s, p50_ms, p99_ms, cpu_s (this process's
// user + system CPU seconds during the measured run).
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
)

type result struct {
	Requests int64   `json:"requests"`
	Errors   int64   `json:"errors"`
	ReqPerS  int64   `json:"req_per_s"`
	P50Ms    float64 `json:"p50_ms"`
	P99Ms    float64 `json:"p99_ms"`
	CPUS     float64 `json:"cpu_s"`
}

func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// run keeps inFlight requests outstanding until the deadline; latencies only when keep is true.
func run(nc *nats.Conn, subject string, header nats.Header, inFlight int, d time.Duration, keep bool) (lat []time.Duration, errs int64) {
	body := []byte("{}")
	until := time.Now().Add(d)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errors atomic.Int64
	for i := 0; i < inFlight; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mine := make([]time.Duration, 0, 4096)
			for time.Now().Before(until) {
				start := time.Now()
				msg, err := nc.RequestMsg(&nats.Msg{Subject: subject, Header: header, Data: body}, 5*time.Second)
				if err != nil || len(msg.Data) == 0 || (len(msg.Data) > 9 && string(msg.Data[:9]) == `{"error":`) {
					errors.Add(1)
					continue
				}
				if keep {
					mine = append(mine, time.Since(start))
				}
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return lat, errors.Load()
}

func main() {
	url := flag.String("url", nats.DefaultURL, "NATS URL")
	user := flag.String("user", "streamlit-host", "NATS user (replies come to _INBOX_<user>)")
	subject := flag.String("subject", "api.pong", "request subject")
	inFlight := flag.Int("in-flight", 100, "requests outstanding at a time")
	duration := flag.Duration("duration", 8*time.Second, "measured run")
	warmup := flag.Duration("warmup", 2*time.Second, "unmeasured run first")
	flag.Parse()

	password, token := os.Getenv("LOADGEN_PASSWORD"), os.Getenv("LOADGEN_TOKEN")
	nc, err := nats.Connect(*url, nats.UserInfo(*user, password), nats.Name("bench-loadgen"), nats.CustomInboxPrefix("_INBOX_"+*user))
	if err != nil {
		fmt.Fprintf(os.Stderr, "loadgen: %v\n", err)
		os.Exit(1)
	}
	defer nc.Close()
	header := nats.Header{}
	if token != "" {
		header.Set("Authorization", "Bearer "+token)
	}
	if *warmup > 0 {
		run(nc, *subject, header, *inFlight, *warmup, false)
	}
	cpu0 := cpuSeconds()
	t0 := time.Now()
	lat, errs := run(nc, *subject, header, *inFlight, *duration, true)
	elapsed := time.Since(t0).Seconds()
	cpu := cpuSeconds() - cpu0
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		k := int(p / 100 * float64(len(lat)-1))
		return float64(lat[k].Microseconds()) / 1000
	}
	out, _ := json.Marshal(result{Requests: int64(len(lat)), Errors: errs, ReqPerS: int64(float64(len(lat)) / elapsed), P50Ms: pct(50), P99Ms: pct(99), CPUS: cpu})
	fmt.Println(string(out))
}
