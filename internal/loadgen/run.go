package loadgen

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Result is what a run measured. Throughputs count successful operations
// only; Seconds runs from the first operation's start to the last one's
// end (operations in flight when Duration passes are let finish).
type Result struct {
	Workload string `json:"workload"`
	// Label names the server (set by the caller, for reports).
	Label   string `json:"label,omitempty"`
	Round   int    `json:"round,omitempty"`
	Clients int    `json:"clients"`
	// Ops and Errors count operations that succeeded and that failed.
	Ops    int64 `json:"ops"`
	Errors int64 `json:"errors"`
	// Messages and Bytes are what the successful operations moved.
	Messages int64   `json:"messages"`
	Bytes    int64   `json:"bytes"`
	Seconds  float64 `json:"seconds"`
	OpsPerS  float64 `json:"ops_per_s"`
	MsgsPerS float64 `json:"messages_per_s"`
	MBPerS   float64 `json:"mb_per_s"`
	// P50ms and P99ms are latencies of successful operations.
	P50ms float64 `json:"p50_ms"`
	P99ms float64 `json:"p99_ms"`
	// Metric names the throughput that ranks servers, and Value is it.
	Metric string  `json:"metric"`
	Value  float64 `json:"value"`
	// ErrorSamples are the first distinct errors, with how often each
	// occurred.
	ErrorSamples []ErrorSample `json:"error_samples,omitempty"`

	// idle-conns: the connections held in IDLE, the server's memory
	// (bytes, process tree) before they opened and once they all idled,
	// its process counts, the source of the figures ("pss" or "rss") and
	// the memory per connection. P50ms and P99ms are then the delays
	// from delivery to EXISTS.
	IdleConns   int     `json:"idle_conns,omitempty"`
	MemBefore   int64   `json:"mem_before,omitempty"`
	MemAfter    int64   `json:"mem_after,omitempty"`
	ProcsBefore int     `json:"procs_before,omitempty"`
	ProcsAfter  int     `json:"procs_after,omitempty"`
	MemSource   string  `json:"mem_source,omitempty"`
	MemPerConn  float64 `json:"mem_per_conn,omitempty"`
	// MemSteps are the memory added per connection (bytes) by each step
	// in which the connections opened; MemPerConn is their median.
	MemSteps []float64 `json:"mem_steps,omitempty"`
	// MemUnsteady: a memory sample was taken before the server's memory
	// settled (the figure is then doubtful).
	MemUnsteady bool `json:"mem_unsteady,omitempty"`
}

// ErrorSample is one distinct error text and its count.
type ErrorSample struct {
	Text  string `json:"text"`
	Count int64  `json:"count"`
}

// maxErrorSamples bounds the distinct error texts kept.
const maxErrorSamples = 10

// String is the one-line summary cmd/postern-load prints.
func (r *Result) String() string {
	s := fmt.Sprintf("%s: clients=%d ops=%d errors=%d time=%.2fs ops/s=%.1f", r.Workload, r.Clients, r.Ops, r.Errors, r.Seconds, r.OpsPerS)
	if r.Messages > 0 {
		s += fmt.Sprintf(" messages=%d messages/s=%.1f MB/s=%.2f", r.Messages, r.MsgsPerS, r.MBPerS)
	}
	s += fmt.Sprintf(" p50=%.2fms p99=%.2fms", r.P50ms, r.P99ms)
	if r.IdleConns > 0 {
		s += fmt.Sprintf("\n  idle=%d memory=%.1fMiB->%.1fMiB (%s, processes %d->%d) per-connection=%.1fKiB",
			r.IdleConns, float64(r.MemBefore)/(1<<20), float64(r.MemAfter)/(1<<20), r.MemSource,
			r.ProcsBefore, r.ProcsAfter, r.MemPerConn/1024)
		if len(r.MemSteps) > 0 {
			s += " steps="
			for i, v := range r.MemSteps {
				if i > 0 {
					s += ","
				}
				s += fmt.Sprintf("%.1f", v/1024)
			}
			s += "KiB"
		}
		if r.MemUnsteady {
			s += " (memory not steady when sampled: doubtful)"
		}
	}
	for _, e := range r.ErrorSamples {
		s += fmt.Sprintf("\n  error x%d: %s", e.Count, e.Text)
	}
	return s
}

