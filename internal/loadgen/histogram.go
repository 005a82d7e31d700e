package loadgen

import (
	"math/bits"
	"time"
)

// Histogram records latencies in microseconds with a relative precision
// of about 1.6% (64 sub-buckets per power of two, exact below 128 µs), in
// a fixed amount of memory however many values it holds. The zero value
// is ready to use; a Histogram is not safe for concurrent use (each
// client has its own, merged at the end).
type Histogram struct {
	counts [histBuckets]uint64
	n      uint64
	max    uint64
}

const (
	histSub     = 64          // sub-buckets per power of two
	histLinear  = 2 * histSub // values below this are exact
	histMaxExp  = 42          // 2^48 µs is about 9 years
	histBuckets = histLinear + histMaxExp*histSub
)

// bucket returns the bucket of a value in microseconds.
func bucket(us uint64) int {
	if us < histLinear {
		return int(us)
	}
	e := bits.Len64(us) - 7 // us>>e is in [64, 128)
	if e > histMaxExp {
		return histBuckets - 1
	}
	return histLinear + (e-1)*histSub + int(us>>e) - histSub
}

// bucketValue returns the middle of a bucket's range, in microseconds.
func bucketValue(i int) uint64 {
	if i < histLinear {
		return uint64(i)
	}
	e := (i-histLinear)/histSub + 1
	m := uint64((i-histLinear)%histSub + histSub)
	return m<<e + (uint64(1)<<e)/2
}

// Record adds one latency.
func (h *Histogram) Record(d time.Duration) {
	us := uint64(0)
	if d > 0 {
		us = uint64(d / time.Microsecond)
	}
	h.counts[bucket(us)]++
	h.n++
	if us > h.max {
		h.max = us
	}
}

// Count returns the number of values recorded.
func (h *Histogram) Count() uint64 { return h.n }

// Merge adds o's values to h.
func (h *Histogram) Merge(o *Histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	if o.max > h.max {
		h.max = o.max
	}
}

// Quantile returns the latency at quantile q (0 < q <= 1): the smallest
// recorded value such that at least q of the values are not above it,
// within the histogram's precision, and never above the largest value
// recorded. It returns 0 for an empty histogram.
func (h *Histogram) Quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(q*float64(h.n) + 0.999999)
	if rank < 1 {
		rank = 1
	}
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			v := bucketValue(i)
			if v > h.max {
				v = h.max
			}
			return time.Duration(v) * time.Microsecond
		}
	}
	return time.Duration(h.max) * time.Microsecond
}