// clientStats is one client's tally, merged at the end.
type clientStats struct {
	mu                     sync.Mutex // failLocked only
	h                      Histogram
	ops, errs, msgs, bytes int64
	samples                map[string]int64
	order                  []string
}

func (cs *clientStats) fail(err error) {
	cs.errs++
	t := err.Error()
	if _, ok := cs.samples[t]; ok || len(cs.order) < maxErrorSamples {
		if !ok {
			cs.order = append(cs.order, t)
		}
		cs.samples[t]++
	}
}

// failLocked is fail for a tally shared by goroutines.
func (cs *clientStats) failLocked(err error) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	cs.fail(err)
}

// Run runs the workload named in o and returns what it measured. err is
// about the run itself (bad options, cancelled); failed operations are
// counted in the Result, not returned.
func Run(ctx context.Context, o Options) (*Result, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	wl, err := workloads[o.Workload](&o)
	if err != nil {
		return nil, err
	}
	limit, bounded := wl.Bounded()
	if !bounded {
		limit = o.Ops
		if o.Duration == 0 && o.Ops == 0 {
			return nil, errors.New("loadgen: give a duration or an operation count")
		}
	}
	stats := make([]clientStats, o.Clients+1)
	extra := &stats[o.Clients] // Prepare's and Finish's tally
	extra.samples = map[string]int64{}
	prep, _ := wl.(preparer)
	if prep != nil {
		if err := prep.Prepare(ctx, extra); err != nil {
			prep.Finish(ctx, extra)
			return nil, err
		}
	}
	var stopAt time.Time
	if !bounded && o.Duration > 0 {
		stopAt = time.Now().Add(o.Duration)
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for i := range o.Clients {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			cs := &stats[i]
			cs.samples = make(map[string]int64)
			w := wl.NewWorker(i, o.Clients)
			defer w.Close()
			for ctx.Err() == nil && (stopAt.IsZero() || time.Now().Before(stopAt)) {
				k := next.Add(1) - 1
				if limit > 0 && k >= limit {
					return
				}
				t0 := time.Now()
				c, err := w.Do(ctx, k)
				if err != nil {
					cs.fail(err)
					pause(ctx, 10*time.Millisecond) // no hot loop against a dead server
					continue
				}
				if c.Latency > 0 {
					cs.h.Record(c.Latency)
				} else {
					cs.h.Record(time.Since(t0))
				}
				cs.ops++
				cs.msgs += c.Messages
				cs.bytes += c.Bytes
			}
		}(i)
	}
	wg.Wait()
	elapsed := time.Since(start)
	if prep != nil {
		prep.Finish(ctx, extra)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r := summarize(&o, wl, stats, elapsed)
	if prep != nil {
		prep.Report(r)
	}
	return r, nil
}

func summarize(o *Options, wl Workload, stats []clientStats, elapsed time.Duration) *Result {
	r := &Result{Workload: o.Workload, Clients: o.Clients, Seconds: elapsed.Seconds(), Metric: wl.Metric()}
	var h Histogram
	counts := make(map[string]int64)
	var order []string
	for i := range stats {
		cs := &stats[i]
		h.Merge(&cs.h)
		r.Ops += cs.ops
		r.Errors += cs.errs
		r.Messages += cs.msgs
		r.Bytes += cs.bytes
		for _, t := range cs.order {
			if _, ok := counts[t]; !ok {
				order = append(order, t)
			}
			counts[t] += cs.samples[t]
		}
	}
	sort.SliceStable(order, func(a, b int) bool { return counts[order[a]] > counts[order[b]] })
	for i, t := range order {
		if i == maxErrorSamples {
			break
		}
		r.ErrorSamples = append(r.ErrorSamples, ErrorSample{Text: t, Count: counts[t]})
	}
	if s := r.Seconds; s > 0 {
		r.OpsPerS = float64(r.Ops) / s
		r.MsgsPerS = float64(r.Messages) / s
		r.MBPerS = float64(r.Bytes) / s / 1e6
	}
	r.P50ms = float64(h.Quantile(0.50)) / float64(time.Millisecond)
	r.P99ms = float64(h.Quantile(0.99)) / float64(time.Millisecond)
	switch r.Metric {
	case "messages/s":
		r.Value = r.MsgsPerS
	default:
		r.Value = r.OpsPerS
	}
	return r
}

// pause sleeps for d or until ctx ends.
func pause(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
